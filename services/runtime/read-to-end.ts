import { partitionKey, type ConsumedRecord, type Kafka } from './kafka';
import type { Logger } from './logger';

/**
 * Reads topics once, outside any group, from the beginning up to where each partition ends when called (its last
 * stable offset: what is committed), handing the records to `apply` a partition's run at a time, in offset order;
 * resolves with the number of records read. Markers and aborted records at a partition's end count as read. Logs
 * its progress every few seconds.
 */
export async function readToEnd(options: {
  readonly kafka: Kafka;
  readonly topics: readonly string[];
  readonly logger?: Logger;
  readonly apply: (records: readonly ConsumedRecord[], partition: number) => Promise<void> | void;
}): Promise<number> {
  const { kafka, topics, logger } = options;
  const reader = kafka.reader({ topics, from: 'earliest' });
  const started = Date.now();
  let read = 0;
  let lastLog = started;
  try {
    await reader.connect();
    const ends = await reader.ends();
    while (!reader.reached(ends)) {
      const byPartition = new Map<string, ConsumedRecord[]>();
      for (const record of await reader.poll(1_000)) {
        const key = partitionKey(record);
        if (BigInt(record.offset) >= (ends.get(key) ?? 0n)) continue;
        const list = byPartition.get(key);
        if (list === undefined) byPartition.set(key, [record]);
        else list.push(record);
      }
      for (const records of byPartition.values()) {
        await options.apply(records, records[0]?.partition ?? 0);
        read += records.length;
      }
      if (logger !== undefined && Date.now() - lastLog >= 5_000) {
        lastLog = Date.now();
        logger.info({ topics, read, elapsedMs: lastLog - started }, 'reading to the end');
      }
    }
  } finally {
    await reader.disconnect();
  }
  return read;
}
