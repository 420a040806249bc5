import type { Consumer, Kafka, KafkaMessage } from '../../services/runtime/kafka';
import { unique } from './unique';

/** Where each partition of some topics ends now: read from there to see only what is produced afterwards. */
export type Marks = ReadonlyMap<string, readonly { partition: number; offset: string }[]>;

export async function endOffsets(kafka: Kafka, topics: readonly string[]): Promise<Marks> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks = new Map<string, { partition: number; offset: string }[]>();
    for (const topic of topics)
      marks.set(
        topic,
        (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })),
      );
    return marks;
  } finally {
    await admin.disconnect();
  }
}

/** Seeks a running consumer to the marks (topics without a mark are read from the beginning). */
export function seekTo(consumer: Consumer, marks: Marks | undefined): void {
  for (const [topic, partitions] of marks ?? [])
    for (const { partition, offset } of partitions) consumer.seek({ topic, partition, offset });
}

/**
 * Reads a topic (from the beginning, or from marks taken earlier) with a fresh group until `done` says so,
 * then disconnects; rejects after `timeoutMs` instead of hanging the test run. Returns the messages seen.
 */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  done: (messages: readonly KafkaMessage[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number; from?: Marks } = {},
): Promise<KafkaMessage[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: unique('test.reader'),
    readUncommitted: options.readUncommitted ?? false,
    maxBytesPerPartition: 17 * 1024 * 1024,
  });
  const messages: KafkaMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${topic}: only ${messages.length} messages after ${options.timeoutMs ?? 20_000} ms`)),
        options.timeoutMs ?? 20_000,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            messages.push(message);
            if (done(messages)) resolve();
          },
        })
        .then(() => seekTo(consumer, options.from), reject);
    });
    return messages;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
