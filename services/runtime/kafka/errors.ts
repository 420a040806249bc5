import type { Config } from '../config';
import { ErrorCode, NcnError } from '../errors';

/** The fields of a client error (or of an error it wraps) that say what went wrong. */
export interface KafkaErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  /** The client's error code's name: `ERR_UNKNOWN_TOPIC_OR_PART`, `ERR_TOPIC_AUTHORIZATION_FAILED`, … */
  readonly type?: unknown;
  /** The client's error code (a number). */
  readonly code?: unknown;
}

/**
 * The first error that `is` picks in a client error's chain: the error itself, its cause, an aggregate's errors
 * (a failed connection check holds the broker failures librdkafka logged).
 */
export function findKafkaError(error: unknown, is: (e: KafkaErrorFields) => boolean): KafkaErrorFields | undefined {
  const seen = new Set<unknown>();
  const visit = (e: unknown): KafkaErrorFields | undefined => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return undefined;
    seen.add(e);
    const fields = e as KafkaErrorFields & { errors?: unknown; cause?: unknown; originalError?: unknown };
    if (is(fields)) return fields;
    for (const inner of Array.isArray(fields.errors) ? fields.errors : []) {
      const found = visit(inner);
      if (found !== undefined) return found;
    }
    return visit(fields.cause) ?? visit(fields.originalError);
  };
  return visit(error);
}

/** What a diagnosis of a failed connection reads of the configuration. */
export type KafkaConnectionSettings = Pick<
  Config['kafka'],
  'brokers' | 'sasl' | 'ssl' | 'clientProperties' | 'clientPropertiesPath'
>;

const messageOf = (e: KafkaErrorFields): string => (typeof e.message === 'string' ? e.message : String(e.name));

/**
 * A broker connection failure as librdkafka logs it (its `FAIL` lines):
 * `sasl_plaintext://k1:9092/bootstrap: Connect to ipv4#10.0.0.1:9092 failed: Connection refused (after 0ms in state
 * CONNECT)`: the broker's address and what happened, without the state suffix.
 */
function brokerFailure(e: KafkaErrorFields): { broker: string; what: string } | undefined {
  const m =
    /^(?:\[[^\]]*\]: )?(?:[a-z_]+:\/\/)?([^\s/]+)\/(?:bootstrap|-?\d+): (.*?)(?: \(after \d+ms in state [^)]*\))?$/.exec(
      messageOf(e),
    );
  return m === null ? undefined : { broker: m[1] ?? '', what: m[2] ?? '' };
}

/** What librdkafka says when nothing answers at an address (as opposed to something answering wrongly). */
const NothingThere = /^(Connect to \S+ failed: |Failed to resolve |Connection setup timed out)/;

/**
 * NCN_KAFKA_NO_CREDENTIALS: no credentials were found, naming where they were looked for (the variables, then the
 * client properties file) and how to give them; `consequence` says what their absence caused.
 */
export function noCredentialsError(kafka: KafkaConnectionSettings, consequence: string, cause?: unknown): NcnError {
  return new NcnError(
    ErrorCode.KafkaNoCredentials,
    `no Kafka credentials found: NCN_KAFKA_USERNAME is not set and there is no client properties file at ` +
      `${kafka.clientPropertiesPath} (NCN_KAFKA_CLIENT_PROPERTIES, default <NCN_STATE_DIR>/kafka-client.properties), ` +
      `${consequence}; set NCN_KAFKA_USERNAME with NCN_KAFKA_PASSWORD (or NCN_KAFKA_PASSWORD_FILE), or NCN_STATE_DIR ` +
      `to the local stack's state folder`,
    { cause },
  );
}

/**
 * Says why a connection to Kafka failed, when the failure is one of three an operator can act on, as an NcnError
 * with its own code:
 * - NCN_KAFKA_NO_CREDENTIALS: the broker closed the connection and the client had no credentials to log in with
 *   (a broker with SASL listeners closes an unauthenticated client's connection at its first real request); the
 *   message names the variables and the client properties file looked at;
 * - NCN_KAFKA_AUTH_FAILED: the broker refused the SASL login; the message names the user (never the password);
 * - NCN_KAFKA_UNREACHABLE: nothing answers at a broker's address; the message names the addresses.
 * A connection closed to a client that has credentials (a TLS listener, say) is NCN_UNAVAILABLE, said as it is.
 * Anything else is not a connection failure: undefined.
 */
export function diagnoseConnectionFailure(error: unknown, kafka: KafkaConnectionSettings): NcnError | undefined {
  const brokers = kafka.brokers.join(',');
  const { sasl } = kafka;
  const failed = (is: (f: { broker: string; what: string }) => boolean) => {
    let found: { broker: string; what: string } | undefined;
    findKafkaError(error, (e) => {
      const f = brokerFailure(e);
      if (f !== undefined && is(f)) found = f;
      return found !== undefined;
    });
    return found;
  };

  const refused = failed((f) => /^SASL /.test(f.what));
  if (refused !== undefined && sasl !== undefined) {
    const mechanism = sasl.mechanism.toUpperCase();
    const user =
      kafka.clientProperties === undefined
        ? `'${sasl.username}' (NCN_KAFKA_USERNAME)`
        : `'${sasl.username}' (of ${kafka.clientProperties})`;
    const password =
      kafka.clientProperties === undefined
        ? 'NCN_KAFKA_PASSWORD or NCN_KAFKA_PASSWORD_FILE'
        : `the password in ${kafka.clientProperties}`;
    const message = /Unsupported SASL mechanism|not supported/i.test(refused.what)
      ? `Kafka at ${brokers} does not offer SASL ${mechanism} (NCN_KAFKA_SASL_MECHANISM), so user ${user} cannot log in`
      : `Kafka at ${brokers} refused the login of user ${user}: SASL ${mechanism} authentication failed (a wrong password, or no such user on the broker); check ${password}`;
    return new NcnError(ErrorCode.KafkaAuthFailed, message, { cause: error });
  }

  const unreachable = failed((f) => NothingThere.test(f.what));
  if (unreachable !== undefined) {
    const { broker: at, what } = unreachable;
    const where = kafka.brokers.includes(at)
      ? `no Kafka broker answers at ${brokers} (NCN_KAFKA_BROKERS)`
      : `Kafka broker ${at}, named by the cluster that answered at ${brokers} (NCN_KAFKA_BROKERS), does not answer`;
    return new NcnError(ErrorCode.KafkaUnreachable, `${where}: ${what}`, { cause: error, retriable: true });
  }

  const closed = failed((f) => /^Disconnected/.test(f.what));
  if (closed !== undefined) {
    const at = closed.broker;
    if (sasl === undefined) {
      return noCredentialsError(kafka, `so the client did not log in and Kafka at ${at} closed the connection`, error);
    }
    return new NcnError(
      ErrorCode.Unavailable,
      `Kafka at ${at} closed the connection of user '${sasl.username}' (SASL ${sasl.mechanism.toUpperCase()}, ` +
        `${kafka.ssl === undefined ? 'without TLS: NCN_KAFKA_SSL is false' : 'over TLS'})`,
      { cause: error, retriable: true },
    );
  }
  return undefined;
}
