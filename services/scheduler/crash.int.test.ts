import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { avroSchema } from '../../contracts/avro/schemas';
import { Topic } from '../../contracts/topics';
import { AvroSerde, valueSubject } from '../runtime/avro-serde';
import { createRedis } from '../runtime/redis';
import { testConfig, testKafka } from '../../test/support/clients';
import { Collector } from '../../test/support/collect';
import { catalogueReady } from '../../test/support/ingest';
import { killService, startService, stopService, type ServiceProcess } from '../../test/support/service-process';
import { unique } from '../../test/support/unique';

const total = Number(process.env.NCN_SCHEDULER_CRASH_ITEMS ?? 3_000);

describe('the scheduler killed during a burst of due items', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  const prefix = unique('ncn-test');
  let redis: Redis;
  let child: ServiceProcess | undefined;

  beforeAll(async () => {
    await catalogueReady(kafka);
    redis = createRedis(testConfig);
  });

  afterAll(async () => {
    await stopService(child);
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    await redis.quit();
  });

  it('expires each item exactly once across a SIGKILL, a loss of its Redis index and a restart', async () => {
    const run = randomBytes(4).toString('hex').toUpperCase();
    const roots = Array.from({ length: total }, (_, i) => `05C${run}${String(i).padStart(14, '0')}`.slice(0, 25));
    const expired = await Collector.start(kafka, serde, [Topic.expired]);
    const mine = new Set(roots);
    const counts = (): Map<string, number> => {
      const m = new Map<string, number>();
      for (const r of expired.records) if (mine.has(r.key)) m.set(r.key, (m.get(r.key) ?? 0) + 1);
      return m;
    };

    // The schedules, as ingest writes them: due over five seconds from now, a burst.
    const id = await serde.register(valueSubject(Topic.scheduler), avroSchema('it.ncn.ExpirySchedule'));
    const now = Date.now();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < total; i += 500) {
      const messages = await Promise.all(
        roots.slice(i, i + 500).map(async (root, j) => ({
          key: root,
          value: await serde.encode(id, {
            root,
            kind: 'CANDIDATURA',
            version: 1,
            node: '05',
            dueAt: now + 3_000 + ((i + j) % 50) * 100,
            scheduledAt: now,
          }),
        })),
      );
      await producer.send({ topic: Topic.scheduler, messages });
    }
    await producer.disconnect();

    const env = { NCN_GROUP_ID: unique('test.scheduler'), NCN_REDIS_PREFIX: prefix, NCN_SCHEDULER_CHECK_MS: '50' };
    const first = startService('scheduler', env);
    child = first;
    await first.ready;
    await expired.waitFor(
      (r) => mine.has(r.key),
      (list) => list.length >= total * 0.3,
      60_000,
    );
    await killService(first);
    const atKill = counts().size;
    // Redis loses the index too: the restarted scheduler rebuilds it from ncn.scheduler.
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));

    const second = startService('scheduler', env);
    child = second;
    await second.ready;
    await expired.waitFor(
      (r) => mine.has(r.key),
      () => counts().size >= total,
      120_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await stopService(second);
    await expired.stop();

    const c = counts();
    const twice = [...c].filter(([, n]) => n > 1);
    console.info(
      `scheduler crash: ${total} items, killed after ${atKill} expired, ${c.size} expired in all, ${twice.length} twice`,
    );
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(total);
    expect(c.size).toBe(total);
    expect(twice).toEqual([]);
  });
});
