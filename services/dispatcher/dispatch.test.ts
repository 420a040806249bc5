import { subjectHash } from '../../contracts/policy';
import avro from 'avsc';
import { avroSchema, type AvroRecordName } from '../../contracts/avro/schemas';
import { NodeIds, type NodeId } from '../../contracts/nodes';
import type { PercettoreArricchito } from '../../contracts/avro/types';
import { dispatch, type Dispatch, type Holding } from './dispatch';
import type { OutputRecord } from '../runtime/runner/types';
import { person } from '../../lib/gen/people';
import { Random } from '../../lib/gen/random';
import { generatePercettore } from '../../lib/gen/records';
import { validateDocument } from '../../lib/xml/validate';
import { findCodiciFiscali } from '../../test/support/personal-data';
import { canonical, comuneOf, type ItemOptions } from '../../test/support/canonical';

const KEY = 'test-audit-key-0123456789';
const ctx = { now: Date.UTC(2026, 10, 21, 9), hash: (cf: string) => subjectHash(KEY, cf) };
const WORKER_CF = 'RSSMRA85T10A562S';
const EMPLOYER_CF = '00488410010';
const RegionalNodes = NodeIds.filter((n) => n !== '00');

interface Delivered {
  readonly node: NodeId;
  readonly action: string;
  readonly xml: string | null;
  readonly version: number;
  readonly deliveryId: string;
}

const types = new Map<string, avro.Type>();
const typeOf = (name: AvroRecordName): avro.Type => {
  let type = types.get(name);
  if (type === undefined) types.set(name, (type = avro.Type.forSchema(avroSchema(name))));
  return type;
};

/** What one dispatch produced, read back through the Avro schemas of the topics. */
function read(result: Dispatch) {
  const decoded = (o: OutputRecord): Record<string, unknown> => {
    if (o.value === null || Buffer.isBuffer(o.value)) return {};
    const type = typeOf(o.value.avro);
    return type.fromBuffer(type.toBuffer(o.value.data)) as Record<string, unknown>;
  };
  const nodes: Delivered[] = [];
  const eures: Record<string, unknown>[] = [];
  const published: Record<string, unknown>[] = [];
  const audit: Record<string, unknown>[] = [];
  /** ncn.scheduler: a schedule, or null for a tombstone. */
  const schedules: (Record<string, unknown> | null)[] = [];
  let holding: Holding | undefined;
  for (const o of result.outputs) {
    const m = /^nr\.(\d\d)\.out$/.exec(o.topic);
    if (m) nodes.push(decoded(o) as unknown as Delivered);
    else if (o.topic === 'eures.out') eures.push(decoded(o));
    else if (o.topic === 'ncn.public') published.push(decoded(o));
    else if (o.topic === 'ncn.audit') audit.push(decoded(o));
    else if (o.topic === 'ncn.scheduler') schedules.push(o.value === null ? null : decoded(o));
    else if (o.topic === 'ncn.dispatcher.holders') holding = JSON.parse((o.value as Buffer).toString()) as Holding;
    else throw new Error(`unexpected topic ${o.topic}`);
  }
  const to = (action: string): NodeId[] =>
    nodes
      .filter((d) => d.action === action)
      .map((d) => d.node)
      .sort();
  /** The audit as one entry per receiver (an event names one in toNode, or several in toNodes). */
  const audited = audit.flatMap((a) =>
    ((a.toNodes as string[] | null) ?? [a.toNode as string]).map((t) => `${String(a.event)}/${t}`),
  );
  return { nodes, eures, published, audit, audited, schedules, holding, to, raw: result.outputs };
}

const cv = (prev: Holding | undefined, options: ItemOptions) =>
  dispatch(prev, { type: 'item', item: canonical('CANDIDATURA', options) }, ctx);

/** The scheduler's expiry of a CV of node 12 at `version`. */
const expiredEvent = (root: string | undefined, version: number) => ({
  type: 'expired' as const,
  expired: { root: root ?? '', kind: 'CANDIDATURA' as const, version, node: '12', dueAt: 0, expiredAt: 0 },
});

describe('routing table: every sender, scope and domicile region (rules 1, 2)', () => {
  const senders = [...NodeIds];
  const scopes = ['01', '02', '03'] as const;
  it.each(senders)('a CV sent by node %s', (sender) => {
    let checked = 0;
    for (const scope of scopes) {
      for (const home of RegionalNodes) {
        const out = read(cv(undefined, { node: sender, scope, domicile: comuneOf(home) }));
        const expected = scope === '01' ? (home === sender ? [] : [home]) : NodeIds.filter((n) => n !== sender).sort();
        expect({ scope, home, nodes: out.to('UPSERT') }).toEqual({ scope, home, nodes: expected });
        expect(out.nodes.every((d) => d.action === 'UPSERT')).toBe(true);
        expect(out.nodes.map((d) => d.node)).not.toContain(sender);
        expect(out.eures.map((e) => e.action)).toEqual(scope === '03' ? ['UPSERT'] : []);
        // One audit event per action and rule of the decision, naming every receiver.
        expect(out.audited).toEqual([
          ...out.nodes.map((d) => `DELIVERED/${d.node}`),
          ...out.eures.map(() => 'DELIVERED_EURES/EURES'),
        ]);
        expect(out.audit).toHaveLength((out.nodes.length > 0 ? 1 : 0) + out.eures.length);
        expect(out.published.map((p) => p.action)).toEqual(['PUBLISH']);
        expect(out.holding?.holders).toEqual(expected);
        expect(out.schedules).toEqual([
          {
            root: out.holding?.root,
            kind: 'CANDIDATURA',
            version: 1,
            node: sender,
            dueAt: Date.UTC(2027, 0, 19, 10),
            scheduledAt: Date.UTC(2026, 10, 20, 10),
          },
        ]);
        const xml = new Set(out.nodes.map((d) => d.xml));
        expect(xml.size).toBeLessThanOrEqual(1);
        for (const x of xml) expect(validateDocument(Buffer.from(x ?? '')).issues).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBe(3 * 21);
  });

  it('spells out the cases the seeds name', () => {
    const national = read(cv(undefined, { node: '05', scope: '02', domicile: comuneOf('05') }));
    expect(national.to('UPSERT')).toHaveLength(21);
    expect(national.to('UPSERT')).toContain('00');
    expect(national.to('UPSERT')).not.toContain('05');
    expect(national.eures).toEqual([]);
    const regionalFromPortal = read(cv(undefined, { node: '00', scope: '01', domicile: comuneOf('21') }));
    expect(regionalFromPortal.to('UPSERT')).toEqual(['21']);
    const regionalAtHome = read(cv(undefined, { node: '22', scope: '01', domicile: comuneOf('22') }));
    expect(regionalAtHome.nodes).toEqual([]);
    expect(regionalAtHome.published).toHaveLength(1);
    const european = read(cv(undefined, { node: '21', scope: '03', domicile: comuneOf('22') }));
    expect(european.to('UPSERT')).toEqual(NodeIds.filter((n) => n !== '21'));
    expect(european.eures[0]?.document).toContain('<Candidate');
  });

  it.each(senders)('a vacancy sent by node %s goes to every other node and EURES', (sender) => {
    const out = read(dispatch(undefined, { type: 'item', item: canonical('VACANCY', { node: sender }) }, ctx));
    expect(out.to('UPSERT')).toEqual(NodeIds.filter((n) => n !== sender));
    expect(out.eures.map((e) => e.action)).toEqual(['UPSERT']);
    expect(out.eures[0]?.document).toContain('<PositionOpening');
    for (const x of new Set(out.nodes.map((d) => d.xml))) {
      expect(validateDocument(Buffer.from(x ?? '')).issues).toEqual([]);
    }
  });
});

describe('update sequences (rule 5)', () => {
  const first = (options: ItemOptions) => cv(undefined, { node: '12', version: 1, ...options }).next;

  it('national → regional: withdrawn from every node but the domicile region', () => {
    const prev = first({ scope: '02', domicile: comuneOf('05') });
    const out = read(cv(prev, { node: '12', version: 2, scope: '01', domicile: comuneOf('05') }));
    expect(out.to('UPSERT')).toEqual(['05']);
    expect(out.to('WITHDRAW')).toEqual(NodeIds.filter((n) => n !== '12' && n !== '05'));
    expect(out.holding?.holders).toEqual(['05']);
    expect(out.nodes.every((d) => d.version === 2)).toBe(true);
  });

  it('regional → national: every node gets it, nothing is withdrawn', () => {
    const prev = first({ scope: '01', domicile: comuneOf('05') });
    const out = read(cv(prev, { node: '12', version: 2, scope: '02', domicile: comuneOf('05') }));
    expect(out.to('UPSERT')).toEqual(NodeIds.filter((n) => n !== '12'));
    expect(out.to('WITHDRAW')).toEqual([]);
  });

  it('domicile moved: the old region withdrawn, the new one served', () => {
    const prev = first({ scope: '01', domicile: comuneOf('05') });
    const out = read(cv(prev, { node: '12', version: 2, scope: '01', domicile: comuneOf('21') }));
    expect(out.to('UPSERT')).toEqual(['21']);
    expect(out.to('WITHDRAW')).toEqual(['05']);
  });

  it('European → national: EURES gets a withdrawal', () => {
    const prev = first({ scope: '03', domicile: comuneOf('05') });
    const out = read(cv(prev, { node: '12', version: 2, scope: '02', domicile: comuneOf('05') }));
    expect(out.eures.map((e) => [e.action, e.idempotencyKey, e.document])).toEqual([
      ['WITHDRAW', `${prev?.root}/2/WITHDRAW`, null],
    ]);
  });

  it('close: every holder and EURES get CLOSE, publication ends, a later expiry does nothing', () => {
    const prev = first({ scope: '03', domicile: comuneOf('05') });
    const out = read(cv(prev, { node: '12', version: 2, action: 'CLOSE', expiresAt: null }));
    expect(out.to('CLOSE')).toEqual(NodeIds.filter((n) => n !== '12'));
    expect(out.nodes.every((d) => d.xml === null)).toBe(true);
    expect(out.eures.map((e) => e.action)).toEqual(['CLOSE']);
    expect(out.published.map((p) => p.action)).toEqual(['UNPUBLISH']);
    expect(out.holding).toMatchObject({ status: 'CLOSED', holders: [] });
    expect(out.schedules).toEqual([null]);
    const late = dispatch(out.holding, expiredEvent(prev?.root, 2), ctx);
    expect(late.outputs).toEqual([]);
    expect(late.skipped).toMatch(/CLOSED/);
  });

  it('expiry: every holder gets EXPIRE once; an expiry of an older version does nothing', () => {
    const v1 = first({ scope: '01', domicile: comuneOf('07') });
    const v2 = cv(v1, { node: '12', version: 2, scope: '03', domicile: comuneOf('07') }).next;
    const expired = (version: number) => expiredEvent(v2?.root, version);
    expect(dispatch(v2, expired(1), ctx).outputs).toEqual([]);
    const out = read(dispatch(v2, expired(2), ctx));
    expect(out.to('EXPIRE')).toEqual(NodeIds.filter((n) => n !== '12'));
    expect(out.eures.map((e) => e.action)).toEqual(['EXPIRE']);
    expect(out.holding).toMatchObject({ status: 'EXPIRED', holders: [], eures: false });
    expect(out.schedules).toEqual([]); // the scheduler tombstoned it as it fired
    expect(dispatch(out.holding, expired(2), ctx).outputs).toEqual([]);
  });

  it('an update of an expired item renews it: delivered again and scheduled again (rule 4)', () => {
    const v1 = first({ scope: '02', domicile: comuneOf('07') });
    const ended = dispatch(v1, expiredEvent(v1?.root, 1), ctx).next;
    const dueAt = Date.UTC(2027, 1, 1);
    const out = read(cv(ended, { node: '12', version: 2, scope: '02', domicile: comuneOf('07'), expiresAt: dueAt }));
    expect(out.to('UPSERT')).toEqual(NodeIds.filter((n) => n !== '12'));
    expect(out.to('WITHDRAW')).toEqual([]);
    expect(out.schedules).toMatchObject([{ version: 2, dueAt }]);
    expect(out.holding).toMatchObject({ status: 'ACTIVE', version: 2 });
  });

  it('a version not newer than the one held is skipped', () => {
    const v2 = cv(undefined, { node: '12', version: 2, scope: '02', domicile: comuneOf('05') }).next;
    const out = cv(v2, { node: '12', version: 2, scope: '01', domicile: comuneOf('05') });
    expect(out.outputs).toEqual([]);
    expect(out.next).toBeUndefined();
  });

  it('every delivery of a version has its own stable id', () => {
    const a = read(cv(undefined, { node: '12', scope: '02', domicile: comuneOf('05') }));
    const b = read(cv(undefined, { node: '12', scope: '02', domicile: comuneOf('05') }));
    expect(a.nodes.map((d) => d.deliveryId)).toEqual(b.nodes.map((d) => d.deliveryId));
    expect(new Set(a.nodes.map((d) => d.deliveryId)).size).toBe(21);
  });
});

describe('INPS records (rule 3)', () => {
  const who = person(new Random(5), '05');
  const record = (node: string, op = 'I', id = 'INPS1'): PercettoreArricchito => ({
    percettore: {
      ...generatePercettore(new Random(6), who, new Date(ctx.now), 1),
      idComunicazione: id,
      tipoOperazione: op,
      codiceFiscale: WORKER_CF,
    },
    qualifica: '5.2.2.1.0',
    fonteQualifica: 'CO',
    qualificaCo: '5.2.2.1.0',
    dataInizioRapportoCo: 19000,
    nodoDestinazione: node,
    arricchitoIl: ctx.now,
  });
  it.each(RegionalNodes)('goes to the domicile region %s only', (node) => {
    const out = read({ ...dispatch(undefined, { type: 'percettore', record: record(node) }, ctx) });
    expect(out.nodes.map((d) => [d.node, d.action])).toEqual([[node, 'UPSERT']]);
    expect(out.eures).toEqual([]);
    expect(out.published).toEqual([]);
  });
  it('a move withdraws it from the old region; a cancellation closes it', () => {
    const first = dispatch(undefined, { type: 'percettore', record: record('05') }, ctx).next;
    const moved = dispatch(first, { type: 'percettore', record: record('09', 'U', 'INPS2') }, ctx);
    expect(read(moved).nodes.map((d) => [d.node, d.action])).toEqual([
      ['09', 'UPSERT'],
      ['05', 'WITHDRAW'],
    ]);
    const cancelled = read(dispatch(moved.next, { type: 'percettore', record: record('09', 'D', 'INPS3') }, ctx));
    expect(cancelled.nodes.map((d) => [d.node, d.action])).toEqual([['09', 'CLOSE']]);
  });
  it('refuses a record with no node to go to', () => {
    expect(() => dispatch(undefined, { type: 'percettore', record: record('99') }, ctx)).toThrow(/not a node/);
  });
});

describe('personal data (rule 7)', () => {
  const personal = [WORKER_CF, EMPLOYER_CF, 'Rossi', 'Mario', '1985-12-10', 'mario.rossi@example.it', '3331234567'];
  it('EURES and the public projection carry no codice fiscale, name, birth date or contact; the audit only a hash', () => {
    const outs = [
      read(cv(undefined, { node: '12', scope: '03', domicile: comuneOf('05') })),
      read(dispatch(undefined, { type: 'item', item: canonical('VACANCY', { node: '12' }) }, ctx)),
    ];
    for (const out of outs) {
      const text = JSON.stringify([out.eures, out.published, out.audit]);
      for (const p of personal) expect(text).not.toContain(p);
    }
    expect(outs[0]?.audit[0]?.subjectHash).toBe(subjectHash(KEY, WORKER_CF));
    expect(outs[1]?.audit[0]?.subjectHash).toBe(subjectHash(KEY, EMPLOYER_CF));
    // The regional nodes do receive the CV in full: the standard's exchange between public offices.
    expect(findCodiciFiscali(outs[0]?.nodes[0]?.xml ?? '')).toEqual([WORKER_CF]);
    expect(findCodiciFiscali(outs[1]?.nodes[0]?.xml ?? '')).toEqual([EMPLOYER_CF]);
    for (const out of outs)
      expect(findCodiciFiscali(JSON.stringify([out.eures, out.published, out.audit]))).toEqual([]);
  });
  it("an INPS record's audit events name the person by the keyed hash only, in value and key", () => {
    const record: PercettoreArricchito = {
      percettore: {
        ...generatePercettore(new Random(6), person(new Random(5), '05'), new Date(ctx.now), 1),
        idComunicazione: 'INPS1',
        tipoOperazione: 'I',
        codiceFiscale: WORKER_CF,
      },
      qualifica: '5.2.2.1.0',
      fonteQualifica: 'CO',
      qualificaCo: '5.2.2.1.0',
      dataInizioRapportoCo: 19000,
      nodoDestinazione: '05',
      arricchitoIl: ctx.now,
    };
    const out = read(dispatch(undefined, { type: 'percettore', record }, ctx));
    const audit = out.raw.filter((o) => o.topic === 'ncn.audit');
    expect(audit).toHaveLength(1);
    expect(out.audit[0]).toMatchObject({ kind: 'PERCETTORE', root: subjectHash(KEY, WORKER_CF), toNode: '05' });
    expect(audit[0]?.key).toBe(subjectHash(KEY, WORKER_CF));
    expect(findCodiciFiscali(JSON.stringify(out.audit))).toEqual([]);
    // The region it is addressed to does receive the record, codice fiscale included.
    expect(findCodiciFiscali(JSON.stringify(out.nodes))).toContain(WORKER_CF);
  });
});
