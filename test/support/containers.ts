import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { Images, type StackSettings } from '../../infra/local/settings';

/**
 * For machines with a Docker engine: the same three servers as containers, on the ports the shared variables
 * name (fixed host ports, so the broker can advertise the address clients use).
 */
export async function startContainers(s: StackSettings): Promise<StartedTestContainer[]> {
  const kafka = new GenericContainer(Images.kafka)
    .withExposedPorts({ container: 9092, host: s.kafka.port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${s.kafka.host}:${s.kafka.port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/));
  const registry = new GenericContainer(Images.registry)
    .withExposedPorts({ container: 8080, host: s.registry.port })
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080));
  const redis = new GenericContainer(Images.redis)
    .withExposedPorts({ container: 6379, host: s.redis.port })
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/));
  return Promise.all([kafka.start(), registry.start(), redis.start()]);
}
