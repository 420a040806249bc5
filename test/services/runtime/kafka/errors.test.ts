import { loadConfig } from '../../../../services/runtime/config';
import { ErrorCode } from '../../../../services/runtime/errors';
import {
  KafkaJSConnectionClosedError,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from '../../../../services/runtime/kafka';
import { diagnoseConnectionFailure } from '../../../../services/runtime/kafka/errors';

/** kafkajs' errors as its connection and retrier make them (through the port; its types omit some options). */
const closed = (): Error => new KafkaJSConnectionClosedError('Closed connection', { host: 'localhost', port: 9092 });
const refused = (broker: string): Error =>
  new (KafkaJSConnectionError as unknown as new (m: string, o: object) => Error)(
    `Connection error: connect ECONNREFUSED ${broker}`,
    { broker, code: 'ECONNREFUSED' },
  );
const afterRetries = (e: Error): Error => new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 3, retryTime: 1000 });
const sasl = (message: string): Error =>
  new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)(message);
/** What kafkajs' retrier throws for an error it may not retry. */
const notRetried = (e: Error): Error =>
  new (KafkaJSNonRetriableError as unknown as new (e: Error, o: object) => Error)(e, { cause: e });

describe('diagnoseConnectionFailure', () => {
  const nowhere = '/nonexistent/ncn-state';
  const anonymous = loadConfig({ NCN_STATE_DIR: nowhere }).kafka;
  const withUser = loadConfig({
    NCN_STATE_DIR: nowhere,
    NCN_KAFKA_USERNAME: 'node-05',
    NCN_KAFKA_PASSWORD: 'not-the-password',
    NCN_KAFKA_BROKERS: 'k1:9092,k2:9092',
  }).kafka;

  it('calls a closed connection without credentials a missing login, naming the variables and the file looked at', () => {
    const error = diagnoseConnectionFailure(closed(), anonymous);
    expect(error?.code).toBe(ErrorCode.KafkaNoCredentials);
    expect(error?.retriable).toBe(false);
    expect(error?.message).toMatch(/^no Kafka credentials found: NCN_KAFKA_USERNAME is not set/);
    expect(error?.message).toContain(`${nowhere}/kafka-client.properties`);
    expect(error?.message).toContain('NCN_KAFKA_CLIENT_PROPERTIES');
    expect(error?.message).toContain('Kafka at localhost:9092 closed the connection');
    // The same, when kafkajs' retrier wrapped it.
    expect(diagnoseConnectionFailure(afterRetries(closed()), anonymous)?.code).toBe(ErrorCode.KafkaNoCredentials);
  });

  it('calls a refused SASL login a failed login, naming the user and never the password', () => {
    const error = diagnoseConnectionFailure(
      notRetried(sasl('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication')),
      withUser,
    );
    expect(error?.code).toBe(ErrorCode.KafkaAuthFailed);
    expect(error?.message).toBe(
      "Kafka at k1:9092,k2:9092 refused the login of user 'node-05' (NCN_KAFKA_USERNAME): SASL SCRAM-SHA-512 " +
        'authentication failed (a wrong password, or no such user on the broker); check NCN_KAFKA_PASSWORD or ' +
        'NCN_KAFKA_PASSWORD_FILE',
    );
    expect(error?.message).not.toContain('not-the-password');
  });

  it('says so when the broker does not offer the configured SASL mechanism', () => {
    const error = diagnoseConnectionFailure(
      sasl('SASL SCRAM-SHA-512 mechanism is not supported by the server'),
      withUser,
    );
    expect(error?.code).toBe(ErrorCode.KafkaAuthFailed);
    expect(error?.message).toContain('does not offer SASL SCRAM-SHA-512 (NCN_KAFKA_SASL_MECHANISM)');
  });

  it('calls a refused connection to the bootstrap brokers no broker, naming the addresses', () => {
    const error = diagnoseConnectionFailure(afterRetries(refused('k2:9092')), withUser);
    expect(error?.code).toBe(ErrorCode.KafkaUnreachable);
    expect(error?.retriable).toBe(true);
    expect(error?.message).toBe(
      'no Kafka broker answers at k1:9092,k2:9092 (NCN_KAFKA_BROKERS): connect ECONNREFUSED k2:9092',
    );
  });

  it('calls a connection that timed out, or a host that does not resolve, no broker', () => {
    const timedOut = new (KafkaJSConnectionError as unknown as new (m: string, o: object) => Error)(
      'Connection timeout',
      { broker: 'k1:9092' },
    );
    expect(diagnoseConnectionFailure(afterRetries(timedOut), withUser)?.message).toBe(
      'no Kafka broker answers at k1:9092,k2:9092 (NCN_KAFKA_BROKERS): Connection timeout',
    );
    const unresolved = new (KafkaJSConnectionError as unknown as new (m: string, o: object) => Error)(
      'Connection error: getaddrinfo ENOTFOUND k1',
      { broker: 'k1:9092', code: 'ENOTFOUND' },
    );
    expect(diagnoseConnectionFailure(unresolved, withUser)?.code).toBe(ErrorCode.KafkaUnreachable);
  });

  it('names a broker the cluster advertised when that is the one that does not answer', () => {
    const error = diagnoseConnectionFailure(refused('kafka-3.internal:9092'), withUser);
    expect(error?.code).toBe(ErrorCode.KafkaUnreachable);
    expect(error?.message).toContain(
      'Kafka broker kafka-3.internal:9092, named by the cluster that answered at k1:9092',
    );
  });

  it('does not call a connection closed to a client with credentials a missing login', () => {
    const error = diagnoseConnectionFailure(closed(), withUser);
    expect(error?.code).toBe(ErrorCode.Unavailable);
    expect(error?.message).toBe(
      "Kafka at localhost:9092 closed the connection of user 'node-05' (SASL SCRAM-SHA-512, without TLS: NCN_KAFKA_SSL is false)",
    );
  });

  it('leaves alone what is not a connection failure', () => {
    const missing = new KafkaJSProtocolError({
      message: 'This server does not host this topic-partition',
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      code: 3,
      retriable: true,
    } as unknown as Error);
    expect(diagnoseConnectionFailure(afterRetries(missing), anonymous)).toBeUndefined();
    expect(diagnoseConnectionFailure(new Error('Closed connection'), anonymous)).toBeUndefined();
    expect(diagnoseConnectionFailure(undefined, anonymous)).toBeUndefined();
  });
});
