import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterHeader } from '../../contracts/headers';
import { nodeTopic, Topic } from '../../contracts/topics';
import { readTopic } from './read-topic';
import { startIngest, type Ingest } from '../ingest/service';
import { AvroSerde } from '../runtime/avro-serde';
import { runNcn } from '../../test/support/cli';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { consumeUntil, endOffsets } from '../../test/support/consume';
import { catalogueReady, sha256 } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';
import { validCandidatura } from '../../test/support/xml-cases';

const FIXTURE_CODE = '12R0000000000000000000001';
const run = randomBytes(4).toString('hex').toUpperCase();
const code = (n: number): string => `12C${run}${String(n).padStart(14, '0')}`.slice(0, 25);

/** The operator's commands against the real stack: submit, tail, dlq list and replay; and none leaves a group behind. */
describe('ncn submit, tail and dlq through the real stack', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  const dir = mkdtempSync(join(tmpdir(), 'ncn-cli-'));
  const good = join(dir, 'good.xml');
  const bad = join(dir, 'bad.xml');
  const goodBytes = Buffer.from(validCandidatura.replace(FIXTURE_CODE, code(1)));
  // The codice fiscale's check character is wrong (S → T).
  const badBytes = Buffer.from(
    validCandidatura.replace(FIXTURE_CODE, code(2)).replace('RSSMRA85T10A562S', 'RSSMRA85T10A562T'),
  );
  let ingest: Ingest;
  /** The CLI's groups on the broker before these tests ran (earlier runs' are not theirs to judge). */
  let groupsBefore: Set<string>;
  const cliGroups = async (): Promise<string[]> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('ncn-cli'));
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    await catalogueReady(kafka);
    groupsBefore = new Set(await cliGroups());
    writeFileSync(good, goodBytes);
    writeFileSync(bad, badBytes);
    ingest = await startIngest({
      config: testConfig,
      kafka,
      serde,
      logger: silentLogger,
      groupId: unique('test.cli.ingest'),
      fromBeginning: false,
    });
    await ingest.runner.fetching;
  });

  afterAll(async () => {
    await ingest.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits as a node and prints each receipt: the good file accepted, the bad one rejected with its path', async () => {
    const marks = await endOffsets(kafka, [Topic.dlq]);
    const submitted = await runNcn(['submit', '--node', '12', '--json', good, bad]);
    expect(submitted.status).toBe(1); // one was rejected
    const receipts = JSON.parse(submitted.stdout) as {
      file: string;
      receipt: { outcome: string; root: string | null; issues: { code: string; path: string }[]; sha256: string };
    }[];
    expect(receipts.map((r) => [r.file, r.receipt.outcome, r.receipt.sha256])).toEqual([
      [good, 'ACCEPTED', sha256(goodBytes)],
      [bad, 'REJECTED', sha256(badBytes)],
    ]);
    expect(receipts[0]?.receipt.root).toBe(code(1));
    expect(receipts[1]?.receipt.issues).toContainEqual(
      expect.objectContaining({
        code: 'CF_CHECK_CHARACTER',
        path: '/Candidatura/Lavoratore/DatiAnagrafici/codicefiscale',
      }),
    );
    // The rejected bytes are on the dead-letter topic, as they were sent.
    const letters = await consumeUntil(kafka, Topic.dlq, (m) => m.some((x) => x.value?.equals(badBytes) === true), {
      from: marks,
    });
    expect(letters.find((x) => x.value?.equals(badBytes))?.headers?.[DeadLetterHeader.errorCode]?.toString()).toBe(
      'CF_CHECK_CHARACTER',
    );

    // The same file again: processed once, the second send answered DUPLICATE (exit 0).
    const again = await runNcn(['submit', '--node', '12', good]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/DUPLICATE/);
  });

  it('tails a topic with its Avro values decoded through the registry', async () => {
    const tail = await runNcn(['tail', nodeTopic.receipts('12'), '--from', 'beginning', '--json']);
    expect(tail.status).toBe(0);
    const values = tail.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { value: { sha256?: string; outcome?: string } });
    expect(values.filter((v) => v.value.sha256 === sha256(goodBytes)).map((v) => v.value.outcome)).toEqual([
      'ACCEPTED',
      'DUPLICATE',
    ]);
    // An empty topic read from the beginning: nothing to wait for (a consumer disconnected while joining hung).
    const empty = unique('test.cli.empty');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: empty, numPartitions: 3 }] });
    await admin.disconnect();
    const read: unknown[] = [];
    expect(
      await readTopic({ kafka, topic: empty, from: 'beginning', follow: false, onRecord: (r) => void read.push(r) }),
    ).toEqual({
      count: 0,
    });
    expect(read).toEqual([]);
  });

  it('lists the dead letter with its reason, and replays it where it is told, bytes unchanged', async () => {
    const list = await runNcn(['dlq', 'list', '--service', 'ingest', '--json']);
    expect(list.status).toBe(0);
    const letter = list.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { id: string; headers: Record<string, string>; value: string })
      .find((l) => l.value === badBytes.toString('utf8'));
    expect(letter?.headers[DeadLetterHeader.errorCode]).toBe('CF_CHECK_CHARACTER');
    expect(letter?.headers[DeadLetterHeader.sourceTopic]).toBe(nodeTopic.in('12'));

    const target = unique('test.cli.replayed');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: target, numPartitions: 1 }] });
    await admin.disconnect();
    const replay = await runNcn(['dlq', 'replay', letter?.id ?? '', '--to', target]);
    expect(replay.status).toBe(0);
    const [replayed] = await consumeUntil(kafka, target, (m) => m.length >= 1);
    expect(replayed?.value?.equals(badBytes)).toBe(true);
    expect(replayed?.headers?.['ncn-replayed-from']?.toString()).toBe(letter?.id);

    const unknown = await runNcn(['dlq', 'replay', '9:999999999']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/no dead letter 9:999999999 \(ncn dlq list shows the ids\)/);
  });

  it('leaves no consumer group with committed offsets behind (it would show on the lag page)', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const mine = (await cliGroups()).filter((g) => !groupsBefore.has(g));
      const committed: string[] = [];
      for (const groupId of mine) {
        for (const topic of await admin.fetchOffsets({ groupId }))
          for (const p of topic.partitions)
            if (p.offset !== '-1') committed.push(`${groupId} ${topic.topic}[${p.partition}]`);
      }
      expect(committed).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});
