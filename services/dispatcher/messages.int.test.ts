import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Receipt } from '../../contracts/avro/types';
import { NodeIds, type NodeId } from '../../contracts/nodes';
import { subjectHash } from '../../contracts/policy';
import { Topic, nodeTopic } from '../../contracts/topics';
import { startAuditIndexer } from '../audit/service';
import { createRedis } from '../runtime/redis';
import { startDispatcher, type Dispatcher } from './service';
import { startIngest, type Ingest } from '../ingest/service';
import { AvroSerde } from '../runtime/avro-serde';
import { validateDocument } from '../../lib/xml/validate';
import { runNcn } from '../../test/support/cli';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { Collector } from '../../test/support/collect';
import { consumeUntil, endOffsets, type Marks } from '../../test/support/consume';
import { catalogueReady, sha256, submitAs } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';
import { validVacancy } from '../../test/support/xml-cases';

/** 25-digit codes unique to this run: node, a kind digit (2 vacancy, 3 interest, 4 reply), the run, a number. */
const run = String(randomInt(10_000_000, 99_999_999));
const code = (node: NodeId, kind: 2 | 3 | 4, n: number): string => `${node}${kind}${run}${String(n).padStart(14, '0')}`;

const messaggio = readFileSync(join(__dirname, '../../test/fixtures/xml/messaggio-valid.xml'), 'utf8');

function vacancy(c: string, options: { previous?: string; close?: boolean } = {}): Buffer {
  let xml = validVacancy.replace('08V2026112000000000000001', c);
  if (options.previous) {
    xml = xml.replace(
      `<cl:codiceofferta>${c}</cl:codiceofferta>`,
      `<cl:codiceofferta>${c}</cl:codiceofferta><cl:codiceoffertaprecedente>${options.previous}</cl:codiceoffertaprecedente>`,
    );
  }
  if (options.close) {
    xml = xml.replace(
      '<cl:tipoofferta>01</cl:tipoofferta>',
      '<cl:tipoofferta>02</cl:tipoofferta><cl:motivochiusura>01</cl:motivochiusura>',
    );
  }
  return Buffer.from(xml);
}

function message(c: string, about: string, options: { answers?: string; text?: string } = {}): Buffer {
  let xml = messaggio.replace('0532026112000000000000001', c).replace('0822026112000000000000001', about);
  if (options.answers) {
    xml = xml
      .replace('<tipocomunicazione>03</tipocomunicazione>', '<tipocomunicazione>04</tipocomunicazione>')
      .replace(
        `<codicemessaggio>${c}</codicemessaggio>`,
        `<codicemessaggio>${c}</codicemessaggio><codicemessaggioprecedente>${options.answers}</codicemessaggioprecedente>`,
      );
  }
  if (options.text) xml = xml.replace(/<testomessaggio>[^<]*</, `<testomessaggio>${options.text}<`);
  return Buffer.from(xml);
}

const OutTopics = NodeIds.map((n) => nodeTopic.out(n));
const Topics = [...OutTopics, ...NodeIds.map((n) => nodeTopic.receipts(n)), Topic.euresOut, Topic.public, Topic.audit];

describe('contact messages through the real stack (ingest → dispatcher)', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  let ingest: Ingest;
  let dispatcher: Dispatcher;
  let out: Collector;
  let dlqMarks: Marks;

  beforeAll(async () => {
    await catalogueReady(kafka);
    dlqMarks = await endOffsets(kafka, [Topic.dlq]);
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

  /** Sends one document as a node and waits for its receipt. */
  const send = async (node: NodeId, key: string, bytes: Buffer): Promise<Receipt> => {
    const hash = sha256(bytes);
    const before = out.records.filter((r) => r.topic === nodeTopic.receipts(node) && r.value.sha256 === hash).length;
    await submitAs(kafka, node, [{ key, bytes }]);
    const receipts = await out.waitFor<Receipt>(
      (r) => r.topic === nodeTopic.receipts(node) && r.value.sha256 === hash,
      (list) => list.length > before,
      60_000,
    );
    return (receipts.at(-1) as { value: Receipt }).value;
  };
  /** Every delivery, audit event, publication or EURES document that names a message code. */
  const carrying = (messageCode: string) => out.records.filter((r) => JSON.stringify(r.value).includes(messageCode));
  const settle = (ms = 2_000) => new Promise((resolve) => setTimeout(resolve, ms));

  const item = code('15', 2, 1);
  const interest = code('05', 3, 1);
  const reply = code('15', 4, 1);
  const itemPath = '/Messaggio/Destinatario/Interlocutore/codiceoffertacandidatura';

  it('a 03 from node 05 about a vacancy of node 15 reaches node 15 only', async () => {
    expect((await send('15', item, vacancy(item))).outcome).toBe('ACCEPTED');
    const receipt = await send('05', interest, message(interest, item));
    expect(receipt).toMatchObject({ kind: 'MESSAGGIO', code: interest, outcome: 'ACCEPTED', issues: [] });
    const [delivery] = await out.waitFor(
      (r) => r.topic === nodeTopic.out('15') && r.value.code === interest,
      (list) => list.length >= 1,
      60_000,
    );
    expect(delivery?.key).toBe(item);
    expect(delivery?.value).toMatchObject({
      node: '15',
      action: 'MESSAGE',
      kind: 'MESSAGGIO',
      root: item,
      code: interest,
      deliveryId: `${item}/${interest}/MESSAGE/15`,
      addressee: { party: 'EMPLOYER', denominazione: null },
    });
    const xml = Buffer.from(String(delivery?.value.xml));
    expect(validateDocument(xml).issues).toEqual([]);
    expect(xml.toString()).toContain('mario.rossi@example.it');
    await settle();
    const seen = carrying(interest).filter((r) => r.topic !== nodeTopic.receipts('05'));
    expect(seen.map((r) => r.topic).sort()).toEqual([Topic.audit, nodeTopic.out('15')]);
    expect(seen.find((r) => r.topic === Topic.audit)?.value).toMatchObject({
      event: 'MESSAGE_INTEREST',
      fromNode: '05',
      toNode: '15',
      root: item,
      subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('a 04 from node 15 answering it reaches node 05 only, taken by an ingest started afresh from its changelog', async () => {
    // Which 03 went where lives in ncn.ingest.items: a new instance (a restart, a crash, another host) reads it.
    await ingest.close();
    ingest = await startIngest({
      config: testConfig,
      kafka,
      serde,
      logger: silentLogger,
      groupId: unique('test.ingest'),
      fromBeginning: false,
    });
    await ingest.runner.fetching;
    expect(ingest.state.view('any').message(interest)).toMatchObject({ node: '05', to: '15', root: item });
    const receipt = await send('15', reply, message(reply, item, { answers: interest }));
    expect(receipt).toMatchObject({ kind: 'MESSAGGIO', outcome: 'ACCEPTED' });
    await out.waitFor(
      (r) => r.topic === nodeTopic.out('05') && r.value.code === reply,
      (list) => list.length >= 1,
      60_000,
    );
    await settle();
    const seen = carrying(reply).filter((r) => r.topic !== nodeTopic.receipts('15'));
    expect(seen.map((r) => r.topic).sort()).toEqual([Topic.audit, nodeTopic.out('05')]);
    expect(seen.find((r) => r.topic === nodeTopic.out('05'))?.value).toMatchObject({
      action: 'MESSAGE',
      addressee: { party: 'INTERESTED' },
    });
  });

  it('a repeat of a message is DUPLICATE and delivered no second time', async () => {
    expect((await send('05', interest, message(interest, item))).outcome).toBe('DUPLICATE');
    await settle();
    expect(out.records.filter((r) => r.topic === nodeTopic.out('15') && r.value.code === interest)).toHaveLength(1);
  });

  it('refuses, each with its code and path and its bytes in ncn.dlq: unknown item, closed item, a reply never received, a reused code', async () => {
    const closedItem = code('15', 2, 2);
    expect((await send('15', closedItem, vacancy(closedItem))).outcome).toBe('ACCEPTED');
    const closing = code('15', 2, 3);
    expect((await send('15', closing, vacancy(closing, { previous: closedItem, close: true }))).outcome).toBe(
      'ACCEPTED',
    );

    const cases: [NodeId, string, Buffer, string][] = [
      ['05', code('05', 3, 2), message(code('05', 3, 2), code('15', 2, 99)), `MESSAGE_ITEM_UNKNOWN ${itemPath}`],
      ['05', code('05', 3, 3), message(code('05', 3, 3), closedItem), `MESSAGE_ITEM_CLOSED ${itemPath}`],
      [
        '07',
        code('07', 4, 4),
        message(code('07', 4, 4), item, { answers: interest }),
        'REPLY_NOT_RECEIVED /Messaggio/DatiSistema/codicemessaggioprecedente',
      ],
      [
        '05',
        interest,
        message(interest, item, { text: 'Scrivo di nuovo con lo stesso codice.' }),
        'CODE_REUSED /Messaggio/DatiSistema/codicemessaggio',
      ],
    ];
    for (const [node, key, bytes, issue] of cases) {
      const receipt = await send(node, key, bytes);
      expect({
        outcome: receipt.outcome,
        kind: receipt.kind,
        issues: receipt.issues.map((i) => `${i.code} ${i.path}`),
      }).toEqual({
        outcome: 'REJECTED',
        kind: 'MESSAGGIO',
        issues: [issue],
      });
    }
    const wanted = new Set(cases.map(([, , bytes]) => sha256(bytes)));
    const letters = await consumeUntil(
      kafka,
      Topic.dlq,
      (m) => m.filter((x) => x.value && wanted.has(sha256(x.value))).length >= cases.length,
      { timeoutMs: 60_000, from: dlqMarks },
    );
    const held = letters.filter((x) => x.value && wanted.has(sha256(x.value)));
    expect(held.map((x) => x.headers?.['ncn-error-code']?.toString()).sort()).toEqual(
      cases.map(([, , , issue]) => issue.split(' ')[0]).sort(),
    );
    await settle();
    // Nothing refused was delivered anywhere.
    for (const [, key] of cases.slice(0, 3)) {
      expect(out.records.filter((r) => OutTopics.includes(r.topic) && r.value.code === key)).toEqual([]);
    }
  });

  it('no message ever on ncn.public or eures.out', () => {
    const codes = [interest, reply];
    const leaked = out.records.filter(
      (r) =>
        (r.topic === Topic.public || r.topic === Topic.euresOut) &&
        codes.some((c) => JSON.stringify(r.value).includes(c)),
    );
    expect(leaked).toEqual([]);
    expect(out.records.some((r) => r.topic === Topic.public && r.key === item)).toBe(true);
  });

  it('ncn audit --cf of the vacancy\u2019s employer lists the messages about it among its events', async () => {
    const prefix = unique('ncn-test');
    const config = { ...testConfig, redis: { ...testConfig.redis, prefix } };
    const redis = createRedis(config);
    const indexer = await startAuditIndexer({
      config,
      kafka,
      serde,
      redis,
      logger: silentLogger,
      groupId: unique('test.audit'),
      fromBeginning: true,
    });
    try {
      const employer = subjectHash(testConfig.dispatcher.auditKey, '00488410010');
      const deadline = Date.now() + 120_000;
      const ofItem = async () => (await indexer.index.of(employer)).filter((e) => e.root === item);
      while ((await ofItem()).filter((e) => e.event.startsWith('MESSAGE_')).length < 2) {
        if (Date.now() > deadline) throw new Error('the audit index did not take the message events');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await indexer.rebuilt;
      const env = { NCN_REDIS_PREFIX: prefix, NCN_AUDIT_KEY: testConfig.dispatcher.auditKey };
      const answer = await runNcn(['audit', '--cf', '00488410010', '--json'], env);
      expect(answer.status).toBe(0);
      const events = (
        JSON.parse(answer.stdout) as { root: string; event: string; fromNode: string; toNode: string; rule: string }[]
      ).filter((e) => e.root === item);
      expect(events.filter((e) => e.event === 'DELIVERED')).toHaveLength(21);
      expect(events.filter((e) => e.event.startsWith('MESSAGE_')).map((e) => [e.event, e.fromNode, e.toNode])).toEqual([
        ['MESSAGE_INTEREST', '05', '15'],
        ['MESSAGE_REPLY', '15', '05'],
      ]);
      expect(events.find((e) => e.event === 'MESSAGE_INTEREST')?.rule).toContain(interest);
    } finally {
      await indexer.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  }, 180_000);
});
