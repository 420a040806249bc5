/**
 * The Kafka port: the one place the project reaches its Kafka client through. Everything else imports Kafka's
 * clients, types and helpers from here (`services/runtime/kafka`), never from a client package; an ESLint rule
 * (no-restricted-imports, eslint.config.mjs) keeps it so. Producers, transactional producers and group consumers
 * run on Confluent's client (@confluentinc/kafka-javascript, librdkafka); the plain consumers that read topics
 * whole and the admins still on kafkajs 2.2.4, patched (patches/kafkajs+2.2.4.patch), until they move too.
 */
import * as kafkajs from 'kafkajs';

// The port's own functions: clients made and checked as configured, and what their errors mean.
export {
  FetchWaitMs,
  checkConnection,
  clusterAnswers,
  connectAdmin,
  connectionOptions,
  createKafka,
  fetchStableOffsets,
  isAuthorizationError,
  isFencedProducerError,
  isUnknownTopicError,
  saslOptions,
  sharedAdmin,
  type Kafka,
  type SharedAdmin,
} from './client';
export {
  partitionKey,
  type ConsumedRecord,
  type GroupConsumer,
  type GroupConsumerOptions,
  type TopicPartition,
} from './group-consumer';
export { javaAdmin, type Acl, type ConfigValue, type JavaAdmin } from './java-admin';
export { ThreadPoolEnv } from './queue-waker';
export { type ReadFrom, type TopicReader, type TopicReaderOptions } from './reader';
export {
  TransactionTimeoutMs,
  type Transaction,
  type TransactionOffsets,
  type TransactionalProducer,
  type TransactionalProducerConfig,
} from './transactional';
export {
  DeliveryTimeoutMs,
  type OutgoingMessage,
  type Producer,
  type ProducerOptions,
  type RecordMetadata,
  type TopicMessages,
} from './producer';
export {
  diagnoseConnectionFailure,
  findKafkaError,
  noCredentialsError,
  type KafkaConnectionSettings,
  type KafkaErrorFields,
} from './errors';

// The port's types: today kafkajs' own, named one by one (only those the project uses); to be replaced by the
// port's own types when the client changes.
export type { Admin, ITopicConfig, Message } from 'kafkajs';

// The port's values (the client class, partitioners, enumerations): today kafkajs' own, likewise.
export { AssignerProtocol, logLevel } from 'kafkajs';

// The client's error classes, as it throws them (errors.ts reads them by name; tests build them): kafkajs' own.
export {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';

/** kafkajs' error for a connection the broker closed: kafkajs exports it, its types omit it (and some options). */
export const { KafkaJSConnectionClosedError } = kafkajs as unknown as {
  KafkaJSConnectionClosedError: new (message: string, options: { host: string; port: number }) => Error;
};
