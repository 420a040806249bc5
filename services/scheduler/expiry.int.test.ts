import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { NodeIds } from '../../contracts/nodes';
import { Topic, nodeTopic } from '../../contracts/topics';
import { startDispatcher, type Dispatcher } from '../dispatcher/service';
import { startIngest, type Ingest } from '../ingest/service';
import { avroSchema } from '../../contracts/avro/schemas';
import { AvroSerde, valueSubject } from '../runtime/avro-serde';
import { createRedis } from '../runtime/redis';
import { SchedulerHeader } from '../../contracts/headers';
import { startScheduler, type Scheduler } from './service';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { Collector } from '../../test/support/collect';
import { catalogueReady, submitAs } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';
import { validCandidatura } from '../../test/support/xml-cases';

const DAY = 86_400_000;

async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const run = randomBytes(4).toString('hex').toUpperCase();
const code = (n: number): string => `05C${run}${String(n).padStart(14, '0')}`.slice(0, 25);

function cv(c: string, o: { previous?: string; close?: boolean } = {}): Buffer {
  let xml = validCandidatura.replace('12R0000000000000000000001', c);
  if (o.previous) {
    xml = xml.replace(
      `<codicecandidatura>${c}</codicecandidatura>`,
      `<codicecandidatura>${c}</codicecandidatura><codicecandidaturaprecedente>${o.previous}</codicecandidaturaprecedente>`,
    );
  }
  if (o.close) {
    xml = xml.replace(
      '<tipocandidatura>01</tipocandidatura>',
      '<tipocandidatura>02</tipocandidatura><motivochiusura>01</motivochiusura>',
    );
  }
  return Buffer.from(xml);
}

describe('expiry across 60 days with an injected clock (rule 4): ingest → scheduler → dispatcher', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  const start = Date.now();
  let clock = start;
  const prefix = unique('ncn-test');
  const config = {
    ...testConfig,
    redis: { ...testConfig.redis, prefix },
    scheduler: { ...testConfig.scheduler, checkMs: 100 },
  };
  let redis: Redis;
  let ingest: Ingest;
  let dispatcher: Dispatcher;
  let scheduler: Scheduler;
  let out: Collector;

  beforeAll(async () => {
    await catalogueReady(kafka);
    redis = createRedis(config);
    out = await Collector.start(kafka, serde, [
      ...NodeIds.map((n) => nodeTopic.out(n)),
      Topic.expired,
      Topic.scheduler,
    ]);
    const common = { config, kafka, serde, logger: silentLogger, fromBeginning: false };
    ingest = await startIngest({ ...common, groupId: unique('test.ingest'), now: () => new Date(clock) });
    dispatcher = await startDispatcher({ ...common, groupId: unique('test.dispatcher'), now: () => new Date(clock) });
    scheduler = await startScheduler({
      ...common,
      redis,
      groupId: unique('test.scheduler'),
      now: () => clock,
      indexFrom: 'now',
    });
    await Promise.all([ingest.runner.fetching, dispatcher.runner.fetching, scheduler.runner.fetching]);
  });

  afterAll(async () => {
    await Promise.all([ingest?.close(), dispatcher?.close(), scheduler?.close()]);
    await out?.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const deliveries = (root: string, action: string, count: number, timeoutMs = 30_000) =>
    out.waitFor(
      (r) => /^nr\.\d\d\.out$/.test(r.topic) && r.key === root && r.value.action === action,
      (d) => d.length >= count,
      timeoutMs,
    );
  const expiredOf = (root: string) => out.records.filter((r) => r.topic === Topic.expired && r.key === root);

  it('expires an item once, an updated item 60 days after its update, a closed item never', async () => {
    const [a, b1, b2, c1, c2] = [1, 2, 3, 4, 5].map(code) as [string, string, string, string, string];
    await submitAs(kafka, '05', [
      { key: a, bytes: cv(a) },
      { key: b1, bytes: cv(b1) },
      { key: c1, bytes: cv(c1) },
    ]);
    for (const root of [a, b1, c1]) await deliveries(root, 'UPSERT', 21);

    clock = start + 30 * DAY;
    await submitAs(kafka, '05', [
      { key: b2, bytes: cv(b2, { previous: b1 }) },
      { key: c2, bytes: cv(c2, { previous: c1, close: true }) },
    ]);
    await deliveries(b1, 'UPSERT', 42);
    await deliveries(c1, 'CLOSE', 21);
    // The schedules follow the deliveries (the dispatcher writes them in the same transaction): the test's 30 days
    // pass only once the scheduler has read them, as 30 real days would let it.
    await until(
      async () => (await scheduler.index.scheduled(b1)) === 2 && (await scheduler.index.scheduled(c1)) === undefined,
    );

    clock = start + 60 * DAY + 60_000;
    const expiredA = await deliveries(a, 'EXPIRE', 21);
    expect(expiredA.map((d) => d.value.node).sort()).toEqual(NodeIds.filter((n) => n !== '05'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(expiredOf(b1)).toHaveLength(0);

    clock = start + 90 * DAY + 60_000;
    const expiredB = await deliveries(b1, 'EXPIRE', 21);
    expect(expiredB.every((d) => d.value.version === 2)).toBe(true);

    clock = start + 400 * DAY;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(expiredOf(a)).toHaveLength(1);
    expect(expiredOf(b1)).toHaveLength(1);
    expect(expiredOf(b1)[0]?.value).toMatchObject({ version: 2, dueAt: start + 90 * DAY });
    expect(expiredOf(c1)).toHaveLength(0);
    for (const root of [a, b1]) {
      const ids = out.records
        .filter((r) => r.key === root && r.value.action === 'EXPIRE')
        .map((r) => r.value.deliveryId);
      expect(ids).toHaveLength(21);
      expect(new Set(ids).size).toBe(21);
    }
    expect(out.records.filter((r) => r.key === c1 && r.value.action === 'EXPIRE')).toHaveLength(0);
    expect(await scheduler.index.pending()).toBe(0);
  });

  it('an item already due when it arrives reaches its holders first, then expires once', async () => {
    const d = code(6);
    // Inserted 2026-11-20, its datascadenza five days later: due on arrival (the fake clock is past it too).
    const xml = cv(d)
      .toString()
      .replace('</datainserimento>', '</datainserimento><datascadenza>2026-11-25</datascadenza>');
    await submitAs(kafka, '05', [{ key: d, bytes: Buffer.from(xml) }]);
    const upserts = await deliveries(d, 'UPSERT', 21);
    const expiries = await deliveries(d, 'EXPIRE', 21);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(expiredOf(d)).toHaveLength(1);
    // On each node's topic (one partition per key) the EXPIRE follows the UPSERT.
    for (const node of NodeIds.filter((n) => n !== '05')) {
      const up = upserts.find((u) => u.value.node === node);
      const ex = expiries.find((e) => e.value.node === node);
      expect({ node, order: BigInt(up?.raw.offset ?? -1) < BigInt(ex?.raw.offset ?? -1) }).toEqual({
        node,
        order: true,
      });
    }
  });

  it('writes a newer schedule again when an expiry tombstone lands after it (compaction keeps only the last)', async () => {
    const root = code(7);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const schedule = (version: number) =>
      serde.encode(scheduleId, {
        root,
        kind: 'CANDIDATURA',
        version,
        node: '05',
        dueAt: clock + 365 * DAY,
        scheduledAt: clock,
      });
    const scheduleId = await serde.register(valueSubject(Topic.scheduler), avroSchema('it.ncn.ExpirySchedule'));
    try {
      // Version 2's schedule, then the tombstone the scheduler writes when version 1 fires: in that order.
      await producer.send({ topic: Topic.scheduler, messages: [{ key: root, value: await schedule(2) }] });
      await producer.send({
        topic: Topic.scheduler,
        messages: [{ key: root, value: null, headers: { [SchedulerHeader.expiredVersion]: '1' } }],
      });
    } finally {
      await producer.disconnect();
    }
    const records = await out.waitFor(
      (r) => r.topic === Topic.scheduler && r.key === root,
      (list) => list.length >= 3,
    );
    const shape = records.map((r) => (r.raw.value === null ? 'tombstone' : `v${String(r.value.version)}`));
    expect(shape).toEqual(['v2', 'tombstone', 'v2']);
    // Written once again, not in a loop: the index already held that version.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(out.records.filter((r) => r.topic === Topic.scheduler && r.key === root)).toHaveLength(3);
    await scheduler.index.cancel(root); // leaves nothing pending for the other tests
  });
});
