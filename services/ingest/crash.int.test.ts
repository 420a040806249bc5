import type { ConsumedRecord } from '../runtime/kafka';
import { Topic } from '../../contracts/topics';
import { NodeIds, type NodeId } from '../../contracts/nodes';
import { generateTraffic } from '../../lib/gen/traffic';
import { AvroSerde } from '../runtime/avro-serde';
import { testConfig, testKafka } from '../../test/support/clients';
import { endOffsets } from '../../test/support/consume';
import { catalogueReady, sha256, submitAs, type ReceiptValue } from '../../test/support/ingest';
import { killService, startService, stopService, type ServiceProcess } from '../../test/support/service-process';
import { unique, unusedDay } from '../../test/support/unique';

const total = Number(process.env.NCN_CRASH_SUBMISSIONS ?? 10_000);

describe('ingest killed in the middle of a run', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  let child: ServiceProcess | undefined;

  afterAll(async () => {
    await stopService(child);
  });

  it(`gives every one of ${total} submissions exactly one receipt and one canonical event`, async () => {
    await catalogueReady(kafka);
    // A day no other run uses, so that the generated codes are new.
    const day = unusedDay();
    const submissions = [
      ...generateTraffic({
        seed: day.getTime() % 100_000,
        candidature: total * 0.7,
        vacancies: total * 0.3,
        inps: 0,
        co: 0,
        invalid: 0.01,
        day,
      }),
    ].flatMap((r) =>
      'xml' in r ? [{ node: r.topic.slice(3, 5) as NodeId, key: r.key, bytes: Buffer.from(r.xml) }] : [],
    );
    expect(submissions).toHaveLength(total);
    const hashes = new Set(submissions.map((s) => sha256(s.bytes)));

    const receipts = new Map<string, ReceiptValue[]>();
    const items = new Map<string, number>();
    /** How many times each submission stands on its node's topic: a producer's retry can write one twice. */
    const copies = new Map<string, number>();
    const inputTopics = NodeIds.map((n) => `nr.${n}.in`);
    // Only what this run causes is read: every topic from where it ends now.
    const admin = kafka.admin();
    await admin.connect();
    const receiptTopics = (await admin.listTopics()).filter((t) => /^nr\.\d{2}\.receipts$/.test(t));
    await admin.disconnect();
    const marks = await endOffsets(kafka, [...receiptTopics, ...inputTopics, Topic.candidature, Topic.vacancies]);
    const reader = kafka.reader({
      topics: [...receiptTopics, ...inputTopics, Topic.candidature, Topic.vacancies],
      from: marks,
    });
    await reader.connect();
    const decode = async (message: ConsumedRecord, topic: string): Promise<void> => {
      if (message.value === null) return;
      if (topic.endsWith('.in')) {
        const h = sha256(message.value);
        if (hashes.has(h)) copies.set(h, (copies.get(h) ?? 0) + 1);
        return;
      }
      const text = message.value.toString('latin1');
      const hash = /[0-9a-f]{64}/.exec(text)?.[0];
      if (hash === undefined || !hashes.has(hash)) return;
      if (topic.endsWith('.receipts')) {
        const receipt = await serde.decode<ReceiptValue>(message.value);
        receipts.set(receipt.sha256, [...(receipts.get(receipt.sha256) ?? []), receipt]);
      } else {
        const item = await serde.decode<{ meta: { sha256: string } }>(message.value);
        items.set(item.meta.sha256, (items.get(item.meta.sha256) ?? 0) + 1);
      }
    };
    let reading = true;
    const read = (async () => {
      while (reading) for (const record of await reader.poll(500)) await decode(record, record.topic);
    })();

    const groupId = unique('test.crash.ingest');
    // The group starts from the beginning of the node topics (other tests' submissions there are not in this run's
    // hashes). The takeover fences the first process's open transactions in whatever order the new one reaches
    // their partitions: records of those aborted transactions must never reach the restarted process (each
    // submission is decided once).
    const env = { NCN_GROUP_ID: groupId, NCN_PREDECESSOR_WAIT_MS: '5000' };
    const first = startService('ingest', env);
    child = first;
    await first.ready;
    const started = Date.now();
    const byNode = new Map<NodeId, { key: string; bytes: Buffer }[]>();
    for (const s of submissions) byNode.set(s.node, [...(byNode.get(s.node) ?? []), { key: s.key, bytes: s.bytes }]);
    await Promise.all([...byNode].map(([node, list]) => submitAs(kafka, node, list)));

    const waitFor = async (condition: () => boolean, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) {
          const missing = submissions.filter((s) => !receipts.has(sha256(s.bytes))).slice(0, 5);
          throw new Error(
            `timed out: ${receipts.size} of ${total} submissions have receipts; missing e.g. ${missing.map((m) => `${m.node}/${m.key}`).join(', ')}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(() => receipts.size >= total * 0.3, 180_000);
    const atKill = receipts.size;
    await killService(first);

    const second = startService('ingest', env);
    child = second;
    await second.ready;
    const restarted = Date.now();
    const all = [...hashes];
    await waitFor(
      () => receipts.size >= total && all.every((h) => (receipts.get(h)?.length ?? 0) >= (copies.get(h) ?? 1)),
      300_000,
    );
    const finished = Date.now();
    // Late duplicates, if any, would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    reading = false;
    await read;
    await reader.disconnect();
    await stopService(second);

    // Exactly one receipt per record on the topic (a submission written twice by the sender's producer gets two:
    // one decision and, for an accepted one, a DUPLICATE); at most one ACCEPTED per submission.
    const counts = [...hashes].map((h) => (receipts.get(h)?.length ?? 0) - (copies.get(h) ?? 0));
    const acceptedTwice = [...receipts.values()].filter(
      (list) => list.filter((r) => r.outcome === 'ACCEPTED').length > 1,
    );
    const accepted = [...receipts.values()]
      .filter((list) => list.some((r) => r.outcome === 'ACCEPTED'))
      .map((list) => list[0]?.sha256 ?? '');
    const written = [...copies.values()].reduce((a, b) => a + b, 0);
    const outcomes = new Map<string, number>();
    for (const list of receipts.values())
      for (const r of list) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    console.log(
      `crash run: ${total} submissions; killed after ${atKill} receipts; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; ` +
        `before the kill ${Math.round(atKill / ((restarted - started) / 1000))}/s including the restart, after it ${Math.round((total - atKill) / ((finished - restarted) / 1000))} submissions/s`,
    );
    const repeated = [...receipts.values()].filter((list) => list.length > 1).slice(0, 3);
    for (const list of repeated)
      console.log(
        JSON.stringify(
          list.map((r) => ({
            outcome: r.outcome,
            code: r.code,
            node: r.node,
            partition: (r as unknown as { partition: number }).partition,
            offset: (r as unknown as { offset: number }).offset,
            at: r.receivedAt,
          })),
        ),
      );
    console.log(
      `records on the node topics: ${written} for ${total} submissions (${written - total} written twice by the producer)`,
    );
    expect(copies.size).toBe(total);
    expect(counts.filter((c) => c !== 0)).toEqual([]);
    expect(acceptedTwice).toEqual([]);
    expect(accepted.filter((h) => items.get(h) !== 1)).toEqual([]);
    expect([...items.keys()].filter((h) => !accepted.includes(h))).toEqual([]);
    expect(outcomes.get('ACCEPTED')).toBeGreaterThan(total * 0.8);
  }, 600_000);
});
