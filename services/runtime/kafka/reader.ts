import type { KafkaConsumer, Message, Metadata } from '@confluentinc/kafka-javascript';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { partitionKey, toRecord, type ConsumedRecord, type TopicPartition } from './group-consumer';
import { QueueWaker } from './queue-waker';
import { connectionProperties, confluent, fetchSizes, promised, withType } from './rdkafka';

/** Where a reader starts in each partition: its first record, its end now, or given offsets (else the first). */
export type ReadFrom = 'earliest' | 'latest' | ReadonlyMap<string, readonly { partition: number; offset: string }[]>;

/** What a topic reader is asked for; defaults in brackets. */
export interface TopicReaderOptions {
  readonly topics: readonly string[];
  readonly from?: ReadFrom;
  /** Records of aborted and open transactions too ['committed': only committed records]. */
  readonly isolation?: 'committed' | 'uncommitted';
  /** Largest fetch per partition in bytes [17 MiB: the largest records the node's topics take]. */
  readonly maxBytesPerPartition?: number;
  /** How long a poll waits for records when none are there [500 ms]. */
  readonly pollWaitMs?: number;
}

/**
 * A reader of whole topics, outside any consumer group: every partition of its topics assigned to it, nothing
 * committed. For tables every instance reads whole, rebuilds, tools and tests. Fetching runs on librdkafka's
 * threads; `poll` hands over what has arrived.
 */
export interface TopicReader {
  /** Connects and assigns every partition of the topics, each from where `from` says. */
  connect(): Promise<void>;
  /** Up to `max` records, waiting up to the poll wait when none are there. */
  poll(max: number): Promise<ConsumedRecord[]>;
  /** The partitions read. */
  assignment(): TopicPartition[];
  /** The offset read next in a partition, past markers and aborted records skipped; undefined before any read. */
  position(partition: TopicPartition): bigint | undefined;
  /**
   * Where each partition ends now (for the reader's isolation: the last stable offset when committed only), asked
   * of the brokers; keyed by `topic:partition`. Asked again while the cluster cannot answer (a broker restarting,
   * metadata not yet known: "Local: Unknown partition"), for at most `maxMs` [30 s]; then its last error.
   */
  ends(maxMs?: number): Promise<Map<string, bigint>>;
  /** Reads a partition again from `offset`; its position is unknown until it has read there. */
  seek(partition: TopicPartition, offset: bigint): Promise<void>;
  /** Whether it has read every partition up to `ends` (markers and aborted records at the end included). */
  reached(ends: ReadonlyMap<string, bigint>): boolean;
  disconnect(): Promise<void>;
}

/** librdkafka's special offsets. */
const OffsetBeginning = -2;
const OffsetEnd = -1;

export function topicReader(
  config: Config,
  logger: Logger,
  clientId: string,
  groupId: string,
  options: TopicReaderOptions,
): TopicReader {
  const log = logger.child({ component: 'kafka-reader' });
  const waker = new QueueWaker();
  const consumer: KafkaConsumer = new (confluent().KafkaConsumer)(
    {
      ...connectionProperties(config, clientId),
      // librdkafka wants a group id for any consumer, and looks up its coordinator even for one that only assigns:
      // the name must be one the principal may Read (a service's own prefix), though nothing is ever committed.
      'group.id': groupId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'isolation.level': options.isolation === 'uncommitted' ? 'read_uncommitted' : 'read_committed',
      'fetch.wait.max.ms': options.pollWaitMs ?? 500,
      ...fetchSizes(options.maxBytesPerPartition ?? 17 * 1024 * 1024),
      event_cb: true,
      ...waker.setting,
    },
    { 'auto.offset.reset': options.from === 'latest' ? 'latest' : 'earliest' },
  );
  // Consume calls never wait on a pool thread: see QueueWaker.
  consumer.setDefaultConsumeTimeout(0);
  (
    consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(only: boolean): void }
  ).setDefaultIsTimeoutOnlyForFirstMessage(true);
  consumer.on('event.error', (error) => log.debug({ err: withType(error) }, `reader: ${error.message}`));
  let assigned: TopicPartition[] = [];
  let closing: Promise<void> | undefined;

  const startOf = (p: TopicPartition): number => {
    const from = options.from ?? 'earliest';
    if (from === 'earliest') return OffsetBeginning;
    if (from === 'latest') return OffsetEnd;
    const mark = from.get(p.topic)?.find((m) => m.partition === p.partition);
    return mark === undefined ? OffsetBeginning : Number(mark.offset);
  };

  return {
    async connect() {
      await promised((done) => consumer.connect({ timeout: 30_000 }, done));
      const partitions: TopicPartition[] = [];
      for (const topic of options.topics) {
        const metadata = await promised<Metadata>((done) => consumer.getMetadata({ topic, timeout: 30_000 }, done));
        const found = metadata.topics.find((t) => t.name === topic);
        if (found === undefined || found.partitions.length === 0) throw new Error(`topic ${topic} does not exist`);
        for (const { id } of found.partitions) partitions.push({ topic, partition: id });
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      consumer.assign(partitions.map((p) => ({ ...p, offset: startOf(p) })));
      assigned = partitions;
    },
    async poll(max) {
      if (closing !== undefined) return [];
      const messages = await waker.poll(
        () => promised<Message[]>((done) => consumer.consume(max, done)),
        options.pollWaitMs ?? 500,
      );
      return messages.map(toRecord);
    },
    assignment: () => [...assigned],
    position(p) {
      const [at] = consumer.position([{ topic: p.topic, partition: p.partition }]);
      return at?.offset === undefined || at.offset < 0 ? undefined : BigInt(at.offset);
    },
    async ends(maxMs = 30_000) {
      const deadline = Date.now() + maxMs;
      for (;;) {
        try {
          const ends = new Map<string, bigint>();
          await Promise.all(
            assigned.map(async (p) => {
              const marks = await promised<{ highOffset: number }>((done) =>
                consumer.queryWatermarkOffsets(p.topic, p.partition, Math.max(1_000, deadline - Date.now()), done),
              );
              ends.set(partitionKey(p), BigInt(marks.highOffset));
            }),
          );
          return ends;
        } catch (error) {
          if (Date.now() >= deadline || closing !== undefined) throw error;
          log.debug({ err: error }, 'partition ends not known yet; asking again');
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    async seek(p, offset) {
      await promised<unknown>((done) =>
        consumer.seek({ topic: p.topic, partition: p.partition, offset: Number(offset) }, 10_000, done),
      );
    },
    reached(ends) {
      return assigned.every((p) => {
        const end = ends.get(partitionKey(p)) ?? 0n;
        if (end <= 0n) return true;
        const position = this.position(p);
        if (position !== undefined) return position >= end;
        // Nothing read yet: a partition whose records were all deleted or compacted away starts at its end. Its
        // watermarks are unknown until the fetcher has them (the client throws "Unknown partition"): not reached.
        try {
          const low = consumer.getWatermarkOffsets(p.topic, p.partition).lowOffset;
          return low >= 0 && BigInt(low) >= end;
        } catch {
          return false;
        }
      });
    },
    disconnect() {
      closing ??= (async () => {
        waker.notify();
        if (!consumer.isConnected()) return;
        await promised((done) => consumer.disconnect(done)).catch(() => undefined);
      })();
      return closing;
    },
  };
}
