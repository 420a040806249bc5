import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Images, stackSettings } from '../../infra/local/settings';

interface ComposeService {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const { kafka, 'schema-registry': registry, redis, topics } = compose.services;
const defaults = stackSettings({});

describe('docker-compose.yml', () => {
  it('runs the same versions as the local stack', () => {
    expect(kafka?.image).toBe(Images.kafka);
    expect(registry?.image).toBe(Images.registry);
    expect(redis?.image).toBe(Images.redis);
  });

  it('publishes each server on the port of the default variables', () => {
    expect(kafka?.ports).toEqual([`${defaults.kafka.port}:9092`]);
    expect(registry?.ports).toEqual([`${defaults.registry.port}:8080`]);
    expect(redis?.ports).toEqual([`${defaults.redis.port}:6379`]);
  });

  it('runs Kafka in KRaft mode with auto-creation off and one-node replication for groups and transactions', () => {
    const env = kafka?.environment ?? {};
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`localhost:${defaults.kafka.port}`);
    expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('1');
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
  });

  it('gives containers the shared variables, pointing at the services of the file', () => {
    expect(topics?.environment).toEqual({
      NCN_KAFKA_BROKERS: 'kafka:19092',
      NCN_SCHEMA_REGISTRY_URL: 'http://schema-registry:8080/apis/ccompat/v7',
      NCN_REDIS_URL: 'redis://redis:6379',
    });
    expect(topics?.depends_on?.kafka?.condition).toBe('service_healthy');
  });
});
