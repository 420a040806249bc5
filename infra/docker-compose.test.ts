import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Images, stackSettings } from './local/settings';

interface ComposeService {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(join(__dirname, '../docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService & { build?: string; command?: string[]; profiles?: string[] }>;
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

  it('runs every service of the node from the project image, once the topics exist', () => {
    const entries: Record<string, string> = {
      ingest: 'services/ingest/main.ts',
      enricher: 'services/enricher/main.ts',
      dispatcher: 'services/dispatcher/main.ts',
      scheduler: 'services/scheduler/main.ts',
      'eures-forwarder': 'services/eures/main.ts',
      'audit-indexer': 'services/audit/main.ts',
      'lag-monitor': 'services/lag/main.ts',
    };
    for (const [name, entry] of Object.entries(entries)) {
      const service = compose.services[name];
      expect({ name, build: service?.build, command: service?.command }).toEqual({
        name,
        build: '.',
        command: ['node', '--import', 'tsx', entry],
      });
      expect(service?.environment?.NCN_KAFKA_BROKERS).toBe('kafka:19092');
      expect(service?.depends_on?.topics?.condition).toBe('service_completed_successfully');
      expect(existsSync(join(__dirname, '..', entry))).toBe(true);
    }
    expect(compose.services['eures-forwarder']?.environment?.NCN_EURES_URL).toBe('http://eures-stub:8090/documents');
    expect(compose.services['lag-monitor']?.ports).toEqual(['8088:8088']);
    expect(compose.services.demo?.profiles).toEqual(['demo']);
    expect(compose.services.demo?.command).toContain('--running');
  });
});
