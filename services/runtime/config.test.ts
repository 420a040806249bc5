import { ConfigError } from './errors';
import { loadConfig, parseBrokers } from './config';

describe('loadConfig', () => {
  it('gives the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).toEqual(['localhost:9092']);
    expect(config.registry.url).toBe('http://localhost:8081/apis/ccompat/v7');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.logLevel).toBe('info');
    expect(config.kafka.replicationFactor).toBe(1);
    expect(config.shutdownTimeoutMs).toBe(10_000);
  });

  it('reads the shared variables and trims a trailing slash off URLs', () => {
    const config = loadConfig({
      NCN_KAFKA_BROKERS: 'k1:9092, k2:19092',
      NCN_SCHEMA_REGISTRY_URL: 'https://registry.example:8443/apis/ccompat/v7/',
      NCN_REDIS_URL: 'redis://cache:6380',
      NCN_LOG_LEVEL: 'debug',
    });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:19092']);
    expect(config.registry.url).toBe('https://registry.example:8443/apis/ccompat/v7');
    expect(config.redis.url).toBe('redis://cache:6380');
    expect(config.logLevel).toBe('debug');
  });

  it("reads an instance's name, none by default, and refuses one a transactional id could not carry", () => {
    expect(loadConfig({}).kafka.instanceId).toBeUndefined();
    expect(loadConfig({ NCN_INSTANCE_ID: ' ingest-2 ' }).kafka.instanceId).toBe('ingest-2');
    expect(() => loadConfig({ NCN_INSTANCE_ID: 'ingest 2' })).toThrow(/NCN_INSTANCE_ID: 'ingest 2' should be/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ NCN_KAFKA_BROKERS: '' }).kafka.brokers).toEqual(['localhost:9092']);
  });

  it('reports every bad variable at once, each naming the variable and what it should be', () => {
    let caught: unknown;
    try {
      loadConfig({
        NCN_KAFKA_BROKERS: 'nohostport',
        NCN_REDIS_URL: 'http://not-redis',
        NCN_LOG_LEVEL: 'loud',
        NCN_SHUTDOWN_TIMEOUT_MS: '-5',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const { problems, code, retriable } = caught as ConfigError;
    expect(code).toBe('NCN_CONFIG');
    expect(retriable).toBe(false);
    expect(problems).toEqual([
      "NCN_KAFKA_BROKERS: expected host:port[,host:port…], got 'nohostport'",
      "NCN_REDIS_URL: expected a redis or rediss URL, got 'http://not-redis'",
      "NCN_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got 'loud'",
      "NCN_SHUTDOWN_TIMEOUT_MS: expected an integer from 0 to 600000, got '-5'",
    ]);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });
});

describe('parseBrokers', () => {
  it.each([
    ['localhost:9092', true],
    ['[::1]:9092', true],
    ['a:1,b:65535', true],
    ['a:0', false],
    ['a:65536', false],
    ['a', false],
    [' , ', false],
  ])('%s is %s', (raw, valid) => {
    expect(parseBrokers(raw).ok).toBe(valid);
  });
});
