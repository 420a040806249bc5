import { NodeIds } from '../../contracts/nodes';
import {
  acknowledgedKept,
  checkInvariants,
  expectedRoute,
  forbiddenCodiciFiscali,
  inputCounts,
  replay,
  type Delivery,
  type ItemVersion,
  type Observed,
} from './invariants';

const cv = (over: Partial<ItemVersion> = {}): ItemVersion => ({
  kind: 'CANDIDATURA',
  root: 'R1',
  code: 'R1',
  version: 1,
  sender: '05',
  action: 'SEND',
  scope: '02',
  homeNode: '12',
  ...over,
});
const upsert = (to: string, version = 1, root = 'R1'): Delivery => ({
  to,
  kind: 'CANDIDATURA',
  action: 'UPSERT',
  root,
  code: root,
  version,
  id: `${root}/${version}/UPSERT/${to}`,
});
const other = (to: string, action: Delivery['action'], version: number): Delivery => ({
  ...upsert(to, version),
  action,
  id: `R1/${version}/${action}/${to}`,
});

/** A world in which one national CV from node 05 was submitted, accepted and delivered as the rules say. */
function world(over: Partial<Observed> = {}): Observed {
  const item = cv();
  return {
    submissions: [{ node: '05', partition: 0, offset: '0', sha256: 'h1' }],
    receipts: [
      {
        node: '05',
        kind: 'CANDIDATURA',
        partition: 0,
        offset: '0',
        outcome: 'ACCEPTED',
        root: 'R1',
        code: 'R1',
        sha256: 'h1',
        codes: [],
      },
    ],
    items: [item],
    expired: [],
    deliveries: expectedRoute(item).nodes.map((n) => upsert(n)),
    eures: [],
    messages: [],
    messageDeliveries: [],
    publishedCodes: new Set(),
    euresHeld: [],
    inps: [],
    deadLetters: [],
    poison: new Map(),
    lag: new Map([['dispatcher', 0]]),
    personalData: { scanned: 21, leaks: [] },
    ...over,
  };
}

/** The world with a second version of R1 (code R1b), submitted and accepted after the first. */
const withSecond = (over: Partial<ItemVersion>): Partial<Observed> => ({
  items: [cv(), cv({ code: 'R1b', version: 2, ...over })],
  receipts: [
    ...world().receipts,
    {
      node: '05',
      kind: 'CANDIDATURA',
      partition: 0,
      offset: '1',
      outcome: 'ACCEPTED',
      root: 'R1',
      code: 'R1b',
      sha256: 'h2',
      codes: [],
    },
  ],
  submissions: [...world().submissions, { node: '05', partition: 0, offset: '1', sha256: 'h2' }],
});

const violated = (o: Observed): Record<string, number> =>
  Object.fromEntries(checkInvariants(o).flatMap((v) => (v.violations > 0 ? [[v.name, v.violations]] : [])));

describe('the chaos invariants', () => {
  it('find nothing wrong in a world that followed the rules', () => {
    expect(violated(world())).toEqual({});
  });

  it('route by rule: national to all but the sender, regional to the domicile node, vacancies and European CVs to EURES', () => {
    expect(expectedRoute(cv()).nodes).toEqual(NodeIds.filter((n) => n !== '05'));
    expect(expectedRoute(cv({ scope: '01' }))).toEqual({ nodes: ['12'], eures: false });
    expect(expectedRoute(cv({ scope: '01', homeNode: '05' }))).toEqual({ nodes: [], eures: false });
    expect(expectedRoute(cv({ scope: '03' })).eures).toBe(true);
    expect(expectedRoute(cv({ kind: 'VACANCY', scope: null })).eures).toBe(true);
  });

  it('replay refuses deliveries out of order', () => {
    expect(replay([upsert('01', 2), upsert('01', 1)])).toBe('UPSERT v1 after v2');
    expect(replay([other('01', 'WITHDRAW', 1)])).toBe('WITHDRAW v1 of an item not held');
    expect(replay([upsert('01'), other('01', 'CLOSE', 2), upsert('01', 3)])).toBe('UPSERT v3 after CLOSE');
    expect(replay([upsert('01'), other('01', 'WITHDRAW', 2)])).toEqual({ state: 'none' });
  });

  it('catch a missing receipt, a second receipt and a receipt for nothing', () => {
    const w = world();
    expect(violated({ ...w, receipts: [] })).toMatchObject({ 'every submission has exactly one receipt': 1 });
    expect(violated({ ...w, receipts: [...w.receipts, ...w.receipts] })).toMatchObject({
      'every submission has exactly one receipt': 1,
    });
    const stray = { ...w.receipts[0]!, offset: '9' };
    expect(violated({ ...w, receipts: [...w.receipts, stray] })).toMatchObject({
      'every submission has exactly one receipt': 1,
    });
  });

  it('catch a missing node, an extra node and a duplicate delivery', () => {
    const w = world();
    expect(violated({ ...w, deliveries: w.deliveries.slice(1) })).toEqual({
      "each item's node deliveries match the rules for its final state": 1,
    });
    expect(violated({ ...w, deliveries: [...w.deliveries, upsert('05')] })).toEqual({
      "each item's node deliveries match the rules for its final state": 1,
    });
    expect(violated({ ...w, deliveries: [...w.deliveries, upsert('01')] })).toEqual({
      'no delivery twice (by delivery id / idempotency key)': 1,
    });
  });

  it('want withdrawals where the scope narrowed, and closes to every holder', () => {
    const narrowed = world(withSecond({ scope: '01' }));
    const withdrawn = [
      ...world().deliveries,
      upsert('12', 2),
      ...NodeIds.filter((n) => n !== '05' && n !== '12').map((n) => other(n, 'WITHDRAW', 2)),
    ];
    expect(violated({ ...narrowed, deliveries: withdrawn })).toEqual({});
    // One withdrawal missing: that node still holds version 1.
    const missing = withdrawn.filter((d) => d.id !== 'R1/2/WITHDRAW/01');
    expect(violated({ ...narrowed, deliveries: missing })).toEqual({
      "each item's node deliveries match the rules for its final state": 1,
    });
  });

  it('take an expiry before a close as the end, and an update after an expiry as a renewal', () => {
    const nodes = NodeIds.filter((n) => n !== '05');
    const expiredV1 = [...world().deliveries, ...nodes.map((n) => other(n, 'EXPIRE', 1))];
    // Closed after version 1 had expired: the expiry ended it, the close found nothing to close.
    const closed = world({ ...withSecond({ action: 'CLOSE', scope: null }), expired: [{ root: 'R1', version: 1 }] });
    expect(violated({ ...closed, deliveries: expiredV1 })).toEqual({});
    expect(violated({ ...closed, deliveries: world().deliveries })).toEqual({
      "each item's node deliveries match the rules for its final state": nodes.length,
    });
    // A close without an expiry must reach every holder as a close.
    expect(violated({ ...closed, expired: [], deliveries: expiredV1 })).toEqual({
      "each item's node deliveries match the rules for its final state": nodes.length,
    });
    // Updated after version 1 expired: the nodes hold version 2 again.
    const renewed = world({ ...withSecond({}), expired: [{ root: 'R1', version: 1 }] });
    expect(violated({ ...renewed, deliveries: [...expiredV1, ...nodes.map((n) => upsert(n, 2))] })).toEqual({});
    expect(violated({ ...renewed, deliveries: expiredV1 })).toEqual({
      "each item's node deliveries match the rules for its final state": nodes.length,
    });
    // Renewed with a scope that no longer reaches the nodes: the expiry was their end.
    const narrowed = world({ ...withSecond({ scope: '01', homeNode: '05' }), expired: [{ root: 'R1', version: 1 }] });
    expect(violated({ ...narrowed, deliveries: expiredV1 })).toEqual({});
    expect(violated({ ...narrowed, deliveries: world().deliveries })).toEqual({
      "each item's node deliveries match the rules for its final state": nodes.length,
    });
    expect(replay([upsert('01', 2), other('01', 'EXPIRE', 2), upsert('01', 2)])).toBe('UPSERT v2 after EXPIRE');
  });

  it('want every INPS record once at its region, unroutable ones in the DLQ', () => {
    const inps = [
      { id: 'I1', codiceFiscale: 'X', operation: 'I', partition: 0, offset: '0', homeNode: '07' },
      { id: 'I2', codiceFiscale: 'Y', operation: 'I', partition: 0, offset: '1', homeNode: null },
    ];
    const to07: Delivery = { ...upsert('07', 1, 'X'), kind: 'PERCETTORE', code: 'I1', id: 'X/1/UPSERT/07' };
    const letter = { sha256: 'z', sourceTopic: 'inps.percettori', sourcePartition: 0, sourceOffset: '1' };
    const w = world({ inps, deliveries: [...world().deliveries, to07], deadLetters: [letter] });
    expect(violated(w)).toEqual({});
    expect(violated({ ...w, deadLetters: [] })).toEqual({ 'every INPS record reaches its region once': 1 });
    expect(violated({ ...w, deliveries: [...world().deliveries, { ...to07, to: '08', id: 'X/1/UPSERT/08' }] })).toEqual(
      {
        'every INPS record reaches its region once': 1,
      },
    );
  });

  it('want each EURES document held once, nothing else held, rejected submissions in the DLQ, lag zero', () => {
    const doc: Delivery = { ...upsert('EURES'), id: 'R1/1/UPSERT' };
    const w = world({ items: [cv({ scope: '03' })], eures: [doc], euresHeld: ['R1/1/UPSERT'] });
    expect(violated(w)).toEqual({});
    expect(violated({ ...w, euresHeld: [] })).toMatchObject({ 'EURES received each due document exactly once': 1 });
    expect(violated({ ...w, euresHeld: ['R1/1/UPSERT', 'R9/1/UPSERT'] })).toMatchObject({
      'EURES received each due document exactly once': 1,
    });
    const rejected = world({
      receipts: [{ ...world().receipts[0]!, outcome: 'REJECTED', root: null, code: null, codes: ['XML_MALFORMED'] }],
      items: [],
      deliveries: [],
      poison: new Map([['05:0:0', 'XML_MALFORMED']]),
    });
    expect(violated(rejected)).toEqual({ 'every rejected submission is in the DLQ with its original bytes': 1 });
    const buried = { sha256: 'h1', sourceTopic: 'nr.05.in', sourcePartition: 0, sourceOffset: '0' };
    expect(violated({ ...rejected, deadLetters: [buried] })).toEqual({});
    expect(violated({ ...rejected, deadLetters: [buried], poison: new Map([['05:0:0', 'XML_TOO_LARGE']]) })).toEqual({
      'each poison submission is refused for its reason': 1,
    });
    expect(violated({ ...w, lag: new Map([['dispatcher', 3]]) })).toEqual({ 'consumer lag returns to zero': 1 });
  });

  it('read rule 7: a node may get a codice fiscale in its elements and in its INPS record; EURES, public and audit none', () => {
    const cf = 'RSSMRA85T10A562S';
    const xml = `<Lavoratore><codicefiscale>${cf}</codicefiscale><nome>Mario</nome></Lavoratore>`;
    expect(forbiddenCodiciFiscali('node', 'R1', { deliveryId: 'R1/1/UPSERT/12', xml })).toEqual([]);
    expect(forbiddenCodiciFiscali('node', cf, { kind: 'PERCETTORE', root: cf, percettore: { cf } })).toEqual([]);
    expect(forbiddenCodiciFiscali('node', 'R1', { xml: `${xml}<note>${cf}</note>` })).toEqual([cf]);
    const agency = '01234567897';
    const message = `<Interlocutore><codicefiscale>${agency}</codicefiscale><codiceintermediario>${agency}</codiceintermediario></Interlocutore>`;
    expect(forbiddenCodiciFiscali('node', 'V1', { kind: 'MESSAGGIO', xml: message })).toEqual([]);
    expect(
      forbiddenCodiciFiscali('node', 'V1', {
        kind: 'MESSAGGIO',
        xml: `${message}<testomessaggio>${agency}</testomessaggio>`,
      }),
    ).toEqual([agency]);
    expect(forbiddenCodiciFiscali('node', 'R1', { xml, rule: `for ${cf}` })).toEqual([cf]);
    expect(forbiddenCodiciFiscali('node', cf, { kind: 'CANDIDATURA', xml })).toEqual([cf]);
    expect(forbiddenCodiciFiscali('eures', 'R1', { document: xml })).toEqual([cf]);
    expect(forbiddenCodiciFiscali('public', 'R1', { description: `contact ${cf.toLowerCase()}` })).toEqual([cf]);
    expect(forbiddenCodiciFiscali('audit', cf, { kind: 'PERCETTORE', subjectHash: 'ab12' })).toEqual([cf]);
    expect(forbiddenCodiciFiscali('audit', 'ab12', { kind: 'PERCETTORE', root: 'ab12' })).toEqual([]);
    // A keyed hash whose digits happen to hold a numeric one is a hash; the same digits alone are not.
    const hash = `aa58643955568${'b'.repeat(51)}`;
    expect(forbiddenCodiciFiscali('audit', hash, { subjectHash: hash })).toEqual([]);
    expect(forbiddenCodiciFiscali('audit', 'R1', { rule: 'x 58643955568' })).toEqual(['58643955568']);
    // A string of the shape whose check character is wrong is not one.
    expect(forbiddenCodiciFiscali('public', 'R1', { description: 'RSSMRA85T10A562X' })).toEqual([]);
    const w = world();
    const leak = { topic: 'eures.out', id: 'R1/1/UPSERT', found: [cf] };
    expect(violated({ ...w, personalData: { scanned: 21, leaks: [leak] } })).toEqual({
      'no codice fiscale where rule 7 forbids it': 1,
    });
    expect(checkInvariants(w).find((v) => v.name.startsWith('no codice fiscale'))?.checked).toBe(21);
  });

  describe('contact messages', () => {
    // Node 15 created vacancy V1; node 05 wrote a 03 (M3) about it, node 15 replied (M4).
    const vacancy = cv({ kind: 'VACANCY', root: 'V1', code: 'V1', sender: '15', scope: null, homeNode: null });
    const sent = (node: string, offset: string, code: string, tipo: '03' | '04', answers: string | null = null) => ({
      node,
      partition: 0,
      offset,
      code,
      tipo,
      about: 'V1',
      answers,
    });
    const receipt = (node: string, offset: string, code: string, outcome = 'ACCEPTED') => ({
      node,
      kind: 'MESSAGGIO',
      partition: 0,
      offset,
      outcome,
      root: outcome === 'ACCEPTED' ? 'V1' : null,
      code,
      sha256: `h${code}`,
      codes: outcome === 'ACCEPTED' ? [] : ['REPLY_NOT_RECEIVED'],
    });
    const message = (to: string, code: string): Delivery => ({
      to,
      kind: 'MESSAGGIO',
      action: 'MESSAGE',
      root: 'V1',
      code,
      version: 1,
      id: `V1/${code}/MESSAGE/${to}`,
    });
    const base = world();
    const withMessages = (over: Partial<Observed> = {}): Observed => ({
      ...base,
      items: [...base.items, vacancy],
      receipts: [
        ...base.receipts,
        { ...base.receipts[0]!, node: '15', kind: 'VACANCY', offset: '9', root: 'V1', code: 'V1', sha256: 'hV1' },
        receipt('05', '1', 'M3'),
        receipt('15', '2', 'M4'),
      ],
      submissions: [
        ...base.submissions,
        { node: '15', partition: 0, offset: '9', sha256: 'hV1' },
        { node: '05', partition: 0, offset: '1', sha256: 'hM3' },
        { node: '15', partition: 0, offset: '2', sha256: 'hM4' },
      ],
      deliveries: [...base.deliveries, ...expectedRoute(vacancy).nodes.map((n) => upsert(n, 1, 'V1'))],
      eures: [{ ...upsert('EURES', 1, 'V1'), id: 'V1/1/UPSERT' }],
      euresHeld: ['V1/1/UPSERT'],
      messages: [sent('05', '1', 'M3', '03'), sent('15', '2', 'M4', '04', 'M3')],
      messageDeliveries: [message('15', 'M3'), message('05', 'M4')],
      ...over,
    });

    it('find nothing wrong when each accepted message reached its node once', () => {
      expect(violated(withMessages())).toEqual({});
    });

    it('want a 03 at the item\u2019s owner and a 04 at the node of the 03, once each', () => {
      const routed = 'every accepted message reaches exactly the node it is due to, once';
      expect(violated(withMessages({ messageDeliveries: [message('07', 'M3'), message('05', 'M4')] }))).toEqual({
        [routed]: 1,
      });
      expect(violated(withMessages({ messageDeliveries: [message('15', 'M3')] }))).toEqual({ [routed]: 1 });
      expect(
        violated(withMessages({ messageDeliveries: [message('15', 'M3'), message('15', 'M3'), message('05', 'M4')] })),
      ).toMatchObject({ [routed]: 1, 'no delivery twice (by delivery id / idempotency key)': 1 });
    });

    it('want a 04 accepted only from the node its 03 was delivered to', () => {
      const w = withMessages();
      const stray = withMessages({
        receipts: [...w.receipts.slice(0, -1), receipt('07', '2', 'M4')],
        submissions: [...w.submissions.slice(0, -1), { node: '07', partition: 0, offset: '2', sha256: 'hM4' }],
        messages: [sent('05', '1', 'M3', '03'), sent('07', '2', 'M4', '04', 'M3')],
      });
      expect(violated(stray)).toEqual({ 'every accepted message reaches exactly the node it is due to, once': 1 });
    });

    it('want nothing delivered unless accepted, and no message code public or at EURES', () => {
      const w = withMessages();
      const refused = withMessages({
        receipts: [...w.receipts.slice(0, -1), receipt('15', '2', 'M4', 'REJECTED')],
        deadLetters: [{ sha256: 'hM4', sourceTopic: 'nr.15.in', sourcePartition: 0, sourceOffset: '2' }],
      });
      expect(violated(refused)).toEqual({ 'no message delivered unless accepted, none public or to EURES': 1 });
      expect(violated(withMessages({ publishedCodes: new Set(['M3']) }))).toEqual({
        'no message delivered unless accepted, none public or to EURES': 1,
      });
    });
  });
});

describe('acknowledged records after the faults', () => {
  it('holds when every topic has what was acknowledged, and names the topic short of it', () => {
    const acked = new Map([
      ['nr.01.in', 3],
      ['inps.percettori', 2],
    ]);
    expect(
      acknowledgedKept(
        acked,
        new Map([
          ['nr.01.in', 3],
          ['inps.percettori', 2],
        ]),
      ),
    ).toMatchObject({
      checked: 5,
      violations: 0,
    });
    const short = acknowledgedKept(
      acked,
      new Map([
        ['nr.01.in', 1],
        ['inps.percettori', 2],
      ]),
    );
    expect(short).toMatchObject({ checked: 5, violations: 2 });
    expect(short.examples[0]).toBe('nr.01.in: 3 acknowledged, 1 read back');
  });

  it('counts what was read back per input topic', () => {
    const o = {
      submissions: [
        { node: '01', partition: 0, offset: '0', sha256: 'a' },
        { node: '01', partition: 1, offset: '0', sha256: 'b' },
        { node: '02', partition: 0, offset: '0', sha256: 'c' },
      ],
      inps: [],
    } as unknown as Parameters<typeof inputCounts>[0];
    expect(inputCounts(o, (n) => `nr.${n}.in`, 'inps.percettori')).toEqual(
      new Map([
        ['nr.01.in', 2],
        ['nr.02.in', 1],
        ['inps.percettori', 0],
      ]),
    );
  });
});
