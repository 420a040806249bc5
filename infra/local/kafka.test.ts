import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newClusterId, serverProperties } from './kafka';
import { namespacedLayout } from './netns';
import { stackSettings } from './settings';
import { clusterLayout } from './stack';
import { clusterLayoutPath, loadConfig } from '../../services/runtime/config';

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

describe('a cluster of three', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'ncn-cluster-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
  const env = { NCN_KAFKA_BROKERS: 'localhost:19092', NCN_STATE_DIR: stateDir };
  const layout = namespacedLayout('localhost:19092', 19092, 3);
  writeFileSync(clusterLayoutPath(stateDir), JSON.stringify(layout));
  const settings = stackSettings(env);
  const admin = { mechanism: 'scram-sha-512', username: 'ncn-admin', password: 'p4ss' } as const;

  it('lays each broker out in a namespace of its own, with its own address on one port', () => {
    expect(layout.brokers.map((b) => [b.id, b.host, b.port, b.controllerPort, b.netns])).toEqual([
      [1, '10.77.148.11', 19092, 19093, 'ncn-19092-1'],
      [2, '10.77.148.12', 19092, 19093, 'ncn-19092-2'],
      [3, '10.77.148.13', 19092, 19093, 'ncn-19092-3'],
    ]);
    expect(layout.bridge).toEqual({ name: 'ncnbr19092', address: '10.77.148.1' });
  });

  it("is what the configuration of the stack's folder names while it asks for the same address", () => {
    expect(loadConfig(env).kafka).toMatchObject({
      brokers: ['10.77.148.11:19092', '10.77.148.12:19092', '10.77.148.13:19092'],
      replicationFactor: 3,
    });
    expect(loadConfig({ ...env, NCN_REPLICATION_FACTOR: '2' }).kafka.replicationFactor).toBe(2);
    // Asked for another address, the configuration is its own.
    expect(loadConfig({ ...env, NCN_KAFKA_BROKERS: 'localhost:29092' }).kafka).toMatchObject({
      brokers: ['localhost:29092'],
      replicationFactor: 1,
    });
    expect(settings.kafka.nodes).toHaveLength(3);
  });

  it('runs every broker as a voter of one quorum, on its own address, replicating three times', () => {
    const node2 = settings.kafka.nodes[1];
    if (node2 === undefined) throw new Error('no second broker');
    const p = properties(serverProperties(settings, admin, node2));
    expect(p.get('node.id')).toBe('2');
    expect(p.get('controller.quorum.voters')).toBe('1@10.77.148.11:19093,2@10.77.148.12:19093,3@10.77.148.13:19093');
    expect(p.get('listeners')).toBe('CLIENT://10.77.148.12:19092,CONTROLLER://10.77.148.12:19093');
    expect(p.get('advertised.listeners')).toBe('CLIENT://10.77.148.12:19092');
    expect(p.get('default.replication.factor')).toBe('3');
    expect(p.get('min.insync.replicas')).toBe('2');
    expect(p.get('offsets.topic.replication.factor')).toBe('3');
    expect(p.get('transaction.state.log.replication.factor')).toBe('3');
    expect(p.get('transaction.state.log.min.isr')).toBe('2');
    expect(p.get('unclean.leader.election.enable')).toBe('false');
    expect(p.get('log.dirs')).toBe(join(stateDir, 'kafka-2', 'data'));
  });

  it('on this host instead, puts the brokers at every other port', () => {
    const single = stackSettings({ NCN_KAFKA_BROKERS: 'localhost:19092', NCN_STATE_DIR: join(stateDir, 'none') });
    expect(clusterLayout(single, 3, false).brokers.map((b) => `${b.host}:${b.port}/${b.controllerPort}`)).toEqual([
      'localhost:19092/19093',
      'localhost:19094/19095',
      'localhost:19096/19097',
    ]);
  });
});
