import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** A record read from a topic by the CLI. */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Reads a topic with a throw-away group that never commits: from the beginning or from its end now, every
 * partition. Without `follow` it stops once every partition reached where it ended at start (or after `idleMs`
 * with nothing new, for partitions that end in transaction markers); with `follow` it goes on until `stop()`.
 */
export async function readTopic(options: {
  kafka: Kafka;
  topic: string;
  from: 'beginning' | 'end';
  follow: boolean;
  limit?: number;
  idleMs?: number;
  onRecord: (record: ReadRecord) => Promise<void> | void;
}): Promise<{ count: number }> {
  const { kafka, topic } = options;
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; high: string; low: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } catch (error) {
    throw new Error(
      `cannot read topic '${topic}': ${error instanceof Error ? error.message : String(error)} (ncn topics creates the catalogue)`,
    );
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(
    offsets
      .filter((p) => (options.from === 'end' ? false : BigInt(p.high) > BigInt(p.low)))
      .map((p) => [p.partition, BigInt(p.high) - 1n]),
  );
  // Nothing to read and no waiting for more: done before a consumer is made (one disconnected while it was still
  // joining its group hung).
  if (!options.follow && options.from === 'beginning' && remaining.size === 0) return { count: 0 };
  const consumer = kafka.consumer({ groupId: `ncn-cli.${randomUUID()}`, maxBytesPerPartition: 17 * 1024 * 1024 });
  let count = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: options.from === 'beginning' });
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(idle);
        if (!options.follow) idle = setTimeout(resolve, options.idleMs ?? 2_000);
      };
      const stopOnSignal = (): void => resolve();
      process.once('SIGINT', stopOnSignal);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (options.limit !== undefined && count >= options.limit) return resolve();
            count++;
            await options.onRecord({ topic, partition, message });
            const end = remaining.get(partition);
            if (end !== undefined && BigInt(message.offset) >= end) remaining.delete(partition);
            if (!options.follow && remaining.size === 0) resolve();
            if (options.limit !== undefined && count >= options.limit) resolve();
            arm();
          },
        })
        .then(arm, reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { count };
}
