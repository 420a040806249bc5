import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from '../../../services/runtime/kafka';

export { waitDrained, type Watched } from '../../../services/runtime/group-lag';

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
