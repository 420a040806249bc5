/**
 * Errors that say what happened and whether a retry can help.
 * A permanent error (retriable=false) goes straight to the dead-letter topic; a transient one is retried.
 */
export const ErrorCode = {
  /** A configuration variable is missing or malformed. */
  Config: 'NCN_CONFIG',
  /** A dependency (Kafka, registry, Redis) did not answer. */
  Unavailable: 'NCN_UNAVAILABLE',
  /** Kafka closed the connection of a client that did not log in, and no credentials were found to log in with. */
  KafkaNoCredentials: 'NCN_KAFKA_NO_CREDENTIALS',
  /** Kafka refused the SASL login of the configured user (a wrong password, an unknown user, a mechanism it lacks). */
  KafkaAuthFailed: 'NCN_KAFKA_AUTH_FAILED',
  /** No Kafka broker answers at the configured addresses (refused, unresolved, timed out). */
  KafkaUnreachable: 'NCN_KAFKA_UNREACHABLE',
  /** The schema registry refused a schema (incompatible, malformed). */
  Schema: 'NCN_SCHEMA',
  /** A record's bytes could not be decoded. */
  Decode: 'NCN_DECODE',
  /** A record the rules cannot route: no node to send it to (an unknown or foreign domicile, a bad node id). */
  Unroutable: 'NCN_UNROUTABLE',
  /** An item rendered for delivery does not validate against the standard's schema. */
  Render: 'NCN_RENDER',
  /** An external party refused what the node sent it (e.g. EURES answered 4xx): retrying cannot help. */
  Refused: 'NCN_REFUSED',
  /** Shutdown did not finish within its deadline. */
  ShutdownTimeout: 'NCN_SHUTDOWN_TIMEOUT',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class NcnError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'NcnError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Raised by loadConfig with every problem found, one per line. */
export class ConfigError extends NcnError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(ErrorCode.Config, `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
