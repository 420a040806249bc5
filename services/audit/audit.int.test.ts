import type { Redis } from 'ioredis';
import { avroSchema } from '../../contracts/avro/schemas';
import { Topic } from '../../contracts/topics';
import { startAuditIndexer, type AuditIndexer } from './service';
import { subjectHash } from '../../contracts/policy';
import { person } from '../../lib/gen/people';
import { Random } from '../../lib/gen/random';
import { AvroSerde, valueSubject } from '../runtime/avro-serde';
import { createRedis } from '../runtime/redis';
import { runNcn } from '../../test/support/cli';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { catalogueReady } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';

describe('the audit trail of one person: the indexer and ncn audit --cf', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  const prefix = unique('ncn-test');
  const key = 'test-audit-key-for-this-run-0123';
  const config = {
    ...testConfig,
    redis: { ...testConfig.redis, prefix },
    dispatcher: { auditKey: key, auditKeyIsDefault: false },
  };
  const rng = new Random(Date.now() % 100_000);
  const someone = person(rng, '05');
  const other = person(rng, '09');
  /** A person whose trail is the same as `someone`'s, written as one event per decision naming its receivers. */
  const grouped = person(rng, '07');
  let redis: Redis;
  let indexer: AuditIndexer | undefined;

  const publish = async (events: Record<string, unknown>[]): Promise<void> => {
    const id = await serde.register(valueSubject(Topic.audit), avroSchema('it.ncn.AuditEvent'));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (let i = 0; i < events.length; i += 500) {
      const messages = await Promise.all(
        events.slice(i, i + 500).map(async (e) => ({ key: String(e.root), value: await serde.encode(id, e) })),
      );
      await producer.send({ topic: Topic.audit, messages });
    }
    await producer.disconnect();
  };
  /** What the dispatcher writes for one delivery. */
  const event = (cf: string, root: string, version: number, toNode: string, action: string, at: number) => ({
    at,
    service: 'dispatcher',
    event: action,
    kind: 'CANDIDATURA',
    root,
    version,
    fromNode: '05',
    toNode,
    rule: 'rule 1: scope 02 (national): every node but the sender',
    subjectHash: subjectHash(key, cf),
  });

  beforeAll(async () => {
    await catalogueReady(kafka);
    redis = createRedis(config);
  });

  afterAll(async () => {
    await indexer?.close();
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await redis.quit();
  });

  it('answers, for one person, which items, who received which version and how it ended; rebuilt after Redis loses it', async () => {
    const t0 = Date.now();
    const nodes = ['00', '01', '02', '03', '06', '07', '08', '09', '10', '11', '12'];
    const roots = Array.from({ length: 15 }, (_, i) =>
      `05C${prefix.slice(-8).toUpperCase()}${String(i).padStart(14, '0')}`.slice(0, 25),
    );
    // Each version is one decision of the dispatcher: its deliveries share their time.
    const mine = roots.flatMap((root, r) => [
      ...nodes.map((n) => event(someone.codiceFiscale, root, 1, n, 'DELIVERED', t0 + r * 100)),
      ...nodes.slice(0, 8).map((n) => event(someone.codiceFiscale, root, 2, n, 'WITHDRAWN', t0 + r * 100 + 50)),
    ]);
    const theirs = roots
      .slice(0, 3)
      .map((root, i) => event(other.codiceFiscale, `${root}X`, 1, '12', 'DELIVERED', t0 + i));
    const decisions = roots.flatMap((root, r) => [
      { ...event(grouped.codiceFiscale, root, 1, '', 'DELIVERED', t0 + r * 100), toNode: null, toNodes: nodes },
      {
        ...event(grouped.codiceFiscale, root, 2, '', 'WITHDRAWN', t0 + r * 100 + 50),
        toNode: null,
        toNodes: nodes.slice(0, 8),
      },
    ]);
    await publish([...mine, ...theirs, ...decisions]);

    indexer = await startAuditIndexer({
      config,
      kafka,
      serde,
      redis,
      logger: silentLogger,
      groupId: unique('test.audit'),
      fromBeginning: true,
    });
    const deadline = Date.now() + 60_000;
    const indexed = async (cf: string): Promise<number> => (await indexer?.index.of(subjectHash(key, cf)))?.length ?? 0;
    while (
      (await indexed(someone.codiceFiscale)) < mine.length ||
      (await indexed(grouped.codiceFiscale)) < mine.length
    ) {
      if (Date.now() > deadline) throw new Error('the index did not take every event');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await indexer.rebuilt;
    const env = { NCN_REDIS_PREFIX: prefix, NCN_AUDIT_KEY: key };
    const answer = await runNcn(['audit', '--cf', someone.codiceFiscale], env);
    expect(answer.status).toBe(0);
    expect(answer.stdout).toContain(`CANDIDATURA ${roots[0]}: ${nodes.length + 8} events`);
    expect(answer.stdout).toContain('00 withdrawn v2');
    expect(answer.stdout).toContain('12 delivered v1');
    expect(answer.stdout).not.toContain(`${roots[0]}X`);
    console.info(`audit query: ${answer.stderr.trim()}`);
    const json = JSON.parse(
      (await runNcn(['audit', '--cf', someone.codiceFiscale, '--json'], env)).stdout,
    ) as unknown[];
    expect(json).toHaveLength(mine.length);

    // An event naming several receivers answers exactly as one event per receiver.
    const sameTrail = async (): Promise<void> => {
      const a = await runNcn(['audit', '--cf', grouped.codiceFiscale], env);
      expect(a.stdout.replaceAll(grouped.codiceFiscale, someone.codiceFiscale)).toBe(
        (await runNcn(['audit', '--cf', someone.codiceFiscale], env)).stdout,
      );
      expect(JSON.parse((await runNcn(['audit', '--cf', grouped.codiceFiscale, '--json'], env)).stdout)).toEqual(
        JSON.parse((await runNcn(['audit', '--cf', someone.codiceFiscale, '--json'], env)).stdout),
      );
    };
    await sameTrail();
    expect(decisions).toHaveLength(roots.length * 2);

    // Redis loses the index; the indexer, started again, rebuilds it from ncn.audit while it indexes new events
    // (a group that starts at the end: whatever came before reaches the index through the rebuild alone).
    await indexer.close();
    const keys = await redis.keys(`${prefix}:*`);
    await redis.del(...keys);
    expect((await runNcn(['audit', '--cf', someone.codiceFiscale], env)).stderr).toMatch(/audit index is not built/);
    indexer = await startAuditIndexer({
      config,
      kafka,
      serde,
      redis,
      logger: silentLogger,
      groupId: unique('test.audit'),
      fromBeginning: false,
    });
    await indexer.runner.fetching;
    const later = event(someone.codiceFiscale, `${roots[0]}L`, 1, '03', 'DELIVERED', t0 + 10_000);
    await publish([later, { ...later, subjectHash: subjectHash(key, grouped.codiceFiscale) }]);
    await indexer.rebuilt;
    while ((await indexer.index.of(subjectHash(key, someone.codiceFiscale))).length < mine.length + 1) {
      if (Date.now() > deadline + 60_000) throw new Error('the index did not take the event published after the start');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await indexer.index.of(subjectHash(key, someone.codiceFiscale))).toHaveLength(mine.length + 1);
    expect((await runNcn(['audit', '--cf', someone.codiceFiscale], env)).status).toBe(0);
    // The rebuild expands the events that name several receivers as live indexing does.
    while ((await indexed(grouped.codiceFiscale)) < mine.length + 1) {
      if (Date.now() > deadline + 60_000) throw new Error('the rebuild did not take the grouped events');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await sameTrail();

    const bad = await runNcn(['audit', '--cf', 'RSSMRA85T10A562X'], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not a valid codice fiscale/);
  }, 180_000);
});
