import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors';

/** Log levels pino understands, lowest first. */
export const LogLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];

/** The configuration every ncn process shares. Built once at the edge by loadConfig and passed down. */
export interface Config {
  readonly kafka: {
    /**
     * NCN_KAFKA_BROKERS, default `localhost:9092`: bootstrap brokers as host:port, comma separated. When the local
     * stack started a cluster for that address (`ncn infra up --brokers 3`), the cluster's brokers.
     */
    readonly brokers: readonly string[];
    /** NCN_CLIENT_ID, default `ncn`: the Kafka client id prefix. */
    readonly clientId: string;
    /**
     * NCN_INSTANCE_ID, default none: this process's name among its service's running instances (letters, digits,
     * `.`, `_`, `-`). With one, a service's consumer is a static group member and its transactional ids are stable,
     * so a restart takes its partitions back at once (see the runner); each running instance needs its own.
     */
    readonly instanceId: string | undefined;
    /**
     * NCN_REPLICATION_FACTOR, default 1 (3 on a cluster of three or more the local stack started): replication
     * factor of the topics ncn creates; from 3 up they also get min.insync.replicas=2.
     */
    readonly replicationFactor: number;
    /**
     * SASL authentication: NCN_KAFKA_USERNAME with NCN_KAFKA_PASSWORD (or NCN_KAFKA_PASSWORD_FILE) and
     * NCN_KAFKA_SASL_MECHANISM (default `scram-sha-512`). Without a username, the client properties file
     * NCN_KAFKA_CLIENT_PROPERTIES (default `<NCN_STATE_DIR>/kafka-client.properties`, written by the local stack)
     * when it exists; otherwise none (a broker without authentication).
     */
    readonly sasl: SaslSettings | undefined;
    /** NCN_KAFKA_SSL, default false: TLS to the brokers; NCN_KAFKA_SSL_CA_FILE adds a CA (PEM) to trust. */
    readonly ssl: { readonly ca: string | undefined } | undefined;
    /** The Java client properties file of these credentials, when they came from one (Kafka's own tools take it). */
    readonly clientProperties: string | undefined;
    /**
     * The client properties file looked at for credentials when NCN_KAFKA_USERNAME is not set, whether or not it
     * exists: a connection refused for want of a login names it.
     */
    readonly clientPropertiesPath: string;
  };
  readonly registry: {
    /** NCN_SCHEMA_REGISTRY_URL, default `http://localhost:8081/apis/ccompat/v7`: a Confluent-compatible API. */
    readonly url: string;
  };
  readonly redis: {
    /** NCN_REDIS_URL, default `redis://127.0.0.1:6379`. */
    readonly url: string;
    /** NCN_REDIS_PREFIX, default `ncn`: the first part of every key ncn writes (several nodes may share a Redis). */
    readonly prefix: string;
  };
  /** NCN_LOG_LEVEL, default `info`. */
  readonly logLevel: LogLevel;
  /** NCN_SHUTDOWN_TIMEOUT_MS, default 10000: how long graceful shutdown may take before the process exits. */
  readonly shutdownTimeoutMs: number;
  /** NCN_HTTP_PORT, default 0 (a free port, logged): where a service serves /metrics and /health. */
  readonly httpPort: number;
  /** NCN_GROUP_ID, default: the service's name. The consumer group of a service (tests and side-by-side runs). */
  readonly groupId: string | undefined;
  /**
   * NCN_AUTO_OFFSET_RESET, default `earliest`: where a consumer group without committed offsets starts. `latest`
   * serves side-by-side runs on topics with history (tests); the node itself always starts from the earliest.
   */
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly ingest: {
    /** NCN_VALIDITY_DAYS, default 60: days an item stays valid after its latest send (rule 4). */
    readonly validityDays: number;
    /** NCN_PREDECESSOR_WAIT_MS, default 10000: how long an update waits for a predecessor not seen yet. */
    readonly predecessorWaitMs: number;
    /** NCN_MAX_DOCUMENT_BYTES, default 524288 (512 KiB): largest submission accepted. */
    readonly maxDocumentBytes: number;
  };
  readonly enricher: {
    /** NCN_QUALIFICATION_WAIT_MS, default 86400000 (a day): how long an INPS record waits for CO data (rule 3). */
    readonly qualificationWaitMs: number;
    /** NCN_WAIT_CHECK_MS, default 1000: how often the enricher looks for waits that ran out. */
    readonly waitCheckMs: number;
  };
  readonly scheduler: {
    /** NCN_CLOCK_OFFSET_MS, default 0: added to the clock of the time-driven services (a demo can cross 60 days). */
    readonly clockOffsetMs: number;
    /** NCN_SCHEDULER_CHECK_MS, default 1000: how often the scheduler looks for due items. */
    readonly checkMs: number;
  };
  readonly eures: {
    /** NCN_EURES_URL, default `http://127.0.0.1:8090/documents`: where the forwarder POSTs documents. */
    readonly url: string;
    /** NCN_EURES_TIMEOUT_MS, default 10000: a request that takes longer counts as a failure. */
    readonly timeoutMs: number;
    /** NCN_EURES_BREAKER_FAILURES, default 5: consecutive failures that open the circuit breaker. */
    readonly breakerFailures: number;
    /** NCN_EURES_BREAKER_COOLDOWN_MS, default 5000: how long the breaker stays open at first (doubling to 60 s). */
    readonly breakerCooldownMs: number;
  };
  readonly lag: {
    /** NCN_LAG_INTERVAL_MS, default 5000: time between two samples of the consumer groups' offsets. */
    readonly intervalMs: number;
    /** NCN_LAG_WINDOW, default 10: samples in the window Burrow's rules look at. */
    readonly window: number;
    /** NCN_LAG_GROUPS, default none: groups to watch besides those with committed offsets, comma separated. */
    readonly groups: readonly string[];
    /** NCN_LAG_PORT, default 8088: where the lag monitor serves its page, JSON API and metrics. */
    readonly port: number;
    /**
     * NCN_KAFKA_LIBS, default none: a folder of Kafka's jars (the local stack's cache sets it for the services it
     * starts). With it and `java`, the lag monitor asks Kafka's Java admin every 30 s which broker leads the
     * controller quorum; without, the role shows as unknown.
     */
    readonly kafkaLibs: string | undefined;
  };
  readonly dispatcher: {
    /** NCN_AUDIT_KEY: the secret of the audit trail's keyed hash of a codice fiscale (HMAC-SHA256), 16+ characters. */
    readonly auditKey: string;
    /** True when NCN_AUDIT_KEY was not set and the development key is in use (the service warns). */
    readonly auditKeyIsDefault: boolean;
  };
}

export type Env = Readonly<Record<string, string | undefined>>;

export const SaslMechanisms = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type SaslMechanism = (typeof SaslMechanisms)[number];

export interface SaslSettings {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

/** One broker of a cluster the local stack runs: a combined broker and KRaft controller. */
export interface BrokerNode {
  /** Its node.id, from 1. */
  readonly id: number;
  /** The address it listens on and advertises. */
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  /** The network namespace it runs in (a test host of its own, with its own address), if any. */
  readonly netns?: string;
}

/**
 * The cluster `ncn infra up --brokers N` started, kept in the state folder so that every later command of the
 * same stack (the services, the CLI, the tests) finds its brokers and replicates as it should.
 */
export interface ClusterLayout {
  /** The bootstrap address the stack was asked for (NCN_KAFKA_BROKERS): the layout holds while it is still asked. */
  readonly base: string;
  readonly brokers: readonly BrokerNode[];
  /** The bridge joining the brokers' namespaces to this host, when they run in namespaces. */
  readonly bridge?: { readonly name: string; readonly address: string };
}

export const clusterLayoutPath = (stateDir: string): string => join(stateDir, 'kafka-cluster.json');

/** The cluster layout of a stack's state folder, if its `up` wrote one. */
export function readClusterLayout(stateDir: string): ClusterLayout | undefined {
  const path = clusterLayoutPath(stateDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterLayout;
}

/** NCN_STATE_DIR, default `$TMPDIR/ncn-local-<uid>`: where the local stack keeps its state. */
export function stateDirOf(env: Env): string {
  return env.NCN_STATE_DIR || join(tmpdir(), `ncn-local-${process.getuid?.() ?? 0}`);
}

/** The local stack's client properties file (Java client format, usable with Kafka's tools as --command-config). */
export function clientPropertiesPath(env: Env): string {
  return env.NCN_KAFKA_CLIENT_PROPERTIES || join(stateDirOf(env), 'kafka-client.properties');
}

/**
 * The SASL settings of a Java client properties file: `sasl.mechanism` and the username and password of
 * `sasl.jaas.config`. A sentence saying what is missing otherwise.
 */
export function parseClientProperties(text: string): SaslSettings | string {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m !== null && !line.trimStart().startsWith('#')) values.set(m[1] ?? '', m[2] ?? '');
  }
  const mechanism = (values.get('sasl.mechanism') ?? '').toLowerCase();
  if (!(SaslMechanisms as readonly string[]).includes(mechanism)) {
    return `sasl.mechanism should be one of ${SaslMechanisms.map((m) => m.toUpperCase()).join(', ')}`;
  }
  const jaas = values.get('sasl.jaas.config') ?? '';
  const username = /username="([^"]*)"/.exec(jaas)?.[1];
  const password = /password="([^"]*)"/.exec(jaas)?.[1];
  if (!username || !password) return 'sasl.jaas.config should name a username and a password';
  return { mechanism: mechanism as SaslMechanism, username, password };
}

/** The Java client properties of SASL credentials (what parseClientProperties reads back). */
export function clientProperties(sasl: SaslSettings, ssl = false): string {
  const module =
    sasl.mechanism === 'plain'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
      : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return [
    `security.protocol=${ssl ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`,
    `sasl.mechanism=${sasl.mechanism.toUpperCase()}`,
    `sasl.jaas.config=${module} required username="${sasl.username}" password="${sasl.password}";`,
    '',
  ].join('\n');
}

export const defaults = {
  NCN_KAFKA_BROKERS: 'localhost:9092',
  NCN_CLIENT_ID: 'ncn',
  NCN_REPLICATION_FACTOR: '1',
  NCN_KAFKA_SASL_MECHANISM: 'scram-sha-512',
  NCN_KAFKA_SSL: 'false',
  NCN_SCHEMA_REGISTRY_URL: 'http://localhost:8081/apis/ccompat/v7',
  NCN_REDIS_URL: 'redis://127.0.0.1:6379',
  NCN_REDIS_PREFIX: 'ncn',
  NCN_LOG_LEVEL: 'info',
  NCN_SHUTDOWN_TIMEOUT_MS: '10000',
  NCN_HTTP_PORT: '0',
  NCN_GROUP_ID: '',
  NCN_AUTO_OFFSET_RESET: 'earliest',
  NCN_VALIDITY_DAYS: '60',
  NCN_PREDECESSOR_WAIT_MS: '10000',
  NCN_MAX_DOCUMENT_BYTES: '524288',
  NCN_QUALIFICATION_WAIT_MS: '86400000',
  NCN_WAIT_CHECK_MS: '1000',
  NCN_AUDIT_KEY: 'ncn-development-audit-key',
  NCN_CLOCK_OFFSET_MS: '0',
  NCN_LAG_INTERVAL_MS: '5000',
  NCN_LAG_WINDOW: '10',
  NCN_LAG_GROUPS: '',
  NCN_LAG_PORT: '8088',
  NCN_EURES_URL: 'http://127.0.0.1:8090/documents',
  NCN_EURES_TIMEOUT_MS: '10000',
  NCN_EURES_BREAKER_FAILURES: '5',
  NCN_EURES_BREAKER_COOLDOWN_MS: '5000',
  NCN_SCHEDULER_CHECK_MS: '1000',
} as const satisfies Record<string, string>;

/** A parser returns the value, or a sentence saying what the variable should be. */
type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };
type Parser<T> = (raw: string) => Parsed<T>;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const problem = <T>(text: string): Parsed<T> => ({ ok: false, problem: text });

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Parses `host:port,host:port`. */
export const parseBrokers: Parser<string[]> = (raw) => {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) return problem('expected at least one host:port');
  const bad = brokers.filter((b) => {
    const m = HOST_PORT.exec(b);
    return m === null || Number(m[2]) < 1 || Number(m[2]) > 65535;
  });
  return bad.length > 0 ? problem(`expected host:port[,host:port…], got '${bad.join(',')}'`) : ok(brokers);
};

const url =
  (protocols: readonly string[]): Parser<string> =>
  (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return problem(`expected a ${protocols.join(' or ')} URL, got '${raw}'`);
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      return problem(`expected a ${protocols.join(' or ')} URL, got '${raw}'`);
    }
    return ok(raw.replace(/\/+$/, ''));
  };

const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw.trim()) && n >= min && n <= max
      ? ok(n)
      : problem(`expected an integer from ${min} to ${max}, got '${raw}'`);
  };

const signedInteger =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const n = Number(raw);
    return /^-?\d+$/.test(raw.trim()) && n >= min && n <= max
      ? ok(n)
      : problem(`expected an integer from ${min} to ${max}, got '${raw}'`);
  };

const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw) =>
    (values as readonly string[]).includes(raw)
      ? ok(raw as T)
      : problem(`expected one of ${values.join(', ')}, got '${raw}'`);

const nonEmpty: Parser<string> = (raw) => (raw.trim() === '' ? problem('expected a non-empty value') : ok(raw.trim()));

const keyPrefix: Parser<string> = (raw) =>
  /^[A-Za-z0-9_.:-]{1,64}$/.test(raw) ? ok(raw) : problem(`expected 1-64 letters, digits or _.:-, got '${raw}'`);

const secret: Parser<string> = (raw) =>
  raw.length >= 16 ? ok(raw) : problem(`expected a secret of at least 16 characters, got ${raw.length}`);

/** The SASL settings: from the environment, else from the client properties file when there is one. */
function kafkaSecurity(
  env: Env,
  problems: string[],
  mechanism: SaslMechanism,
): { sasl: SaslSettings | undefined; clientProperties: string | undefined } {
  const username = env.NCN_KAFKA_USERNAME?.trim();
  if (username) {
    let password = env.NCN_KAFKA_PASSWORD;
    const file = env.NCN_KAFKA_PASSWORD_FILE;
    if (!password && file) {
      try {
        password = readFileSync(file, 'utf8').trim();
      } catch (error) {
        problems.push(`NCN_KAFKA_PASSWORD_FILE: cannot read '${file}' (${(error as Error).message})`);
      }
    }
    if (!password) {
      problems.push(
        'NCN_KAFKA_PASSWORD: NCN_KAFKA_USERNAME is set, so a password is needed (or NCN_KAFKA_PASSWORD_FILE)',
      );
      return { sasl: undefined, clientProperties: undefined };
    }
    return { sasl: { mechanism, username, password }, clientProperties: undefined };
  }
  const path = clientPropertiesPath(env);
  if (!existsSync(path)) {
    if (env.NCN_KAFKA_CLIENT_PROPERTIES) problems.push(`NCN_KAFKA_CLIENT_PROPERTIES: no file at '${path}'`);
    return { sasl: undefined, clientProperties: undefined };
  }
  const parsed = parseClientProperties(readFileSync(path, 'utf8'));
  if (typeof parsed === 'string') {
    problems.push(`NCN_KAFKA_CLIENT_PROPERTIES: in '${path}', ${parsed}`);
    return { sasl: undefined, clientProperties: undefined };
  }
  return { sasl: parsed, clientProperties: path };
}

function instanceIdOf(env: Env, problems: string[]): string | undefined {
  const id = env.NCN_INSTANCE_ID?.trim();
  if (!id) return undefined;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(id)) {
    problems.push(`NCN_INSTANCE_ID: '${id}' should be 1 to 100 letters, digits, '.', '_' or '-'`);
    return undefined;
  }
  return id;
}

function readCa(env: Env, problems: string[]): string | undefined {
  const file = env.NCN_KAFKA_SSL_CA_FILE;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`NCN_KAFKA_SSL_CA_FILE: cannot read '${file}' (${(error as Error).message})`);
    return undefined;
  }
}

/**
 * Reads and validates the configuration once. Every problem is reported together, each naming its variable
 * and what it should be. Empty variables count as unset.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  function read<T>(name: keyof typeof defaults, parse: Parser<T>, fallback: T): T {
    const given = env[name];
    const parsed = parse(given === undefined || given === '' ? defaults[name] : given);
    if (parsed.ok) return parsed.value;
    problems.push(`${name}: ${parsed.problem}`);
    return fallback;
  }
  // A cluster the local stack started for the address asked for: its brokers, and replication to match.
  const layout = readClusterLayout(stateDirOf(env));
  const cluster =
    layout !== undefined && layout.base === (env.NCN_KAFKA_BROKERS || defaults.NCN_KAFKA_BROKERS) ? layout : undefined;
  const config: Config = {
    kafka: {
      brokers:
        cluster === undefined
          ? read('NCN_KAFKA_BROKERS', parseBrokers, [])
          : cluster.brokers.map((b) => `${b.host}:${b.port}`),
      clientId: read('NCN_CLIENT_ID', nonEmpty, ''),
      instanceId: instanceIdOf(env, problems),
      replicationFactor:
        cluster === undefined || env.NCN_REPLICATION_FACTOR
          ? read('NCN_REPLICATION_FACTOR', integer(1, 16), 1)
          : Math.min(3, cluster.brokers.length),
      ...kafkaSecurity(env, problems, read('NCN_KAFKA_SASL_MECHANISM', oneOf(SaslMechanisms), 'scram-sha-512')),
      clientPropertiesPath: clientPropertiesPath(env),
      ssl:
        read('NCN_KAFKA_SSL', oneOf(['true', 'false'] as const), 'false') === 'true'
          ? { ca: readCa(env, problems) }
          : undefined,
    },
    registry: { url: read('NCN_SCHEMA_REGISTRY_URL', url(['http', 'https']), '') },
    redis: {
      url: read('NCN_REDIS_URL', url(['redis', 'rediss']), ''),
      prefix: read('NCN_REDIS_PREFIX', keyPrefix, 'ncn'),
    },
    logLevel: read('NCN_LOG_LEVEL', oneOf(LogLevels), 'info'),
    shutdownTimeoutMs: read('NCN_SHUTDOWN_TIMEOUT_MS', integer(0, 600_000), 0),
    httpPort: read('NCN_HTTP_PORT', integer(0, 65_535), 0),
    groupId: env.NCN_GROUP_ID?.trim() || undefined,
    autoOffsetReset: read('NCN_AUTO_OFFSET_RESET', oneOf(['earliest', 'latest'] as const), 'earliest'),
    ingest: {
      validityDays: read('NCN_VALIDITY_DAYS', integer(1, 3_650), 60),
      predecessorWaitMs: read('NCN_PREDECESSOR_WAIT_MS', integer(0, 600_000), 0),
      maxDocumentBytes: read('NCN_MAX_DOCUMENT_BYTES', integer(1_024, 16 * 1024 * 1024), 0),
    },
    enricher: {
      qualificationWaitMs: read('NCN_QUALIFICATION_WAIT_MS', integer(0, 365 * 86_400_000), 0),
      waitCheckMs: read('NCN_WAIT_CHECK_MS', integer(10, 3_600_000), 1_000),
    },
    scheduler: {
      clockOffsetMs: read('NCN_CLOCK_OFFSET_MS', signedInteger(-(10 * 365 * 86_400_000), 10 * 365 * 86_400_000), 0),
      checkMs: read('NCN_SCHEDULER_CHECK_MS', integer(10, 3_600_000), 1_000),
    },
    eures: {
      url: read('NCN_EURES_URL', url(['http', 'https']), ''),
      timeoutMs: read('NCN_EURES_TIMEOUT_MS', integer(100, 600_000), 10_000),
      breakerFailures: read('NCN_EURES_BREAKER_FAILURES', integer(1, 1_000), 5),
      breakerCooldownMs: read('NCN_EURES_BREAKER_COOLDOWN_MS', integer(10, 600_000), 5_000),
    },
    lag: {
      intervalMs: read('NCN_LAG_INTERVAL_MS', integer(100, 600_000), 5_000),
      window: read('NCN_LAG_WINDOW', integer(2, 1_000), 10),
      groups: (env.NCN_LAG_GROUPS ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== ''),
      port: read('NCN_LAG_PORT', integer(0, 65_535), 8088),
      kafkaLibs: env.NCN_KAFKA_LIBS?.trim() || undefined,
    },
    dispatcher: {
      auditKey: read('NCN_AUDIT_KEY', secret, ''),
      auditKeyIsDefault: (env.NCN_AUDIT_KEY ?? '') === '',
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
