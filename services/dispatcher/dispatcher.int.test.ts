import { randomBytes } from 'node:crypto';
import { NodeIds, type NodeId } from '../../contracts/nodes';
import { Topic, nodeTopic } from '../../contracts/topics';
import { startDispatcher, type Dispatcher } from './service';
import { startIngest, type Ingest } from '../ingest/service';
import { AvroSerde } from '../runtime/avro-serde';
import { validateDocument } from '../../lib/xml/validate';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { Collector, type Collected } from '../../test/support/collect';
import { catalogueReady, submitAs } from '../../test/support/ingest';
import { findCodiciFiscali } from '../../test/support/personal-data';
import { unique } from '../../test/support/unique';
import { validCandidatura, validVacancy } from '../../test/support/xml-cases';
import { comuneOf } from '../../test/support/canonical';

const run = randomBytes(4).toString('hex').toUpperCase();
const code = (n: number, node: string, kind: 'C' | 'V'): string =>
  `${node}${kind}${run}${String(n).padStart(14, '0')}`.slice(0, 25);

function cv(c: string, o: { scope: '01' | '02' | '03'; home: NodeId; previous?: string }): Buffer {
  let xml = validCandidatura
    .replace('12R0000000000000000000001', c)
    .replace(/<ambitodiffusione>\d\d</, `<ambitodiffusione>${o.scope}<`)
    .replace(/(<Domicilio>\s*<idcomune>)[A-Z]\d{3}</, `$1${comuneOf(o.home)}<`)
    .replace(/<cap>\d{5}<\/cap>(\s*<\/Domicilio>)/, '$1');
  if (o.previous) {
    xml = xml.replace(
      `<codicecandidatura>${c}</codicecandidatura>`,
      `<codicecandidatura>${c}</codicecandidatura><codicecandidaturaprecedente>${o.previous}</codicecandidaturaprecedente>`,
    );
  }
  return Buffer.from(xml);
}

const vacancy = (c: string): Buffer => Buffer.from(validVacancy.replace('08V2026112000000000000001', c));

interface Delivery {
  node: string;
  action: string;
  kind: string;
  root: string;
  version: number;
  xml: string | null;
  deliveryId: string;
}

const OutTopics = [...NodeIds.map((n) => nodeTopic.out(n)), Topic.euresOut, Topic.public, Topic.audit];
const Topics = [...OutTopics, Topic.candidature, Topic.scheduler];

describe('the dispatcher through the real stack (ingest → dispatcher)', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  let ingest: Ingest;
  let dispatcher: Dispatcher;
  let out: Collector;

  beforeAll(async () => {
    await catalogueReady(kafka);
    out = await Collector.start(kafka, serde, Topics);
    ingest = await startIngest({
      config: testConfig,
      kafka,
      serde,
      logger: silentLogger,
      groupId: unique('test.ingest'),
      fromBeginning: false,
    });
    dispatcher = await startDispatcher({
      config: testConfig,
      kafka,
      serde,
      logger: silentLogger,
      groupId: unique('test.dispatcher'),
      fromBeginning: false,
    });
    await Promise.all([ingest.runner.fetching, dispatcher.runner.fetching]);
  });

  afterAll(async () => {
    await Promise.all([ingest?.close(), dispatcher?.close()]);
    await out?.stop();
  });

  const deliveriesOf = (root: string, count: number) =>
    out.waitFor<Delivery>(
      (r) => /^nr\.\d\d\.out$/.test(r.topic) && r.key === root,
      (d) => d.length >= count,
    );
  const euresOf = (root: string) => out.records.filter((r) => r.topic === Topic.euresOut && r.key === root);
  const nodesOf = (list: readonly Collected<Delivery>[], action = 'UPSERT'): string[] =>
    list
      .filter((d) => d.value.action === action)
      .map((d) => d.value.node)
      .sort();
  const settle = (ms = 1_500) => new Promise((resolve) => setTimeout(resolve, ms));

  it('a national CV from node 05 reaches the 21 other nodes and no EURES, as valid XML', async () => {
    const c = code(1, '05', 'C');
    await submitAs(kafka, '05', [{ key: c, bytes: cv(c, { scope: '02', home: '05' }) }]);
    const list = await deliveriesOf(c, 21);
    await settle();
    expect(nodesOf(list)).toEqual(NodeIds.filter((n) => n !== '05'));
    expect(list).toHaveLength(21);
    for (const d of list) {
      expect(d.topic).toBe(nodeTopic.out(d.value.node as NodeId));
      expect(validateDocument(Buffer.from(d.value.xml ?? '')).issues).toEqual([]);
    }
    expect(euresOf(c)).toEqual([]);
  });

  it('a European CV reaches every regional node and EURES', async () => {
    const c = code(2, '05', 'C');
    await submitAs(kafka, '05', [{ key: c, bytes: cv(c, { scope: '03', home: '09' }) }]);
    const list = await deliveriesOf(c, 21);
    const eures = await out.waitFor(
      (r) => r.topic === Topic.euresOut && r.key === c,
      (e) => e.length >= 1,
    );
    await settle();
    expect(nodesOf(list)).toEqual(NodeIds.filter((n) => n !== '05'));
    expect(eures.map((e) => e.value.action)).toEqual(['UPSERT']);
    expect(String(eures[0]?.value.document)).toContain('<Candidate');
  });

  it('a vacancy reaches every other node and EURES', async () => {
    const c = code(3, '05', 'V');
    await submitAs(kafka, '05', [{ key: c, bytes: vacancy(c) }]);
    const list = await deliveriesOf(c, 21);
    await out.waitFor(
      (r) => r.topic === Topic.euresOut && r.key === c,
      (e) => e.length >= 1,
    );
    await settle();
    expect(nodesOf(list)).toEqual(NodeIds.filter((n) => n !== '05'));
    expect(euresOf(c).map((e) => e.value.action)).toEqual(['UPSERT']);
  });

  it('an update narrowing the scope sends withdrawals', async () => {
    const c1 = code(4, '05', 'C');
    const c2 = code(5, '05', 'C');
    await submitAs(kafka, '05', [{ key: c1, bytes: cv(c1, { scope: '03', home: '07' }) }]);
    await deliveriesOf(c1, 21);
    await submitAs(kafka, '05', [{ key: c2, bytes: cv(c2, { scope: '01', home: '07', previous: c1 }) }]);
    const list = await deliveriesOf(c1, 42);
    await settle();
    const second = list.filter((d) => d.value.version === 2);
    expect(nodesOf(second, 'UPSERT')).toEqual(['07']);
    expect(nodesOf(second, 'WITHDRAW')).toEqual(NodeIds.filter((n) => n !== '05' && n !== '07'));
    expect(euresOf(c1).map((e) => e.value.action)).toEqual(['UPSERT', 'WITHDRAW']);
    const ids = list.map((d) => d.value.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes each delivered version its expiry schedule, with the due time ingest gave it; a close a tombstone', async () => {
    const c1 = code(6, '05', 'C');
    const c2 = code(7, '05', 'C');
    const c3 = code(8, '05', 'C');
    await submitAs(kafka, '05', [{ key: c1, bytes: cv(c1, { scope: '02', home: '07' }) }]);
    await deliveriesOf(c1, 21);
    await submitAs(kafka, '05', [{ key: c2, bytes: cv(c2, { scope: '02', home: '07', previous: c1 }) }]);
    await deliveriesOf(c1, 42);
    const close = cv(c3, { scope: '02', home: '07', previous: c2 })
      .toString()
      .replace(
        '<tipocandidatura>01</tipocandidatura>',
        '<tipocandidatura>02</tipocandidatura><motivochiusura>01</motivochiusura>',
      );
    await submitAs(kafka, '05', [{ key: c3, bytes: Buffer.from(close) }]);
    await deliveriesOf(c1, 63);
    const schedules = await out.waitFor(
      (r) => r.topic === Topic.scheduler && r.key === c1,
      (s) => s.length >= 3,
    );
    const items = out.records.filter((r) => r.topic === Topic.candidature && r.key === c1);
    const dueOf = (version: number) =>
      (
        items.find((i) => (i.value.meta as { version: number }).version === version)?.value.meta as {
          expiresAt: number;
        }
      ).expiresAt;
    expect(schedules.map((s) => (s.raw.value === null ? null : s.value))).toEqual([
      expect.objectContaining({ root: c1, version: 1, node: '05', dueAt: dueOf(1) }),
      expect.objectContaining({ root: c1, version: 2, node: '05', dueAt: dueOf(2) }),
      null,
    ]);
  });

  it('audits every delivery, one event per decision naming its receivers, the codice fiscale as a keyed hash', async () => {
    const c = code(1, '05', 'C');
    const audit = out.records.filter((r) => r.topic === Topic.audit && r.key === c);
    const receivers = audit.flatMap((a) => (a.value.toNodes as string[] | null) ?? [String(a.value.toNode)]);
    expect(receivers).toHaveLength(21);
    expect(new Set(receivers).size).toBe(21);
    expect(audit.length).toBeLessThanOrEqual(2);
    expect(new Set(audit.map((a) => a.value.subjectHash)).size).toBe(1);
    expect(String(audit[0]?.value.subjectHash)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('no codice fiscale where rule 7 forbids it, in anything the tests produced', () => {
    let scanned = 0;
    for (const r of out.records) {
      if (!OutTopics.includes(r.topic)) continue;
      scanned++;
      const text = JSON.stringify(r.value);
      if (r.topic === Topic.euresOut || r.topic === Topic.public || r.topic === Topic.audit) {
        expect({ topic: r.topic, found: findCodiciFiscali(text) }).toEqual({ topic: r.topic, found: [] });
      } else {
        const d = r.value as unknown as Delivery;
        // Regional nodes receive CVs and vacancies in the standard: a codice fiscale only where it has its element.
        const xml = d.xml ?? '';
        const outside = xml.replace(/<(\w+:)?(codicefiscale|codicefiscaleintermediario)>[^<]*</g, '');
        expect(findCodiciFiscali(outside)).toEqual([]);
      }
    }
    expect(scanned).toBeGreaterThan(100);
  });
});
