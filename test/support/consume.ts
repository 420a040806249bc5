import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { unique } from './unique';

/**
 * Reads a topic from the start with a fresh group until `done` says so, then disconnects; rejects after
 * `timeoutMs` instead of hanging the test run. Returns the messages seen.
 */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  done: (messages: readonly KafkaMessage[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<KafkaMessage[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: unique('test.reader'),
    readUncommitted: options.readUncommitted ?? false,
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
        .catch(reject);
    });
    return messages;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
