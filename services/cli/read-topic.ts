import { randomUUID } from 'node:crypto';
import { isUnknownTopicError, type Kafka, type KafkaMessage } from '../runtime/kafka';

/** A record read from a topic by the CLI. */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

interface PartitionBounds {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/** Each partition's first and next offsets now; a missing topic is an error that says how the catalogue is made. */
async function partitionBounds(kafka: Kafka, topic: string): Promise<PartitionBounds[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({
      partition: p.partition,
      low: BigInt(p.low),
      high: BigInt(p.high),
    }));
  } catch (error) {
    throw new Error(
      `cannot read topic '${topic}': ${error instanceof Error ? error.message : String(error)}${isUnknownTopicError(error) ? ' (ncn topics creates the catalogue)' : ''}`,
      { cause: error },
    );
  } finally {
    await admin.disconnect();
  }
}

/** A consumer of a throw-away group that never commits, so it leaves no trace (on the lag page, say). */
const throwAwayConsumer = (kafka: Kafka): ReturnType<Kafka['consumer']> =>
  kafka.consumer({ groupId: `ncn-cli.${randomUUID()}`, maxBytesPerPartition: 17 * 1024 * 1024 });

/**
 * Reads a topic with a throw-away group that never commits: from the beginning or from its end now, every
 * partition. Without `follow` it stops once every partition reached where it ended at start (or after `idleMs`
 * with nothing new, for partitions that end in transaction markers); with `follow` it goes on until `stop()`.
 * `onReady` is called once the consumer runs (with `follow`, from then on what arrives is printed).
 */
export async function readTopic(options: {
  kafka: Kafka;
  topic: string;
  from: 'beginning' | 'end';
  follow: boolean;
  limit?: number;
  idleMs?: number;
  onReady?: () => void;
  onRecord: (record: ReadRecord) => Promise<void> | void;
}): Promise<{ count: number }> {
  const { kafka, topic } = options;
  const bounds = await partitionBounds(kafka, topic);
  const remaining = new Map(
    bounds.filter((p) => (options.from === 'end' ? false : p.high > p.low)).map((p) => [p.partition, p.high - 1n]),
  );
  // Nothing to read and no waiting for more: done before a consumer is made (one disconnected while it was still
  // joining its group hung).
  if (!options.follow && options.from === 'beginning' && remaining.size === 0) return { count: 0 };
  const consumer = throwAwayConsumer(kafka);
  let count = 0;
  let stop = (): void => undefined;
  const stopOnSignal = (): void => stop();
  let idle: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: options.from === 'beginning' });
    await new Promise<void>((resolve, reject) => {
      stop = resolve;
      const arm = (): void => {
        clearTimeout(idle);
        if (!options.follow) idle = setTimeout(resolve, options.idleMs ?? 2_000);
      };
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
        .then(() => {
          options.onReady?.();
          arm();
        }, reject);
    });
  } finally {
    clearTimeout(idle);
    process.off('SIGINT', stopOnSignal);
    await consumer.disconnect();
  }
  return { count };
}

/** What is being read of one partition: offsets [start, end), and its records found so far (in any order). */
interface Window {
  readonly low: bigint;
  start: bigint;
  end: bigint;
  readonly found: KafkaMessage[];
  done: boolean;
}

const byTime = (a: ReadRecord, b: ReadRecord): number =>
  Number(a.message.timestamp) - Number(b.message.timestamp) ||
  a.partition - b.partition ||
  Number(BigInt(a.message.offset) - BigInt(b.message.offset));

/**
 * The topic's last `count` records as it stands now, oldest first: the last `count` of each partition, merged by
 * timestamp (then partition and offset), of which the `count` newest. Offsets also number transaction markers and
 * aborted records, so a partition whose last `count` offsets hold fewer records is read further back, each step
 * twice as long, until it gave `count` records or its beginning was reached. An empty topic answers at once,
 * without a consumer (no group to join).
 */
export async function readLast(options: {
  kafka: Kafka;
  topic: string;
  count: number;
  /** Give up waiting for the rest after this long without a fetch (a partition held by an open transaction). */
  idleMs?: number;
}): Promise<ReadRecord[]> {
  const { kafka, topic, count } = options;
  const wanted = BigInt(count);
  const windows = new Map<number, Window>();
  for (const { partition, low, high } of await partitionBounds(kafka, topic)) {
    if (high > low)
      windows.set(partition, {
        low,
        start: high - wanted > low ? high - wanted : low,
        end: high,
        found: [],
        done: false,
      });
  }
  if (windows.size === 0) return [];
  const consumer = throwAwayConsumer(kafka);
  let stop = (): void => undefined;
  const stopOnSignal = (): void => stop();
  let idle: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      stop = resolve;
      const arm = (ms: number): void => {
        clearTimeout(idle);
        idle = setTimeout(resolve, ms);
      };
      process.once('SIGINT', stopOnSignal);
      const complete = (partition: number, w: Window): void => {
        if (w.found.length >= count || w.start <= w.low) {
          w.done = true;
          consumer.pause([{ topic, partitions: [partition] }]);
          if ([...windows.values()].every((x) => x.done)) resolve();
          return;
        }
        const span = (w.end - w.start) * 2n;
        w.end = w.start;
        w.start = w.start - span > w.low ? w.start - span : w.low;
        consumer.seek({ topic, partition, offset: String(w.start) });
      };
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset }) => {
            const w = windows.get(batch.partition);
            const first = batch.firstOffset();
            // A batch fetched before the last seek (from the beginning, or of a later window) is not this window's.
            if (w === undefined || w.done || first === null || BigInt(first) < w.start || BigInt(first) >= w.end)
              return;
            arm(options.idleMs ?? 3_000);
            w.found.push(...batch.messages.filter((m) => BigInt(m.offset) >= w.start && BigInt(m.offset) < w.end));
            // The batch's last offset counts markers and aborted records too: the window is read once it is passed.
            resolveOffset(batch.lastOffset());
            if (BigInt(batch.lastOffset()) >= w.end - 1n) complete(batch.partition, w);
          },
        })
        .then(() => {
          for (const [partition, w] of windows) consumer.seek({ topic, partition, offset: String(w.start) });
          // Joining the group comes first: a longer wait for the first fetch than between two.
          arm(Math.max(options.idleMs ?? 3_000, 15_000));
        }, reject);
    });
  } finally {
    clearTimeout(idle);
    process.off('SIGINT', stopOnSignal);
    await consumer.disconnect();
  }
  const records = [...windows].flatMap(([partition, w]) =>
    w.found
      .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))
      .slice(-count)
      .map((message) => ({ topic, partition, message })),
  );
  return records.sort(byTime).slice(-count);
}
