import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { LargeMessageBytes } from '../../../contracts/topics';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { confluent, withType } from './rdkafka';

/** A record to produce. A key is hashed as Java's clients hash it (murmur2), so every producer agrees on its partition. */
export interface OutgoingMessage {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | undefined>>;
  /** A partition chosen by the caller instead of the key's. */
  readonly partition?: number;
  /** Milliseconds since the epoch, as a string [now]. */
  readonly timestamp?: string;
}

/** Records for one topic. */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

/** Where a send's records of one topic-partition went: the offset of the first of them. */
export interface RecordMetadata {
  readonly topicName: string;
  readonly partition: number;
  readonly baseOffset?: string;
}

/** What a producer is asked for; defaults in brackets. */
export interface ProducerOptions {
  /**
   * Idempotent delivery: the client's own retries neither duplicate nor reorder a record [false]. It needs Write
   * on the topics produced to (or IdempotentWrite on the cluster).
   */
  readonly idempotent?: boolean;
  /**
   * How long a record may wait for a broker to take it, retries included [DeliveryTimeoutMs]. A sender that must
   * wait out a cluster without quorum (two of three brokers down, then their restart) asks for more.
   */
  readonly deliveryTimeoutMs?: number;
}

/**
 * The port's producer (plain or idempotent). `send` resolves once every record is acknowledged by the broker
 * (acks=all) and rejects with the client's error otherwise: the broker refusing it (an authorization failure
 * says so, see isAuthorizationError) or no broker taking it within DeliveryTimeoutMs.
 */
export interface Producer {
  connect(): Promise<void>;
  send(record: TopicMessages): Promise<RecordMetadata[]>;
  sendBatch(batch: { readonly topicMessages: readonly TopicMessages[] }): Promise<RecordMetadata[]>;
  /** Waits for what is in flight, then closes. */
  disconnect(): Promise<void>;
}

/**
 * How long a record may wait for a broker to take it, retries included [60 s]: a broker restart fits within it;
 * a cluster gone for longer fails the send, and the caller decides.
 */
export const DeliveryTimeoutMs = 60_000;

/** librdkafka's largest `retries` (message.send.max.retries). */
const MaxRetries = 2_147_483_647;

/** The client's log levels, by name (its enumeration as numbers: NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5). */
const LogLevelWarn = 2;

/** The client's logger, writing to ours (its INFO chatter at debug). */
function clientLogger(logger: Logger): KafkaJS.Logger {
  const log = logger.child({ component: 'kafka-client' });
  const entry = (extra: object | undefined): object => extra ?? {};
  const adapter: KafkaJS.Logger = {
    info: (message, extra) => log.debug(entry(extra), message),
    warn: (message, extra) => log.warn(entry(extra), message),
    error: (message, extra) => log.error(entry(extra), message),
    debug: (message, extra) => log.debug(entry(extra), message),
    namespace: () => adapter,
    setLogLevel: () => undefined,
  };
  return adapter;
}

/**
 * Confluent's client for `config`'s cluster (brokers, TLS and SASL as configured), made at its first use. Its
 * producers run on librdkafka's own threads: encoding, compression, batching and retries leave the event loop.
 */
export function confluentClient(config: Config, logger: Logger, clientId: string): () => KafkaJS.Kafka {
  let client: KafkaJS.Kafka | undefined;
  return () => {
    if (client !== undefined) return client;
    const { ssl, sasl } = config.kafka;
    client = new (confluent().KafkaJS.Kafka)({
      kafkaJS: {
        clientId,
        brokers: [...config.kafka.brokers],
        ssl: ssl !== undefined,
        ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } } : {}),
        logger: clientLogger(logger),
        logLevel: LogLevelWarn,
      },
      ...(ssl?.ca !== undefined ? { 'ssl.ca.pem': ssl.ca } : {}),
    });
    return client;
  };
}

/**
 * The client's error with its `type`, which the port's predicates read: the client names it on the errors it makes,
 * but rethrows librdkafka's own as they are when a produce is refused at once (a topic whose metadata already said
 * "not authorized").
 */
function typed(error: unknown): never {
  throw withType(error);
}

/** A producer of Confluent's client: acks=all, Java's murmur2 partitioner, idempotent when asked. */
export function confluentProducer(client: KafkaJS.Kafka, options: ProducerOptions = {}): Producer {
  const producer = client.producer({
    // Retried until message.timeout.ms, as Java's producer does (retries at most, delivery.timeout.ms the bound): the
    // client's KafkaJS layer would otherwise give a record up after 5 retries, some ten seconds of a leader moving
    // or of a partition short of in-sync replicas.
    kafkaJS: { idempotent: options.idempotent ?? false, acks: -1, retry: { retries: MaxRetries } },
    // Java's default partitioner (murmur2 of the key): the node's co-partitioned topics rely on every producer
    // placing a key alike. librdkafka's own default (consistent_random, CRC32) would not.
    partitioner: 'murmur2_random',
    'message.timeout.ms': options.deliveryTimeoutMs ?? DeliveryTimeoutMs,
    // The client refuses, before sending, a request above this [1 MB]: the topics that take large records
    // (contracts/topics.ts) must get them, and each topic's own max.message.bytes is then the broker's to enforce.
    'message.max.bytes': LargeMessageBytes + 64 * 1024,
  });
  const toClient = (messages: readonly OutgoingMessage[]): KafkaJS.Message[] =>
    messages.map((m) => ({
      key: m.key ?? null,
      value: m.value,
      ...(m.headers ? { headers: { ...m.headers } } : {}),
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
      ...(m.timestamp !== undefined ? { timestamp: m.timestamp } : {}),
    }));
  return {
    connect: () => producer.connect().catch(typed),
    send: ({ topic, messages }) => producer.send({ topic, messages: toClient(messages) }).catch(typed),
    sendBatch: ({ topicMessages }) =>
      producer
        .sendBatch({
          topicMessages: topicMessages.map(({ topic, messages }) => ({ topic, messages: toClient(messages) })),
        })
        .catch(typed),
    disconnect: () => producer.disconnect(),
  };
}
