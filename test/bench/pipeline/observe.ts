import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A consumer group and what it reads. `transactional`: the topics are written in transactions (end in markers). */
export interface Watched {
  readonly group: string;
  readonly topics: readonly string[];
  readonly transactional: boolean;
}

/**
 * How many records a group still has to read. A topic written in transactions ends in a commit marker no consumer
 * receives, so there a committed offset one short of the end is caught up; a plain topic must be read to its end.
 */
export async function behind(admin: Admin, watched: Watched): Promise<number> {
  const [committed, ends] = await Promise.all([
    admin.fetchOffsets({ groupId: watched.group, topics: [...watched.topics] }),
    Promise.all(watched.topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) }))),
  ]);
  const slack = watched.transactional ? 1n : 0n;
  let lag = 0n;
  for (const { topic, offsets } of ends) {
    const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const p of offsets) {
      const high = BigInt(p.high);
      const at = mine.find((m) => m.partition === p.partition)?.offset ?? '-1';
      const from = at === '-1' || at === '' ? BigInt(p.low) : BigInt(at);
      if (from + slack < high) lag += high - from - slack;
    }
  }
  return Number(lag);
}

/**
 * Waits until every watched group has read everything, twice in a row (a second later), and returns when that
 * was first seen. Throws after `timeoutMs`. `progress` hears the lag of each group at each look.
 */
export async function waitDrained(
  kafka: Kafka,
  watched: readonly Watched[],
  options: { timeoutMs: number; intervalMs?: number; progress?: (lags: Record<string, number>) => void },
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + options.timeoutMs;
    let drainedAt: number | undefined;
    for (;;) {
      const lags: Record<string, number> = {};
      // In order: a group downstream is looked at after the one upstream has committed what it produced.
      for (const w of watched) lags[w.group] = await behind(admin, w);
      options.progress?.(lags);
      if (Object.values(lags).every((l) => l === 0)) {
        if (drainedAt !== undefined) return drainedAt;
        drainedAt = Date.now();
      } else drainedAt = undefined;
      if (Date.now() > deadline)
        throw new Error(`not drained within ${options.timeoutMs / 1000} s; still behind: ${JSON.stringify(lags)}`);
      await sleep(options.intervalMs ?? 1_000);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads the committed records of the topics, from the beginning to where each partition ends now, with a
 * throw-away group; calls `onRecord` for each. A partition counts as read when a batch reaches its end (kafkajs,
 * patched, hands over a batch of nothing but markers too, when the caller resolves offsets itself), or when its
 * last data record came, the one before a trailing commit marker; failing both, after `idleMs` without any batch.
 */
export async function readTopics(
  kafka: Kafka,
  topics: readonly string[],
  onRecord: (topic: string, partition: number, message: KafkaMessage) => void | Promise<void>,
  idleMs = 15_000,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const left = new Set([...ends].filter(([, high]) => high > 0n).map(([key]) => key));
  if (left.size === 0) return 0;
  let read = 0;
  const consumer = kafka.consumer({
    groupId: `bench.read.${randomUUID()}`,
    readUncommitted: false,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(idle);
        idle = setTimeout(resolve, idleMs);
      };
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
            const key = `${batch.topic}:${batch.partition}`;
            const high = ends.get(key) ?? 0n;
            for (const message of batch.messages) {
              if (BigInt(message.offset) >= high) break;
              await onRecord(batch.topic, batch.partition, message);
              read++;
            }
            resolveOffset(batch.lastOffset());
            if (BigInt(batch.lastOffset()) >= high - 2n) left.delete(key);
            await heartbeat();
            if (left.size === 0) resolve();
            else arm();
          },
        })
        .then(arm, reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return read;
}
