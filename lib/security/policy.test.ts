import { NodeIds } from '../../contracts/nodes';
import { topicCatalogue } from '../../contracts/topics';
import { allows, loadPolicy, PolicyError, type Principal } from './policy';
import { clientProperties, parseClientProperties } from '../../services/runtime/config';

const policy = loadPolicy();
const principal = (name: string): Principal => {
  const p = policy.find((x) => x.name === name);
  if (p === undefined) throw new Error(name);
  return p;
};

describe('the access policy (infra/security/acls.json)', () => {
  it('has one principal per node, INPS, CO, each service and operators', () => {
    expect(policy.map((p) => p.name)).toEqual([
      ...NodeIds.map((n) => `node-${n}`),
      'inps',
      'co',
      'svc-ingest',
      'svc-enricher',
      'svc-dispatcher',
      'svc-scheduler',
      'svc-eures-forwarder',
      'svc-audit-indexer',
      'svc-lag-monitor',
      'operator',
    ]);
  });

  it('lets node 05 write only nr.05.in and read only its deliveries and receipts', () => {
    const node = principal('node-05');
    const names = topicCatalogue.map((t) => t.name);
    expect(names.filter((t) => allows(node, 'topic', t, 'Write'))).toEqual(['nr.05.in']);
    expect(names.filter((t) => allows(node, 'topic', t, 'Read'))).toEqual(['nr.05.receipts', 'nr.05.out']);
    expect(allows(node, 'group', 'nr.05.mine', 'Read')).toBe(true);
    expect(allows(node, 'group', 'nr.06.theirs', 'Read')).toBe(false);
  });

  it('names only topics of the catalogue (a typo would grant nothing, silently)', () => {
    const names = new Set(topicCatalogue.map((t) => t.name));
    const unknown = policy.flatMap((p) =>
      p.bindings.filter((b) => b.resource === 'topic' && !b.prefixed && b.name !== '*' && !names.has(b.name)),
    );
    expect(unknown).toEqual([]);
  });

  it('keeps the lag monitor to describing', () => {
    const lag = principal('svc-lag-monitor');
    expect(new Set(lag.bindings.map((b) => b.operation))).toEqual(new Set(['Describe']));
    expect(allows(lag, 'topic', 'ncn.audit', 'Describe')).toBe(true);
    expect(allows(lag, 'topic', 'ncn.audit', 'Read')).toBe(false);
  });

  it('reports every problem of a bad file with its place', () => {
    const bad = JSON.stringify({
      principals: [
        { name: 'x', allow: [{ topic: 'a', ops: ['Fly'] }] },
        { name: 'y', allow: [{ topic: 'nr.{node}.in', ops: ['Write'] }] },
        { name: 'z', allow: [{ topic: 'a', group: 'b', ops: ['Read'] }] },
        { name: 'x', allow: [] },
      ],
    });
    expect(() => loadPolicy('bad.json', bad)).toThrow(PolicyError);
    try {
      loadPolicy('bad.json', bad);
    } catch (error) {
      expect((error as PolicyError).problems).toEqual([
        'principals[0].allow[0].ops: expected some of Read, Write, Describe, DescribeConfigs, IdempotentWrite, Create, got ["Fly"]',
        'principals[1].allow[0].topic: {node} is known only for a principal with "each": "node"',
        'principals[2].allow[0]: name exactly one of topic, group, transactionalId, cluster',
        'principals named twice: x',
      ]);
    }
  });
});

describe('client properties', () => {
  it('reads back the credentials it writes', () => {
    const sasl = { mechanism: 'scram-sha-512', username: 'svc-ingest', password: 's3cret' } as const;
    expect(parseClientProperties(clientProperties(sasl))).toEqual(sasl);
  });

  it('says what is missing', () => {
    expect(parseClientProperties('sasl.mechanism=GSSAPI')).toMatch(/sasl.mechanism should be one of/);
    expect(parseClientProperties('sasl.mechanism=PLAIN\nsasl.jaas.config=x required;')).toMatch(/username/);
  });
});
