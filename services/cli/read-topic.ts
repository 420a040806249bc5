import { isUnknownTopicError, type ConsumedRecord, type Kafka } from '../runtime/kafka';

/** A record read from a topic by the CLI. */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: ConsumedRecord;
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

/** Each partition's offset in `bounds` as a reader's starting point. */
const startAt = (
  topic: string,
  offsets: readonly { partition: number; offset: bigint }[],
): Map<string, { partition: number; offset: string }[]> =>
  new Map([[topic, offsets.map(({ partition, offset }) => ({ partition, offset: String(offset) }))]]);

/**
 * Reads a topic outside any group, committing nothing (it leaves no trace, on the lag page say): from the
 * beginning or from its end now, every partition. Without `follow` it stops once every partition was read up to
 * where it ended at start (markers and aborted records included), or, from the end, after `idleMs` with nothing
 * new; with `follow` it goes on until `stop()` (SIGINT). `onReady` is called once the reader is in place (with
 * `follow`, from then on what arrives is printed).
 */
export async function readTopic(options: {
  kafka: Kafka;
  topic: string;
  from: 'beginning' | 'end';
  follow: boolean;
  limit?: number;
  idleMs?: number;
  /** Stops reading once this says so (checked after each poll). */
  enough?: () => boolean;
  onReady?: () => void;
  onRecord: (record: ReadRecord) => Promise<void> | void;
}): Promise<{ count: number }> {
  const { kafka, topic } = options;
  const bounds = await partitionBounds(kafka, topic);
  const ends = new Map(bounds.map((p) => [`${topic}:${p.partition}`, p.high]));
  // Nothing to read and no waiting for more: done before a reader is made.
  if (!options.follow && options.from === 'beginning' && bounds.every((p) => p.high <= p.low)) return { count: 0 };
  const reader = kafka.reader({
    topics: [topic],
    from: startAt(
      topic,
      bounds.map((p) => ({ partition: p.partition, offset: options.from === 'end' ? p.high : p.low })),
    ),
  });
  let count = 0;
  let stopped = false;
  const stopOnSignal = (): void => void (stopped = true);
  process.once('SIGINT', stopOnSignal);
  try {
    await reader.connect();
    options.onReady?.();
    let quietSince = Date.now();
    while (!stopped) {
      const records = await reader.poll(500);
      for (const record of records) {
        if (options.limit !== undefined && count >= options.limit) break;
        count++;
        await options.onRecord({ topic, partition: record.partition, message: record });
      }
      if (records.length > 0) quietSince = Date.now();
      if (options.limit !== undefined && count >= options.limit) break;
      if (options.enough?.() === true) break;
      if (options.follow) continue;
      if (options.from === 'beginning' ? reader.reached(ends) : Date.now() - quietSince >= (options.idleMs ?? 2_000))
        break;
    }
  } finally {
    process.off('SIGINT', stopOnSignal);
    await reader.disconnect();
  }
  return { count };
}

/** What is being read of one partition: offsets [start, end), and its records found so far (in any order). */
interface Window {
  readonly low: bigint;
  start: bigint;
  end: bigint;
  readonly found: ConsumedRecord[];
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
 * without a reader.
 */
export async function readLast(options: {
  kafka: Kafka;
  topic: string;
  count: number;
  /** Give up waiting for the rest after this long without progress (a partition held by an open transaction). */
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
  const reader = kafka.reader({
    topics: [topic],
    from: startAt(
      topic,
      [...windows].map(([partition, w]) => ({ partition, offset: w.start })),
    ),
  });
  let stopped = false;
  const stopOnSignal = (): void => void (stopped = true);
  process.once('SIGINT', stopOnSignal);
  try {
    await reader.connect();
    let progressAt = Date.now();
    const idleMs = options.idleMs ?? 3_000;
    while (!stopped && [...windows.values()].some((w) => !w.done) && Date.now() - progressAt < idleMs) {
      const records = await reader.poll(500);
      for (const record of records) {
        const w = windows.get(record.partition);
        const offset = BigInt(record.offset);
        if (w === undefined || w.done || offset < w.start || offset >= w.end) continue;
        w.found.push(record);
        progressAt = Date.now();
      }
      for (const [partition, w] of windows) {
        // The position counts markers and aborted records too: the window is read once it is passed.
        const position = w.done ? undefined : reader.position({ topic, partition });
        if (position === undefined || position < w.end) continue;
        progressAt = Date.now();
        if (w.found.length >= count || w.start <= w.low) {
          w.done = true;
          continue;
        }
        const span = (w.end - w.start) * 2n;
        w.end = w.start;
        w.start = w.start - span > w.low ? w.start - span : w.low;
        await reader.seek({ topic, partition }, w.start);
      }
    }
  } finally {
    process.off('SIGINT', stopOnSignal);
    await reader.disconnect();
  }
  const records = [...windows].flatMap(([partition, w]) =>
    w.found
      .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))
      .slice(-count)
      .map((message) => ({ topic, partition, message })),
  );
  return records.sort(byTime).slice(-count);
}

/**
 * The topic's first `count` records, oldest first: the first `count` of each partition (fewer where it holds fewer),
 * merged by timestamp (then partition and offset), of which the `count` oldest. Reads no partition past its
 * `count`th record once every partition has that many.
 */
export async function readFirst(options: { kafka: Kafka; topic: string; count: number }): Promise<ReadRecord[]> {
  const { kafka, topic, count } = options;
  const bounds = await partitionBounds(kafka, topic);
  const found: ReadRecord[] = [];
  const taken = new Map<number, number>();
  await readTopic({
    kafka,
    topic,
    from: 'beginning',
    follow: false,
    enough: () => bounds.every((p) => (taken.get(p.partition) ?? 0) >= Math.min(count, Number(p.high - p.low))),
    onRecord: (record) => {
      const n = taken.get(record.partition) ?? 0;
      if (n >= count) return;
      taken.set(record.partition, n + 1);
      found.push(record);
    },
  });
  return found.sort(byTime).slice(0, count);
}
