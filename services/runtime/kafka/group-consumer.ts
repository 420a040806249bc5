import type { KafkaConsumer, LibrdKafkaError, Message, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { QueueWaker } from './queue-waker';
import { connectionProperties, confluent, fetchSizes, isFatalClientError, promised, withType } from './rdkafka';

/** A topic-partition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A record as a group consumer hands it over: only committed ones (read_committed), never a transaction marker. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  /** Its offset, as a decimal string. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Its headers by name (the last value of a repeated name). */
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
  /** Milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
}

/** What a group consumer is asked for; defaults in brackets. */
export interface GroupConsumerOptions {
  readonly groupId: string;
  /** Topic names, or patterns (each matched against whole names). */
  readonly topics: readonly (string | RegExp)[];
  /** Where a partition without a committed offset starts: its earliest record, or its end when subscribed. */
  readonly fromBeginning: boolean;
  /**
   * Static membership (group.instance.id): a restarted instance with the same id gets its partitions back at once,
   * without a rebalance, as long as it rejoins within the session timeout. Unique per running instance of a group.
   */
  readonly instanceId?: string;
  /** How long the group waits for a member that stopped answering before it moves its partitions [10 s]. */
  readonly sessionTimeoutMs?: number;
  /** How long one read of an assignment's starting offsets may take before it is tried again [60 s]. */
  readonly startingOffsetsTimeoutMs?: number;
  /** Largest fetch per partition in bytes [1 MiB]. */
  readonly maxBytesPerPartition?: number;
  /** How long a poll waits for records when none are there [1 s]. */
  readonly pollWaitMs?: number;
  /**
   * The longest time between polls before the member counts as stuck and leaves the group [5 min]. Each poll here
   * returns within its wait, so only a caller that stops polling meets it.
   */
  readonly maxPollIntervalMs?: number;
  /**
   * Partitions are being taken away: the group waits until this resolves (whatever is in flight for them finishes)
   * before it hands them to another member. Their records no longer come from `poll`.
   */
  readonly onRevoke?: (partitions: readonly TopicPartition[], lost: boolean) => Promise<void>;
  /**
   * A read of an assignment's starting offsets failed (timed out, or no coordinator); called before the next read,
   * with how many have failed so far. Its failure is logged and the reads go on.
   */
  readonly onStartingOffsetsUnreadable?: (partitions: readonly TopicPartition[], failedReads: number) => Promise<void>;
  /** Partitions were assigned, each starting at the offset given (its group's committed offset, or the reset). */
  readonly onAssign?: (partitions: readonly (TopicPartition & { readonly offset: bigint })[]) => void;
}

/**
 * A member of a consumer group on Confluent's client (librdkafka): read_committed (aborted records and markers never
 * reach the caller), offsets committed only by the caller's transactions (see Transaction.sendOffsets), the range
 * assignor (partition p of every subscribed topic with equal partition counts goes to the same member: the node's
 * co-partitioned inputs rely on it). Fetching runs on librdkafka's threads; `poll` hands over what has arrived.
 */
export interface GroupConsumer {
  /** Connects and subscribes; the assignment comes while polling (onAssign). */
  connect(): Promise<void>;
  /** Up to `max` records, waiting up to the poll wait when none are there; only of partitions assigned now. */
  poll(max: number): Promise<ConsumedRecord[]>;
  /** The partitions assigned now (those being revoked excluded). */
  assignment(): TopicPartition[];
  /**
   * The offset the consumer reads next in a partition, past any markers and aborted records it skipped; undefined
   * before it has read anything there.
   */
  position(partition: TopicPartition): bigint | undefined;
  /** A partition's end as last seen by the fetcher (its high watermark for read_committed: the last stable offset). */
  end(partition: TopicPartition): bigint | undefined;
  /**
   * The group's committed offsets of these partitions, read stable (KIP-447: an offset a pending transaction is
   * committing is waited for, never read from before it); -1 for a partition without one.
   */
  committed(partitions: readonly TopicPartition[], timeoutMs?: number): Promise<Map<string, bigint>>;
  /** Reads a partition again from `offset`; what was fetched ahead of it is dropped. */
  seek(partition: TopicPartition, offset: bigint): Promise<void>;
  /**
   * Commits offsets directly (each the next offset to read), for a consumer that commits after a side effect
   * outside Kafka; a transactional one commits through its transaction instead (Transaction.sendOffsets).
   */
  commit(offsets: readonly (TopicPartition & { readonly offset: bigint })[]): Promise<void>;
  /** Stops fetching these partitions (polls go on, and keep the membership) until `resume`. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Leaves the group (its partitions go to the others at once) and closes. Idempotent. */
  disconnect(): Promise<void>;
  /** The client, for a transaction's `sendOffsets` (its group metadata fences a zombie's commit). */
  readonly client: KafkaConsumer;
}

/** A topic-partition's key, `topic:partition` (topic names hold no colon). */
export const partitionKey = (p: TopicPartition): string => `${p.topic}:${p.partition}`;

/** librdkafka's special offsets. */
const OffsetBeginning = -2;
const OffsetInvalid = -1001;
const AssignPartitions = -175;
const RevokePartitions = -174;

/** A RegExp subscription as librdkafka's (a string starting with ^, POSIX classes for `\d`). */
function subscription(topic: string | RegExp): string {
  if (typeof topic === 'string') return topic;
  const source = topic.source.replace(/\\d/g, '[0-9]');
  return source.startsWith('^') ? source : `^.*${source}`;
}

/** A librdkafka message as the port hands records over. */
export function toRecord(message: Message): ConsumedRecord {
  const headers: Record<string, Buffer | undefined> = {};
  for (const header of message.headers ?? []) {
    for (const [name, value] of Object.entries(header))
      headers[name] = Buffer.isBuffer(value) ? value : Buffer.from(value);
  }
  const key = message.key;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: String(message.offset),
    key: key === undefined || key === null ? null : Buffer.isBuffer(key) ? key : Buffer.from(String(key)),
    value: message.value,
    headers,
    timestamp: String(message.timestamp ?? Date.now()),
  };
}

/** Methods the client has and its type declarations omit. */
interface Undeclared {
  assignmentLost(): boolean;
  commitCb(offsets: TopicPartitionOffset[], done: (err: LibrdKafkaError | null) => void): void;
  setDefaultIsTimeoutOnlyForFirstMessage(only: boolean): void;
}

export function groupConsumer(
  config: Config,
  logger: Logger,
  clientId: string,
  options: GroupConsumerOptions,
): GroupConsumer {
  const log = logger.child({ component: 'kafka-consumer', groupId: options.groupId });
  const assigned = new Map<string, TopicPartition>();
  let closing: Promise<void> | undefined;

  const startingOffsets = async (
    partitions: readonly TopicPartition[],
  ): Promise<(TopicPartition & { offset: bigint })[]> => {
    const committed = await readCommitted(partitions, options.startingOffsetsTimeoutMs ?? 60_000);
    return Promise.all(
      partitions.map(async (p) => {
        const offset = committed.get(partitionKey(p)) ?? -1n;
        if (offset >= 0n) return { ...p, offset };
        if (options.fromBeginning) return { ...p, offset: BigInt(OffsetBeginning) };
        // The end now, rather than librdkafka's reset at its first fetch: a caller that writes after `connect`
        // must find its records read.
        const marks = await promised<{ highOffset: number }>((done) =>
          consumer.queryWatermarkOffsets(p.topic, p.partition, 10_000, done),
        );
        return { ...p, offset: BigInt(marks.highOffset) };
      }),
    );
  };

  /** Counts rebalances: an assignment still reading its starting offsets when the next one comes is dropped. */
  let generation = 0;

  /**
   * The starting offsets of an assignment, read again until they can be: a partition whose offsets an open
   * transaction is committing answers "unstable" until that transaction ends (by its producer, or the broker's
   * transaction timeout), and a coordinator that is loading answers nothing. Processing a partition from an older
   * offset instead would handle records twice, so the member holds its partitions and waits, saying so.
   * Undefined once a rebalance or `close` made the assignment stale.
   */
  const stableStartingOffsets = async (
    list: readonly TopicPartition[],
    mine: number,
  ): Promise<(TopicPartition & { offset: bigint })[] | undefined> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const offsets = await startingOffsets(list);
        return closing === undefined && mine === generation ? offsets : undefined;
      } catch (error) {
        if (closing !== undefined || mine !== generation) return undefined;
        log.warn(
          { err: error, attempt, partitions: list.length },
          'the starting offsets of the assigned partitions could not be read (a transaction still holding them, or no coordinator): reading them again',
        );
        await options
          .onStartingOffsetsUnreadable?.(list, attempt)
          .catch((e: unknown) => log.warn({ err: e }, 'acting on unreadable starting offsets failed'));
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)));
        if (closing !== undefined || mine !== generation) return undefined;
      }
    }
  };

  const rebalance = (err: LibrdKafkaError | undefined, partitions: TopicPartitionOffset[]): void => {
    const list = partitions.map(({ topic, partition }) => ({ topic, partition }));
    const mine = ++generation;
    if (err?.code === AssignPartitions) {
      void stableStartingOffsets(list, mine).then((offsets) => {
        if (offsets === undefined) return;
        consumer.assign(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: Number(offset) })));
        for (const p of list) assigned.set(partitionKey(p), p);
        log.info({ partitions: list.map(partitionKey) }, 'partitions assigned');
        options.onAssign?.(offsets);
      });
    } else if (err?.code === RevokePartitions) {
      const lost = (consumer as unknown as Undeclared).assignmentLost();
      for (const p of list) assigned.delete(partitionKey(p));
      void (options.onRevoke?.(list, lost) ?? Promise.resolve())
        .catch((error: unknown) => log.warn({ err: error }, 'finishing the revoked partitions failed'))
        .finally(() => {
          try {
            consumer.unassign();
          } catch {
            // Closed meanwhile: nothing is assigned any more.
          }
          log.info({ partitions: list.map(partitionKey), lost }, 'partitions revoked');
        });
    } else if (err) {
      log.warn({ err }, 'rebalance failed');
    }
  };

  const waker = new QueueWaker();
  const consumer: KafkaConsumer = new (confluent().KafkaConsumer)(
    {
      ...connectionProperties(config, clientId),
      'group.id': options.groupId,
      ...(options.instanceId !== undefined ? { 'group.instance.id': options.instanceId } : {}),
      'partition.assignment.strategy': 'range',
      'session.timeout.ms': options.sessionTimeoutMs ?? 10_000,
      'heartbeat.interval.ms': Math.max(500, Math.floor((options.sessionTimeoutMs ?? 10_000) / 5)),
      'isolation.level': 'read_committed',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'allow.auto.create.topics': false,
      'fetch.wait.max.ms': options.pollWaitMs ?? 1_000,
      ...fetchSizes(options.maxBytesPerPartition ?? 1024 * 1024),
      'topic.metadata.refresh.interval.ms': 10_000,
      'max.poll.interval.ms': options.maxPollIntervalMs ?? 300_000,
      rebalance_cb: rebalance,
      event_cb: true,
      ...waker.setting,
    },
    { 'auto.offset.reset': options.fromBeginning ? 'earliest' : 'latest' },
  );
  // Consume calls never wait on a pool thread: see QueueWaker.
  consumer.setDefaultConsumeTimeout(0);
  (consumer as unknown as Undeclared).setDefaultIsTimeoutOnlyForFirstMessage(true);
  // A member that failed for good (librdkafka's fatal error: fenced by another member with its group.instance.id,
  // as after a coordinator restart that lost its last join) gets no records and no partitions again: every poll
  // from then on rejects with this, marked isFatal, for the caller to stop (a service exits for its supervisor to
  // start it again).
  let failed: Error | undefined;
  const fail = (error: unknown): Error => {
    failed ??= Object.assign(
      new Error(
        `the consumer of group ${options.groupId} failed for good (${(error as Error).message}); only a new one can go on`,
        { cause: error },
      ),
      { isFatal: true },
    );
    return failed;
  };
  consumer.on('event.error', (error: LibrdKafkaError) => {
    log.warn({ err: withType(error) }, `consumer: ${error.message}`);
    if (isFatalClientError(error)) fail(error);
  });

  function readCommitted(partitions: readonly TopicPartition[], timeoutMs = 30_000): Promise<Map<string, bigint>> {
    if (partitions.length === 0) return Promise.resolve(new Map());
    return promised<TopicPartitionOffset[]>((done) =>
      consumer.committed(
        partitions.map(({ topic, partition }) => ({ topic, partition })),
        timeoutMs,
        done,
      ),
    ).then(
      (offsets) =>
        new Map(offsets.map((o) => [partitionKey(o), o.offset === undefined || o.offset < 0 ? -1n : BigInt(o.offset)])),
    );
  }

  return {
    client: consumer,
    async connect() {
      await promised((done) => consumer.connect({ timeout: 30_000 }, done));
      consumer.subscribe(options.topics.map(subscription));
    },
    async poll(max) {
      if (closing !== undefined) return [];
      if (failed !== undefined) throw failed;
      const messages = await waker
        .poll(() => promised<Message[]>((done) => consumer.consume(max, done)), options.pollWaitMs ?? 1_000)
        .catch((error: unknown) => {
          throw isFatalClientError(error) ? fail(error) : error;
        });
      return messages.filter((m) => assigned.has(partitionKey(m))).map(toRecord);
    },
    assignment: () => [...assigned.values()],
    position(p) {
      const [at] = consumer.position([{ topic: p.topic, partition: p.partition }]);
      return at?.offset === undefined || at.offset < 0 || at.offset === OffsetInvalid ? undefined : BigInt(at.offset);
    },
    end(p) {
      try {
        const marks = consumer.getWatermarkOffsets(p.topic, p.partition);
        return marks.highOffset >= 0 ? BigInt(marks.highOffset) : undefined;
      } catch {
        return undefined;
      }
    },
    committed: readCommitted,
    async seek(p, offset) {
      await promised<unknown>((done) =>
        consumer.seek({ topic: p.topic, partition: p.partition, offset: Number(offset) }, 10_000, done),
      );
    },
    async commit(offsets) {
      if (offsets.length === 0) return;
      await promised<unknown>((done) =>
        (consumer as unknown as Undeclared).commitCb(
          offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: Number(offset) })),
          done,
        ),
      );
    },
    pause(partitions) {
      if (partitions.length > 0) consumer.pause(partitions.map(({ topic, partition }) => ({ topic, partition })));
    },
    resume(partitions) {
      if (partitions.length > 0) consumer.resume(partitions.map(({ topic, partition }) => ({ topic, partition })));
    },
    disconnect() {
      closing ??= (async () => {
        waker.notify();
        if (!consumer.isConnected()) return;
        await promised((done) => consumer.disconnect(done)).catch(() => undefined);
        assigned.clear();
      })();
      return closing;
    },
  };
}
