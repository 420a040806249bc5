import type { ConsumedRecord, Kafka } from '../../services/runtime/kafka';

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

/**
 * Reads a topic (from the beginning, or from marks taken earlier) outside any group until `done` says so, then
 * disconnects; rejects after `timeoutMs` instead of hanging the test run. Returns the records seen.
 */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  done: (messages: readonly ConsumedRecord[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number; from?: Marks } = {},
): Promise<ConsumedRecord[]> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const reader = kafka.reader({
    topics: [topic],
    from: options.from ?? 'earliest',
    isolation: options.readUncommitted ? 'uncommitted' : 'committed',
  });
  const messages: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    await reader.connect();
    for (;;) {
      const records = await reader.poll(500);
      for (const record of records) {
        messages.push(record);
        if (done(messages)) return messages;
      }
      if (Date.now() > deadline) throw new Error(`${topic}: only ${messages.length} messages after ${timeoutMs} ms`);
    }
  } finally {
    await reader.disconnect();
  }
}
