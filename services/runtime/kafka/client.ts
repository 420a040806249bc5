import {
  Kafka as KafkaJs,
  logLevel as KafkaLogLevel,
  type Admin,
  type AdminConfig,
  type KafkaConfig,
  type LogEntry,
  type RetryOptions,
  type SASLOptions,
} from 'kafkajs';
import type { Config, SaslSettings } from '../config';
import type { Logger } from '../logger';
import { diagnoseConnectionFailure, findKafkaError } from './errors';
import { groupConsumer, type GroupConsumer, type GroupConsumerOptions } from './group-consumer';
import { topicReader, type TopicReader, type TopicReaderOptions } from './reader';
import { confluentClient, confluentProducer, type Producer, type ProducerOptions } from './producer';
import { transactionalProducer, type TransactionalProducer, type TransactionalProducerConfig } from './transactional';

/**
 * The port's client of one cluster: its producers, transactional producers, group consumers and topic readers (on
 * Confluent's client); its admins (still kafkajs, moving next).
 */
export interface Kafka {
  /** This process's name among its service's instances (NCN_INSTANCE_ID), if it has one. */
  readonly instanceId: string | undefined;
  producer(options?: ProducerOptions): Producer;
  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer;
  groupConsumer(options: GroupConsumerOptions): GroupConsumer;
  reader(options: TopicReaderOptions): TopicReader;
  admin(config?: AdminConfig): Admin;
}

const levelName: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/**
 * How long a consumer's fetch waits at the broker for data that is not there yet, and a runner's poll for records
 * [kafkajs' default: 5,000 ms]. A fetch returns as soon as data arrives, so this only bounds an idle one; it costs
 * one small request a second per idle consumer.
 */
export const FetchWaitMs = 1_000;

/** An admin client connected at its first use and kept (a connection and a SCRAM login each time cost CPU). */
export interface SharedAdmin {
  /** The connected client; a failed connect is tried again at the next call. */
  get(): Promise<Admin>;
  /** Disconnects it, if it was ever connected. */
  close(): Promise<void>;
}

export function sharedAdmin(kafka: Pick<Kafka, 'admin'>): SharedAdmin {
  let connecting: Promise<Admin> | undefined;
  return {
    get() {
      if (connecting === undefined) {
        const admin = kafka.admin();
        const connected = admin.connect().then(() => admin);
        connected.catch(() => {
          if (connecting === connected) connecting = undefined;
        });
        connecting = connected;
      }
      return connecting;
    },
    async close() {
      await (await connecting?.catch(() => undefined))?.disconnect();
    },
  };
}

/** kafkajs' SASL options of our settings. */
export function saslOptions(sasl: SaslSettings): SASLOptions {
  const { username, password } = sasl;
  return sasl.mechanism === 'plain'
    ? { mechanism: 'plain', username, password }
    : sasl.mechanism === 'scram-sha-256'
      ? { mechanism: 'scram-sha-256', username, password }
      : { mechanism: 'scram-sha-512', username, password };
}

/** The connection part of a kafkajs configuration: brokers, TLS and SASL as configured. */
export function connectionOptions(config: Config): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const { ssl, sasl } = config.kafka;
  return {
    brokers: [...config.kafka.brokers],
    ...(ssl ? { ssl: ssl.ca === undefined ? true : { ca: [ssl.ca] } } : {}),
    ...(sasl ? { sasl: saslOptions(sasl) } : {}),
  };
}

/** How long a client keeps trying the brokers [8 retries from 200 ms, doubling up to 5 s: about half a minute]. */
const defaultRetry = { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 };

/**
 * How long the first contact keeps trying [3 retries from 300 ms up to 1 s: about two seconds]: a command told
 * that nothing answers or that its login was refused hears it at once, not after half a minute of retries.
 */
const checkRetry = { retries: 3, initialRetryTime: 300, maxRetryTime: 1_000 };

/**
 * Connects to the cluster as configured and asks for its metadata (any logged-in user may), with kafkajs' own logs
 * silenced. A failure that is a missing login, a refused login or no broker is thrown as the NcnError saying which
 * (diagnoseConnectionFailure); any other failure is left to the operation that follows, which meets it again.
 */
export async function checkConnection(
  config: Config,
  clientId: string,
  retry: RetryOptions = checkRetry,
): Promise<void> {
  const admin = new KafkaJs({ clientId, ...connectionOptions(config), logLevel: KafkaLogLevel.NOTHING, retry }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    const diagnosed = diagnoseConnectionFailure(error, config.kafka);
    if (diagnosed !== undefined) throw diagnosed;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Once for all of a client's connections while it succeeds, `check` before connecting (a failed check runs again
 * at the next connect). Without it, a client that may not log in is told so late and wrongly: a producer connects
 * without logging in, and its first send fails after its retries with "Closed connection".
 */
function checkedOnce(check: () => Promise<void>): <T extends { connect(): Promise<void> }>(client: T) => T {
  let checked: Promise<void> | undefined;
  const checkOnce = (): Promise<void> => {
    if (checked === undefined) {
      const checking = check();
      checking.catch(() => {
        if (checked === checking) checked = undefined;
      });
      checked = checking;
    }
    return checked;
  };
  return (client) => {
    const connect = client.connect.bind(client);
    client.connect = async () => {
      await checkOnce();
      await connect();
    };
    return client;
  };
}

/**
 * The port's client of the configured cluster, logging to our logger (the clients' INFO chatter at debug). Its
 * producers, consumers and admins check the connection before they first connect (checkConnection): within
 * `retry` when one is given, else within seconds. Closures, not a class with private fields: a client made from
 * it with Object.create (a test's counting wrapper) must still work.
 */
export function createKafka(
  config: Config,
  logger: Logger,
  clientId = config.kafka.clientId,
  options: {
    /** How long connecting is retried [seconds]. */
    readonly retry?: { retries: number; initialRetryTime: number; maxRetryTime: number };
    /** The group id the topic readers name (they commit nothing; the principal needs Read on it) [<clientId>.reader]. */
    readonly readerGroup?: string;
  } = {},
): Kafka {
  const { retry } = options;
  const log = logger.child({ component: 'kafkajs' });
  const kafkajs = new KafkaJs({
    clientId,
    ...connectionOptions(config),
    logLevel: KafkaLogLevel.WARN,
    retry: retry ?? defaultRetry,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const name = levelName[level] ?? 'info';
        log[name === 'info' ? 'debug' : name](rest, message);
      },
  });
  const confluent = confluentClient(config, logger, clientId);
  const checking = checkedOnce(() => checkConnection(config, clientId, retry ?? checkRetry));
  return {
    instanceId: config.kafka.instanceId,
    producer: (options) => checking(confluentProducer(confluent(), options)),
    transactionalProducer: (producerConfig) =>
      checking(transactionalProducer(config, logger, clientId, producerConfig)),
    groupConsumer: (options) => checking(groupConsumer(config, logger, clientId, options)),
    reader: (readerOptions) =>
      checking(topicReader(config, logger, clientId, options.readerGroup ?? `${clientId}.reader`, readerOptions)),
    admin: (adminConfig) => checking(kafkajs.admin(adminConfig)),
  };
}

/**
 * True when the cluster at `brokers` answers a metadata request naming its brokers and its controller, within about
 * a second and without retries: a probe for a stack coming up.
 */
export async function clusterAnswers(brokers: readonly string[], sasl: SaslSettings | undefined): Promise<boolean> {
  const admin = new KafkaJs({
    clientId: 'ncn-infra-probe',
    brokers: [...brokers],
    ...(sasl ? { sasl: saslOptions(sasl) } : {}),
    logLevel: KafkaLogLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Connects an admin client; the caller disconnects it. */
export async function connectAdmin(kafka: Pick<Kafka, 'admin'>): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  return admin;
}

/** Whether a kafkajs error, or one it wraps (a cause, a retry's original error, a batch's errors), has a type `is` picks. */
function hasErrorType(error: unknown, is: (type: string) => boolean): boolean {
  return findKafkaError(error, (e) => typeof e.type === 'string' && is(e.type)) !== undefined;
}

/**
 * True when a kafkajs error (or one it wraps) is the broker refusing an operation to the principal: an ACL said
 * no. Such an error is permanent for the principal; retrying cannot help.
 */
export function isAuthorizationError(error: unknown): boolean {
  return hasErrorType(error, (type) => type.endsWith('AUTHORIZATION_FAILED'));
}

/** True when a kafkajs error (or one it wraps) is the broker saying a topic does not exist. */
export function isUnknownTopicError(error: unknown): boolean {
  return hasErrorType(error, (type) => type === 'UNKNOWN_TOPIC_OR_PARTITION');
}

/**
 * A group's committed offsets of a topic as they stand once every transaction that committed offsets has been
 * applied (OffsetFetch's require_stable, KIP-447; kafkajs is patched for it). Right after a transaction commits,
 * the coordinator may still answer with the offsets from before it: a new owner of a partition that read those
 * would process its previous owner's last records again. While the answer is "unstable" (milliseconds), it asks
 * again, for at most `maxMs`.
 */
export async function fetchStableOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
  maxMs = 30_000,
): Promise<{ partition: number; offset: string }[]> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic], requireStable: true });
      return offsets?.partitions ?? [];
    } catch (error) {
      if (!hasErrorType(error, (type) => type === 'UNSTABLE_OFFSET_COMMIT') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The broker's answers that a transactional producer is no longer the one of its transactional id. */
const FencedTypes = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

/**
 * True when a kafkajs error (or one it wraps) says a transactional producer was fenced: another instance took
 * its id (a rebalance moved the input partition), or the broker expired its transaction. kafkajs calls that
 * permanent; for the producer it is, but a new producer of the same id, made after the group settles, is not.
 */
export function isFencedProducerError(error: unknown): boolean {
  return hasErrorType(error, (type) => FencedTypes.has(type));
}
