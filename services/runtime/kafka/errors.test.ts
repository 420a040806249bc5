import { loadConfig } from '../config';
import { ErrorCode } from '../errors';
import { diagnoseConnectionFailure } from './errors';

/**
 * A failed connection check as the port makes it: librdkafka's error for the metadata request that got no answer,
 * holding the broker failures librdkafka logged meanwhile (its FAIL lines, as it writes them).
 */
const failed = (...lines: string[]): Error =>
  Object.assign(new Error('Local: Broker transport failure'), {
    code: -195,
    errors: lines.map((message) => ({ message })),
  });
const closed = (): Error =>
  failed(
    '[thrd:localhost:9092/bootstrap]: localhost:9092/bootstrap: Disconnected: connection closed by peer: receive 0 after POLLIN (after 0ms in state UP)',
  );
const refused = (broker: string, id = 'bootstrap'): Error =>
  failed(
    `[thrd:sasl_plaintext://${broker}/${id}]: sasl_plaintext://${broker}/${id}: Connect to ipv4#10.0.0.2:9092 failed: Connection refused (after 0ms in state CONNECT)`,
  );
const sasl = (what: string): Error =>
  failed(
    `[thrd:sasl_plaintext://k1:9092/bootstrap]: sasl_plaintext://k1:9092/bootstrap: ${what} (after 308ms in state AUTH_REQ)`,
  );

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
    // The same, when it is the cause of another error.
    expect(diagnoseConnectionFailure(new Error('check failed', { cause: closed() }), anonymous)?.code).toBe(
      ErrorCode.KafkaNoCredentials,
    );
  });

  it('calls a refused SASL login a failed login, naming the user and never the password', () => {
    const error = diagnoseConnectionFailure(
      sasl(
        'SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      ),
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
      sasl(
        "SASL SCRAM-SHA-512 mechanism handshake failed: Broker: Unsupported SASL mechanism: broker's supported mechanisms: PLAIN",
      ),
      withUser,
    );
    expect(error?.code).toBe(ErrorCode.KafkaAuthFailed);
    expect(error?.message).toContain('does not offer SASL SCRAM-SHA-512 (NCN_KAFKA_SASL_MECHANISM)');
  });

  it('calls a refused connection to the bootstrap brokers no broker, naming the addresses', () => {
    const error = diagnoseConnectionFailure(refused('k2:9092'), withUser);
    expect(error?.code).toBe(ErrorCode.KafkaUnreachable);
    expect(error?.retriable).toBe(true);
    expect(error?.message).toBe(
      'no Kafka broker answers at k1:9092,k2:9092 (NCN_KAFKA_BROKERS): Connect to ipv4#10.0.0.2:9092 failed: Connection refused',
    );
  });

  it('calls a connection that timed out, or a host that does not resolve, no broker', () => {
    const timedOut = failed(
      '[thrd:k1:9092/bootstrap]: k1:9092/bootstrap: Connection setup timed out in state CONNECT (after 3000ms in state CONNECT)',
    );
    expect(diagnoseConnectionFailure(timedOut, withUser)?.message).toBe(
      'no Kafka broker answers at k1:9092,k2:9092 (NCN_KAFKA_BROKERS): Connection setup timed out in state CONNECT',
    );
    const unresolved = failed(
      "[thrd:k1:9092/bootstrap]: k1:9092/bootstrap: Failed to resolve 'k1:9092': Name or service not known (after 2ms in state CONNECT)",
    );
    expect(diagnoseConnectionFailure(unresolved, withUser)?.code).toBe(ErrorCode.KafkaUnreachable);
  });

  it('names a broker the cluster advertised when that is the one that does not answer', () => {
    const error = diagnoseConnectionFailure(refused('kafka-3.internal:9092', '3'), withUser);
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
    const missing = Object.assign(new Error('Broker: Unknown topic or partition'), {
      code: 3,
      type: 'ERR_UNKNOWN_TOPIC_OR_PART',
    });
    expect(diagnoseConnectionFailure(missing, anonymous)).toBeUndefined();
    // A FAIL line that is neither a login, an address that does not answer, nor a closed connection.
    expect(
      diagnoseConnectionFailure(failed('[thrd:k1:9092/1]: k1:9092/1: Receive failed: SSL transport error'), withUser),
    ).toBeUndefined();
    expect(diagnoseConnectionFailure(new Error('Closed connection'), anonymous)).toBeUndefined();
    expect(diagnoseConnectionFailure(undefined, anonymous)).toBeUndefined();
  });
});
