import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  loadConfig,
  readClusterLayout,
  stateDirOf,
  type BrokerNode,
  type ClusterLayout,
  type Config,
  type Env,
} from '../../services/runtime/config';
import { ConfigError } from '../../services/runtime/errors';

/** Pinned versions of what the local stack runs (see README, "The local stack"). */
export const Versions = {
  /** Apache Kafka: the newest 4.x on Maven Central; it runs on Java 17. */
  kafka: '4.4.0',
  /** Apicurio Registry: 3.0.x is the newest line whose distribution runs on Java 17. */
  apicurio: '3.0.9',
} as const;

/** The same versions as container images, for docker-compose.yml and testcontainers. */
export const Images = {
  kafka: `apache/kafka:${Versions.kafka}`,
  registry: `apicurio/apicurio-registry:${Versions.apicurio}`,
  redis: 'redis:7.4-alpine',
} as const;

/** Where the local stack keeps things, and on which ports it listens. Derived from the shared variables. */
export interface StackSettings {
  /** The variables the settings were read from. */
  readonly env: Env;
  readonly config: Config;
  /** NCN_CACHE_DIR, default `~/.cache/ncn`: resolved jars and distributions (outside git, kept across runs). */
  readonly cacheDir: string;
  /** NCN_STATE_DIR, default `$TMPDIR/ncn-local-<uid>`: pid files, logs and Kafka's data (removed by `down`). */
  readonly stateDir: string;
  readonly kafka: {
    readonly host: string;
    readonly port: number;
    readonly controllerPort: number;
    /** The brokers of the cluster `up` started (written in the state folder), else the one at host:port. */
    readonly nodes: readonly BrokerNode[];
    /** The cluster `up --brokers N` started, when the configuration still points at it. */
    readonly cluster?: ClusterLayout;
  };
  readonly registry: { readonly host: string; readonly port: number };
  readonly redis: { readonly host: string; readonly port: number };
}

/**
 * The local stack listens where the shared variables point: the first of NCN_KAFKA_BROKERS, the host and port
 * of NCN_SCHEMA_REGISTRY_URL and NCN_REDIS_URL. NCN_KAFKA_CONTROLLER_PORT (default broker port + 1) is the
 * KRaft controller's.
 */
export function stackSettings(env: Env = process.env): StackSettings {
  const config = loadConfig(env);
  const broker = config.kafka.brokers[0] ?? 'localhost:9092';
  const colon = broker.lastIndexOf(':');
  const kafkaHost = broker.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const kafkaPort = Number(broker.slice(colon + 1));
  const registryUrl = new URL(config.registry.url);
  const redisUrl = new URL(config.redis.url);
  const controllerRaw = env.NCN_KAFKA_CONTROLLER_PORT;
  let controllerPort = kafkaPort + 1;
  if (controllerRaw !== undefined && controllerRaw !== '') {
    controllerPort = Number(controllerRaw);
    if (!/^\d+$/.test(controllerRaw) || controllerPort < 1 || controllerPort > 65535 || controllerPort === kafkaPort) {
      throw new ConfigError([
        `NCN_KAFKA_CONTROLLER_PORT: expected a port from 1 to 65535 other than the broker's, got '${controllerRaw}'`,
      ]);
    }
  }
  const stateDir = stateDirOf(env);
  const written = readClusterLayout(stateDir);
  // The configuration names the cluster's brokers when it was asked for the address the cluster was made for.
  const layout =
    written !== undefined && written.brokers.every((b, i) => config.kafka.brokers[i] === `${b.host}:${b.port}`)
      ? written
      : undefined;
  return {
    env,
    config,
    cacheDir: env.NCN_CACHE_DIR || join(homedir(), '.cache', 'ncn'),
    stateDir,
    kafka: {
      host: kafkaHost,
      port: kafkaPort,
      controllerPort,
      nodes: layout?.brokers ?? [{ id: 1, host: kafkaHost, port: kafkaPort, controllerPort }],
      ...(layout === undefined ? {} : { cluster: layout }),
    },
    registry: {
      host: registryUrl.hostname,
      port: Number(registryUrl.port || (registryUrl.protocol === 'https:' ? 443 : 80)),
    },
    redis: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
  };
}
