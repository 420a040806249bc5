/**
 * The Kafka port: the one place the project reaches its Kafka client through. Everything else imports Kafka's
 * clients, types and helpers from here (`services/runtime/kafka`), never from a client package; an ESLint rule
 * (no-restricted-imports, eslint.config.mjs) keeps it so. Everything runs on Confluent's client
 * (@confluentinc/kafka-javascript, librdkafka), but for the admin requests librdkafka lacks (ACLs, SCRAM users,
 * topic configurations), which Kafka's own Java admin client makes (javaAdmin).
 */

// The port's own functions: clients made and checked as configured, and what their errors mean.
export {
  FetchWaitMs,
  checkConnection,
  clusterAnswers,
  connectAdmin,
  createKafka,
  fetchStableOffsets,
  isAuthorizationError,
  isUnknownTopicError,
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
export {
  type Admin,
  type GroupDescription,
  type GroupState,
  type PartitionOffsets,
  type TopicConfig,
  type TopicMetadata,
  type TopicOffsets,
} from './admin';
export { isFatalClientError } from './rdkafka';
export { lookPartitionHealth, partitionHealth, readPartitionHealth, type PartitionHealth } from './partition-health';
export { javaAdmin, type Acl, type ConfigValue, type JavaAdmin, type Quorum } from './java-admin';
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
