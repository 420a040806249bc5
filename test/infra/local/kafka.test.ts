import { newClusterId, serverProperties } from '../../../infra/local/kafka';
import { stackSettings } from '../../../infra/local/settings';

function properties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('serverProperties', () => {
  const props = properties(
    serverProperties(stackSettings({ NCN_KAFKA_BROKERS: 'localhost:19092', NCN_STATE_DIR: '/tmp/x' }), {
      mechanism: 'scram-sha-512',
      username: 'ncn-admin',
      password: 'p4ss',
    }),
  );

  it('runs one combined broker and controller in KRaft mode on the configured ports', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('listeners')).toBe('CLIENT://localhost:19092,CONTROLLER://localhost:19093');
    expect(props.get('advertised.listeners')).toBe('CLIENT://localhost:19092');
    expect(props.get('controller.quorum.voters')).toBe('1@localhost:19093');
  });

  it('takes only authenticated clients (SCRAM-SHA-512) and refuses what no ACL allows', () => {
    expect(props.get('listener.security.protocol.map')).toBe('CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(props.get('listener.name.client.sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(props.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(props.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(props.get('super.users')).toBe('User:ncn-admin');
    expect(props.get('listener.name.client.scram-sha-512.sasl.jaas.config')).toContain(
      'username="ncn-admin" password="p4ss"',
    );
  });

  it('turns topic auto-creation off', () => {
    expect(props.get('auto.create.topics.enable')).toBe('false');
  });

  it('fits replication of the internal topics to one node so groups and transactions work', () => {
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
  });

  it('keeps its data under the state folder', () => {
    expect(props.get('log.dirs')).toBe('/tmp/x/kafka/data');
  });
});

describe('newClusterId', () => {
  it('is 16 bytes in base64url, drawn again when it would start with "-" (an option to the format command)', () => {
    // 0xf8 is 111110 in its first six bits: '-' in base64url.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift() ?? Buffer.alloc(16));
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(draws).toEqual([]);
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
