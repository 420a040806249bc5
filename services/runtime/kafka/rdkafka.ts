/**
 * Confluent's Kafka client (@confluentinc/kafka-javascript, on librdkafka), loaded once and checked: its native
 * part is compiled at install (see README, Requirements), and a build that failed or lacks what the node needs
 * is said plainly here, at first use, rather than as a missing `.node` file or a login that never succeeds.
 */
import type * as Confluent from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { Config } from '../config';

/** What the node needs of librdkafka's build: TLS, SCRAM logins, and the compressions the brokers may hand out. */
export const RequiredFeatures = ['ssl', 'sasl_scram', 'zstd', 'lz4', 'gzip'] as const;

const HowToBuild =
  'it compiles at `npm ci` from its bundled librdkafka sources against the system libraries: install ' +
  "Debian's zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev pkg-config, then run " +
  '`CKJS_LINKING=dynamic npm ci` (see README, Requirements)';

/** What the client's build offers, or why it cannot be used. */
export function clientBuild(): { librdkafka: string; features: readonly string[] } {
  const client = confluent();
  return { librdkafka: client.librdkafkaVersion, features: client.features };
}

let loaded: typeof Confluent | undefined;

/** The client package, loaded at first use; an Error naming the fix when it is not built or lacks a feature. */
export function confluent(): typeof Confluent {
  if (loaded !== undefined) return loaded;
  let client: typeof Confluent;
  try {
    // Loaded when first needed, not at import: a command that never talks to Kafka (validate, gen) runs without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the line above
    client = require('@confluentinc/kafka-javascript') as typeof Confluent;
  } catch (error) {
    throw new Error(
      `the Kafka client @confluentinc/kafka-javascript could not be loaded (${(error as Error).message.split('\n')[0]}): ${HowToBuild}`,
      { cause: error },
    );
  }
  const missing = RequiredFeatures.filter((f) => !client.features.includes(f));
  if (missing.length > 0) {
    throw new Error(
      `the Kafka client's librdkafka ${client.librdkafkaVersion} was built without ${missing.join(', ')} ` +
        `(it has ${client.features.join(', ')}): ${HowToBuild}`,
    );
  }
  loaded = client;
  return client;
}

/** librdkafka's name of each SASL mechanism the configuration allows. */
const SaslMechanismNames = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

/**
 * librdkafka's connection properties of `config`'s cluster (brokers, TLS, SASL), for the clients the port makes on
 * Confluent's low-level API (the group consumer and the transactional producer).
 */
export function connectionProperties(config: Config, clientId: string): Record<string, string> {
  const { ssl, sasl } = config.kafka;
  return {
    'bootstrap.servers': config.kafka.brokers.join(','),
    'client.id': clientId,
    'security.protocol': sasl ? (ssl ? 'sasl_ssl' : 'sasl_plaintext') : ssl ? 'ssl' : 'plaintext',
    ...(sasl
      ? {
          'sasl.mechanisms': SaslMechanismNames[sasl.mechanism],
          'sasl.username': sasl.username,
          'sasl.password': sasl.password,
        }
      : {}),
    ...(ssl?.ca !== undefined ? { 'ssl.ca.pem': ssl.ca } : {}),
  };
}

/** A librdkafka error's code as its name (`ERR__FENCED`, `ERR_TOPIC_AUTHORIZATION_FAILED`, …), or undefined. */
export function errorCodeName(code: unknown): string | undefined {
  if (typeof code !== 'number') return undefined;
  return Object.entries(confluent().CODES.ERRORS).find(([, value]) => value === code)?.[0];
}

/** Gives a librdkafka error its code's name as `type`, which the port's predicates read. */
export function withType<E>(error: E): E {
  const fields = error as { code?: unknown; type?: unknown } | null;
  if (typeof fields === 'object' && fields !== null && fields.type === undefined) {
    const name = errorCodeName(fields.code);
    if (name !== undefined) Object.assign(fields, { type: name });
  }
  return error;
}

/** librdkafka's code for "this client has failed for good" (ERR__FATAL). */
const FatalCode = -150;

/**
 * Whether a client error means the client is done for: librdkafka's fatal error (a static member fenced by another
 * with its group.instance.id, an idempotent producer's broken sequence), or one it marks `isFatal`. Only a new
 * client goes on from there.
 */
export function isFatalClientError(error: unknown): boolean {
  const fields = error as { code?: unknown; isFatal?: unknown } | null;
  return typeof fields === 'object' && fields !== null && (fields.isFatal === true || fields.code === FatalCode);
}

/** A librdkafka callback call as a promise; its error with its code's name as `type`. */
export function promised<T>(
  run: (done: (err: LibrdKafkaError | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(withType(err)) : resolve(value as T))));
}

/**
 * A consumer's fetch sizes for a largest fetch per partition: a whole fetch holds two such partitions (at least
 * 10 MiB each), and a response that big plus its framing is accepted.
 */
export function fetchSizes(maxBytesPerPartition: number): Record<string, number> {
  const fetch = Math.max(maxBytesPerPartition, 10 * 1024 * 1024) * 2;
  return {
    'max.partition.fetch.bytes': maxBytesPerPartition,
    'fetch.max.bytes': fetch,
    'receive.message.max.bytes': fetch + 1024 * 1024,
  };
}
