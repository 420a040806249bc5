import { randomUUID } from 'node:crypto';
import { sharedAdmin, type Kafka, type KafkaMessage } from './kafka';
import type { Logger } from './logger';

/** A topic read whole into memory and followed afterwards (a "global table"). */
export interface Table {
  /** Resolves once everything the topic held at start has been applied. */
  readonly ready: Promise<void>;
  /**
   * Waits, at most `maxMs`, until the table has read the topic up to where it ends now (its last stable offset:
   * everything committed, by this instance or one before it) and applied every record in it; false when the time
   * ran out. How far it has read counts what kafkajs filters out (commit markers, aborted records), so a topic
   * that ends in those is caught up once read past them.
   */
  catchUp(maxMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Reads a topic from the beginning on every instance (a consumer group of its own that never commits), applies
 * each record, and keeps following it. `ready` resolves when every partition has been read up to where it ended
 * at start; a partition whose last records are transaction markers (never delivered) counts as read once the
 * consumer has been idle for `idleMs` past its last data record.
 */
export async function followTable(options: {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly name: string;
  readonly logger: Logger;
  readonly apply: (message: KafkaMessage, partition: number) => void | Promise<void>;
  readonly idleMs?: number;
}): Promise<Table> {
  const { kafka, topic, logger } = options;
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const high = BigInt(p.high);
      if (high > BigInt(p.low)) ends.set(p.partition, high - 1n);
    }
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({
    groupId: `${options.name}.table.${topic}.${randomUUID()}`,
    readUncommitted: false,
    maxBytesPerPartition: 16 * 1024 * 1024,
  });
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let applied = 0;
  /** Per partition, the last offset read: records applied and records kafkajs filtered out alike. */
  const readTo = new Map<number, bigint>();
  const advance = (partition: number, offset: string | null | undefined): void => {
    if (offset === null || offset === undefined) return;
    const at = BigInt(offset);
    if (at > (readTo.get(partition) ?? -1n)) readTo.set(partition, at);
  };
  let lastActivity = Date.now();
  /** While a batch is being applied the table is not idle, however long that takes. */
  let busy = false;
  const check = (): void => {
    if (ends.size === 0) resolveReady();
  };
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      busy = true;
      for (const message of batch.messages) {
        await options.apply(message, batch.partition);
        applied++;
      }
      advance(batch.partition, batch.lastOffset());
      lastActivity = Date.now();
      busy = false;
      const end = ends.get(batch.partition);
      if (end !== undefined && BigInt(batch.lastOffset()) >= end) ends.delete(batch.partition);
      check();
    },
  });
  check();
  const idleMs = options.idleMs ?? 1_500;
  // Idle counts only once the consumer fetches: joining the group may take seconds on a broker with an initial
  // rebalance delay, and a table must not call itself ready before it read anything.
  let fetched = false;
  // A batch kafkajs filtered out whole (markers, aborted records) is never handed over; its end event still says
  // how far the partition was read.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic) advance(payload.partition, payload.lastOffset);
  });
  consumer.on(consumer.events.FETCH, () => {
    if (!fetched) lastActivity = Date.now();
    fetched = true;
  });
  const idle = setInterval(() => {
    if (fetched && !busy && Date.now() - lastActivity >= idleMs && ends.size > 0) {
      logger.debug(
        { topic, partitions: [...ends.keys()] },
        'table idle: remaining partitions end in transaction markers',
      );
      ends.clear();
      check();
    }
  }, 250);
  /** Reads where the topic ends, for catchUp. */
  const probe = sharedAdmin(kafka);
  void ready.then(() => {
    clearInterval(idle);
    logger.info({ topic, applied }, 'table loaded');
  });
  return {
    ready,
    async catchUp(maxMs = 3_000) {
      const ends = await (await probe.get()).fetchTopicOffsets(topic);
      const deadline = Date.now() + maxMs;
      const done = (): boolean =>
        ends.every((p) => BigInt(p.high) === BigInt(p.low) || (readTo.get(p.partition) ?? -1n) + 1n >= BigInt(p.high));
      while (!done()) {
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return true;
    },
    async close() {
      clearInterval(idle);
      await consumer.disconnect();
      await probe.close();
    },
  };
}
