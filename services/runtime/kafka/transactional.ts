import type { LibrdKafkaError, MessageHeader, Producer as RdProducer } from '@confluentinc/kafka-javascript';
import { LargeMessageBytes } from '../../../contracts/topics';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { GroupConsumer } from './group-consumer';
import type { OutgoingMessage, TopicMessages } from './producer';
import { connectionProperties, confluent, promised, withType } from './rdkafka';

/** Offsets to commit with a transaction: for each partition, the offset of the next record to read. */
export interface TransactionOffsets {
  /** The group member whose reads these are: its group metadata lets the coordinator refuse a zombie's commit. */
  readonly consumer: Pick<GroupConsumer, 'client'>;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
  }[];
}

/** One transaction: what it sends and the offsets it commits become visible together at `commit`, or never. */
export interface Transaction {
  /**
   * Sends the records in the transaction and resolves once the broker has them (still invisible to read_committed
   * readers until the commit); a record the broker refuses fails the commit.
   */
  send(record: TopicMessages): Promise<void>;
  sendBatch(batch: { readonly topicMessages: readonly TopicMessages[] }): Promise<void>;
  /** Commits a consumer's offsets in the transaction (KIP-447: with the member's group metadata). */
  sendOffsets(offsets: TransactionOffsets): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Options of a transactional producer: its id, stable across restarts so that a new instance fences the old. */
export interface TransactionalProducerConfig {
  readonly transactionalId: string;
}

/**
 * A transactional producer (acks=all, idempotent). `connect` initialises its id: it fences any earlier producer of
 * the id and settles that producer's open transaction (aborted), so nothing a crashed predecessor left open blocks
 * the offsets it was committing. One transaction at a time.
 *
 * Errors carry librdkafka's verdict: `isFatal` (the producer is done for, fenced: make a new one),
 * `isTxnRequiresAbort` (abort, then the producer goes on), `isRetriable` (the call may be tried again).
 */
export interface TransactionalProducer {
  connect(): Promise<void>;
  transaction(): Promise<Transaction>;
  disconnect(): Promise<void>;
}

/** How long a transaction may stay open before the broker aborts it [15 s]; its records' delivery fits within it. */
export const TransactionTimeoutMs = 15_000;

/** How long a transactional call (init, offsets, commit, abort) may take before it fails as retriable [30 s]. */
const CallTimeoutMs = 30_000;

/**
 * How long a transactional call may go unanswered before the producer counts as broken [45 s]: librdkafka answers
 * within the call's timeout (CallTimeoutMs), with an error if need be, except where it does not.
 */
export const UnansweredMs = CallTimeoutMs + 15_000;

const QueueFull = -184;

/** The error of a call librdkafka left unanswered: fatal, so the producer is replaced. */
export class UnansweredCall extends Error {
  readonly isFatal = true;
  readonly type = 'UNANSWERED';
  constructor(what: string, ms: number) {
    super(`the Kafka client did not answer ${what} within ${ms} ms: the producer is replaced`);
    this.name = 'UnansweredCall';
  }
}

/**
 * A librdkafka call with a callback, as a promise that settles within `ms`. sendOffsetsToTransaction can wait
 * forever for a group coordinator that left the metadata (librdkafka issues #5456 and #5511, open in 2.15.1); the
 * call then stays in libuv's thread pool, but the runner goes on: a replacement producer of the same id fences this
 * one and aborts its transaction.
 */
export function answered(
  what: string,
  ms: number,
  run: (done: (err: LibrdKafkaError | null | undefined) => void) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnansweredCall(what, ms)), ms);
  });
  return Promise.race([promised<undefined>(run), unanswered]).finally(() => clearTimeout(timer));
}

const call = (what: string, run: Parameters<typeof answered>[2]): Promise<void> => answered(what, UnansweredMs, run);

function headersOf(message: OutgoingMessage): MessageHeader[] | undefined {
  if (message.headers === undefined) return undefined;
  const headers: MessageHeader[] = [];
  for (const [name, value] of Object.entries(message.headers)) if (value !== undefined) headers.push({ [name]: value });
  return headers;
}

export function transactionalProducer(
  config: Config,
  logger: Logger,
  clientId: string,
  { transactionalId }: TransactionalProducerConfig,
): TransactionalProducer {
  const log = logger.child({ component: 'kafka-transactions', transactionalId });
  const producer: RdProducer = new (confluent().Producer)({
    ...connectionProperties(config, clientId),
    'transactional.id': transactionalId,
    'enable.idempotence': true,
    acks: -1,
    // Java's default partitioner (murmur2 of the key), as every producer of the node uses: see producer.ts.
    partitioner: 'murmur2_random',
    'transaction.timeout.ms': TransactionTimeoutMs,
    'message.timeout.ms': TransactionTimeoutMs,
    'message.max.bytes': LargeMessageBytes + 64 * 1024,
    'linger.ms': 2,
    event_cb: true,
  });
  producer.on('event.error', (error: LibrdKafkaError) =>
    log.debug({ err: withType(error) }, `producer: ${error.message}`),
  );
  let closing: Promise<void> | undefined;

  const enqueue = async (topic: string, message: OutgoingMessage): Promise<void> => {
    for (;;) {
      try {
        producer.produce(
          topic,
          message.partition ?? null,
          message.value === null ? null : Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value),
          message.key ?? null,
          message.timestamp !== undefined ? Number(message.timestamp) : null,
          undefined,
          headersOf(message),
        );
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== QueueFull) throw withType(error);
        // librdkafka's queue is full: it drains as the broker acknowledges.
        producer.poll();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  const flush = (): Promise<void> => call('flush', (done) => producer.flush(CallTimeoutMs, done));
  const transaction: Transaction = {
    async send({ topic, messages }) {
      for (const message of messages) await enqueue(topic, message);
      await flush();
    },
    async sendBatch({ topicMessages }) {
      for (const { topic, messages } of topicMessages) for (const message of messages) await enqueue(topic, message);
      await flush();
    },
    sendOffsets: ({ consumer, topics }) =>
      call('sendOffsetsToTransaction', (done) =>
        producer.sendOffsetsToTransaction(
          topics.flatMap(({ topic, partitions }) =>
            partitions.map(({ partition, offset }) => ({ topic, partition, offset: Number(offset) })),
          ),
          consumer.client,
          CallTimeoutMs,
          done,
        ),
      ),
    commit: () => call('commitTransaction', (done) => producer.commitTransaction(CallTimeoutMs, done)),
    abort: () => call('abortTransaction', (done) => producer.abortTransaction(CallTimeoutMs, done)),
  };
  return {
    async connect() {
      await call('connect', (done) => producer.connect({ timeout: CallTimeoutMs }, (err) => done(err)));
      producer.setPollInterval(100);
      await call('initTransactions', (done) => producer.initTransactions(CallTimeoutMs, done));
    },
    async transaction() {
      await call('beginTransaction', (done) => producer.beginTransaction(done));
      return transaction;
    },
    disconnect() {
      closing ??= (async () => {
        if (!producer.isConnected()) return;
        producer.setPollInterval(0);
        // A producer replaced because a call went unanswered may not answer this either: awaited UnansweredMs at most.
        await call('disconnect', (done) => producer.disconnect(CallTimeoutMs, (err) => done(err))).catch(
          () => undefined,
        );
      })();
      return closing;
    },
  };
}
