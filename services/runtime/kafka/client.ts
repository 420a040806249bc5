import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { Config, SaslSettings } from '../config';
import type { Logger } from '../logger';
import { confluentAdmin, type Admin } from './admin';
import { diagnoseConnectionFailure, findKafkaError } from './errors';
import { groupConsumer, type GroupConsumer, type GroupConsumerOptions } from './group-consumer';
import { confluent, connectionProperties, promised } from './rdkafka';
import { topicReader, type TopicReader, type TopicReaderOptions } from './reader';
import { confluentClient, confluentProducer, type Producer, type ProducerOptions } from './producer';
import { transactionalProducer, type TransactionalProducer, type TransactionalProducerConfig } from './transactional';

/**
 * The port's client of one cluster, on Confluent's client (librdkafka): producers, transactional producers, group
 * consumers, topic readers and admins. What librdkafka has no request for is the JavaAdmin's (java-admin.ts).
 */
export interface Kafka {
  /** This process's name among its service's instances (NCN_INSTANCE_ID), if it has one. */
  readonly instanceId: string | undefined;
  producer(options?: ProducerOptions): Producer;
  transactionalProducer(config: TransactionalProducerConfig): TransactionalProducer;
  groupConsumer(options: GroupConsumerOptions): GroupConsumer;
  reader(options: TopicReaderOptions): TopicReader;
  admin(): Admin;
}

/**
 * How long a consumer's fetch waits at the broker for data that is not there yet, and a runner's poll for records.
 * A fetch returns as soon as data arrives, so this only bounds an idle one; it costs one small request a second per
 * idle consumer.
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

/**
 * How long the first contact waits for the cluster's metadata [4 s]: a command told that nothing answers or that
 * its login was refused hears it at once, not after half a minute of retries.
 */
const CheckTimeoutMs = 4_000;

/** librdkafka's log levels: 3 errors, 4 warnings. */
const LogLevelWarning = 4;

/**
 * Asks the cluster at `brokers` for its metadata (any logged-in user may) within `timeoutMs`, and resolves with
 * the broker connection failures librdkafka logged meanwhile (each a `FAIL` line naming the broker and why).
 * Rejects with librdkafka's error, those failures attached as its `errors`, when no answer came.
 */
async function metadataAnswer(
  config: Config,
  clientId: string,
  timeoutMs: number,
): Promise<{ topics: number; brokers: number }> {
  const failures: { message: string }[] = [];
  const client = confluent().AdminClient.create(
    {
      ...connectionProperties(config, clientId),
      'socket.connection.setup.timeout.ms': Math.max(1_000, Math.min(timeoutMs, 10_000)),
      log_level: LogLevelWarning,
      event_cb: true,
    },
    {
      'event.log': (entry: { fac?: string; message?: string }) => {
        if (entry.fac === 'FAIL' && typeof entry.message === 'string') failures.push({ message: entry.message });
      },
    } as never,
  );
  try {
    const topics = await promised<string[]>((done) =>
      (client as unknown as { listTopics(o: object, cb: typeof done): void }).listTopics({ timeout: timeoutMs }, done),
    ).catch((error: LibrdKafkaError) => {
      throw Object.assign(error, { errors: failures });
    });
    return { topics: topics.length, brokers: 1 };
  } finally {
    client.disconnect();
  }
}

/**
 * Connects to the cluster as configured and asks for its metadata (any logged-in user may), within `timeoutMs`
 * (asking again until then while nothing answers). A failure that is a missing login, a refused login or no broker
 * is thrown as the NcnError saying which (diagnoseConnectionFailure); any other failure is left to the operation
 * that follows, which meets it again.
 */
export async function checkConnection(config: Config, clientId: string, timeoutMs = CheckTimeoutMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await metadataAnswer(config, clientId, Math.min(CheckTimeoutMs, Math.max(1_000, deadline - Date.now())));
      return;
    } catch (error) {
      const diagnosed = diagnoseConnectionFailure(error, config.kafka);
      if (Date.now() < deadline && (diagnosed === undefined || diagnosed.retriable)) continue;
      if (diagnosed !== undefined) throw diagnosed;
      return;
    }
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
 * The port's client of the configured cluster, logging to our logger (the client's INFO chatter at debug). Its
 * producers, consumers, readers and admins check the connection before they first connect (checkConnection):
 * within `connectTimeoutMs` when given, else within seconds. Closures, not a class with private fields: a client
 * made from it with Object.create (a test's counting wrapper) must still work.
 */
export function createKafka(
  config: Config,
  logger: Logger,
  clientId = config.kafka.clientId,
  options: {
    /** How long the first contact keeps asking while nothing answers [4 s]. */
    readonly connectTimeoutMs?: number;
    /** The group id the topic readers name (they commit nothing; the principal needs Read on it) [<clientId>.reader]. */
    readonly readerGroup?: string;
  } = {},
): Kafka {
  const confluent = confluentClient(config, logger, clientId);
  const checking = checkedOnce(() => checkConnection(config, clientId, options.connectTimeoutMs ?? CheckTimeoutMs));
  return {
    instanceId: config.kafka.instanceId,
    producer: (producerOptions) => checking(confluentProducer(confluent(), producerOptions)),
    transactionalProducer: (producerConfig) =>
      checking(transactionalProducer(config, logger, clientId, producerConfig)),
    groupConsumer: (consumerOptions) => checking(groupConsumer(config, logger, clientId, consumerOptions)),
    reader: (readerOptions) =>
      checking(topicReader(config, logger, clientId, options.readerGroup ?? `${clientId}.reader`, readerOptions)),
    admin: () => checking(confluentAdmin(confluent())),
  };
}

/**
 * True when the cluster at `brokers` answers a metadata request within about a second, without retries: a probe
 * for a stack coming up.
 */
export async function clusterAnswers(brokers: readonly string[], sasl: SaslSettings | undefined): Promise<boolean> {
  const config = { kafka: { brokers, sasl, ssl: undefined } } as unknown as Config;
  return metadataAnswer(config, 'ncn-infra-probe', 1_500).then(
    () => true,
    () => false,
  );
}

/** Connects an admin client; the caller disconnects it. */
export async function connectAdmin(kafka: Pick<Kafka, 'admin'>): Promise<Admin> {
  const admin = kafka.admin();
  await admin.connect();
  return admin;
}

/** Whether a client error, or one it wraps (a cause, an aggregate's errors), has a type `is` picks. */
function hasErrorType(error: unknown, is: (type: string) => boolean): boolean {
  return findKafkaError(error, (e) => typeof e.type === 'string' && is(e.type)) !== undefined;
}

/**
 * True when a client error (or one it wraps) is the broker refusing an operation to the principal: an ACL said
 * no (ERR_TOPIC_AUTHORIZATION_FAILED, ERR_GROUP_AUTHORIZATION_FAILED, ...). Such an error is permanent for the
 * principal; retrying cannot help.
 */
export function isAuthorizationError(error: unknown): boolean {
  return hasErrorType(error, (type) => type.endsWith('AUTHORIZATION_FAILED'));
}

/** True when a client error (or one it wraps) is the broker, or the client's metadata, saying a topic does not exist. */
export function isUnknownTopicError(error: unknown): boolean {
  return hasErrorType(error, (type) => type === 'ERR_UNKNOWN_TOPIC_OR_PART' || type === 'ERR__UNKNOWN_TOPIC');
}

/**
 * A group's committed offsets of a topic as they stand once every transaction that committed offsets has been
 * applied (OffsetFetch's require_stable, KIP-447). Right after a transaction commits, the coordinator may still
 * answer with the offsets from before it: a new owner of a partition that read those would process its previous
 * owner's last records again. While the answer is "unstable" (milliseconds), it asks again, for at most `maxMs`.
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
      return [...(offsets?.partitions ?? [])];
    } catch (error) {
      if (!hasErrorType(error, (type) => type === 'ERR_UNSTABLE_OFFSET_COMMIT') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
