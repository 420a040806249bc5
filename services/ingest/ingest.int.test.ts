import { randomBytes } from 'node:crypto';
import { avroSchema } from '../../contracts/avro/schemas';
import { Topic } from '../../contracts/topics';
import { Random } from '../../lib/gen/random';
import { person } from '../../lib/gen/people';
import { startIngest, type Ingest } from './service';
import { AvroSerde } from '../runtime/avro-serde';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { consumeUntil, endOffsets, type Marks } from '../../test/support/consume';
import { catalogueReady, receiptsFor, sha256, submitAs, type ReceiptValue } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';
import { validCandidatura, validVacancy } from '../../test/support/xml-cases';

const FIXTURE_CODE = '12R0000000000000000000001';
const run = randomBytes(4).toString('hex').toUpperCase();
/** A 25-character code unique to this test run. */
const code = (n: number, node = '12', kind = 'C'): string =>
  `${node}${kind}${run}${String(n).padStart(14, '0')}`.slice(0, 25);

function cv(
  c: string,
  options: { previous?: string; close?: string; cf?: string; system?: string; edit?: (x: string) => string } = {},
): Buffer {
  let xml = validCandidatura.replace(FIXTURE_CODE, c);
  if (options.previous)
    xml = xml.replace(
      `<codicecandidatura>${c}</codicecandidatura>`,
      `<codicecandidatura>${c}</codicecandidatura>\n    <codicecandidaturaprecedente>${options.previous}</codicecandidaturaprecedente>`,
    );
  if (options.close !== undefined)
    xml = xml.replace(
      '<tipocandidatura>01</tipocandidatura>',
      `<tipocandidatura>02</tipocandidatura>${options.close ? `\n    <motivochiusura>${options.close}</motivochiusura>` : ''}`,
    );
  if (options.cf) xml = xml.replace('RSSMRA85T10A562S', options.cf);
  if (options.system) xml = xml.replace('<tipocandidatura>', `${options.system}\n    <tipocandidatura>`);
  return Buffer.from(options.edit ? options.edit(xml) : xml);
}

describe('ingest through the real stack', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  let ingest: Ingest;

  beforeAll(async () => {
    await catalogueReady(kafka);
    const groupId = unique('test.ingest');
    // A new group reading from the end: it sees exactly what this test submits, once it has fetched.
    ingest = await startIngest({
      config: { ...testConfig, ingest: { ...testConfig.ingest, predecessorWaitMs: 1_500 } },
      kafka,
      serde,
      logger: silentLogger,
      groupId,
      fromBeginning: false,
    });
    await ingest.runner.fetching;
  });

  afterAll(async () => {
    await ingest.close();
  });

  /** The ends of the topics the tests read, taken before each test: only what it causes is read. */
  let marks: Marks;
  beforeEach(async () => {
    marks = await endOffsets(kafka, [Topic.candidature, Topic.dlq, 'nr.12.receipts']);
  });

  async function outcomes(node: '12' | '15', submissions: { key: string; bytes: Buffer }[]): Promise<ReceiptValue[]> {
    const since = Date.now();
    const from = await endOffsets(kafka, [`nr.${node}.receipts`]);
    await submitAs(kafka, node, submissions);
    const receipts = await receiptsFor(
      kafka,
      serde,
      node,
      submissions.map((s) => sha256(s.bytes)),
      60_000,
      since,
      from,
    );
    return submissions.map((s) => {
      const list = receipts.get(sha256(s.bytes)) ?? [];
      expect(list).toHaveLength(1);
      return list[0] as ReceiptValue;
    });
  }

  it('accepts a CV: canonical item keyed by its root, with its due time, and an accepted receipt', async () => {
    const c = code(1);
    const [receipt] = await outcomes('12', [{ key: c, bytes: cv(c) }]);
    expect(receipt).toMatchObject({ outcome: 'ACCEPTED', code: c, root: c, kind: 'CANDIDATURA', node: '12' });
    const items = await consumeUntil(kafka, Topic.candidature, (m) => m.some((x) => x.key?.toString() === c), {
      from: marks,
    });
    const item = await serde.decode<{
      meta: { root: string; version: number; node: string; receivedAt: number; expiresAt: number | null };
    }>(items.find((x) => x.key?.toString() === c)?.value ?? Buffer.alloc(0));
    expect(item.meta).toMatchObject({ root: c, version: 1, node: '12' });
    // Rule 4: the latest send + 60 days, unless the document's datascadenza ends sooner.
    expect(item.meta.expiresAt).not.toBeNull();
    expect(item.meta.expiresAt).toBeLessThanOrEqual(item.meta.receivedAt + 60 * 86_400_000);
  });

  it('rejects each bad input with a clear receipt and its bytes in the dead-letter topic, and keeps going', async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><Candidatura>&lol2;</Candidatura>`;
    const other = code(20, '15');
    await outcomes('15', [{ key: other, bytes: cv(other) }]);
    const closeOwn = code(21);
    await outcomes('12', [{ key: closeOwn, bytes: cv(closeOwn) }]);
    const bad: [string, Buffer, string][] = [
      ['malformed XML', Buffer.from('<Candidatura><Lavoratore></Candidatura>'), 'XML_MALFORMED'],
      [
        'an external entity',
        Buffer.from('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><c>&x;</c>'),
        'XML_DOCTYPE_FORBIDDEN',
      ],
      ['a billion laughs', Buffer.from(laughs), 'XML_DOCTYPE_FORBIDDEN'],
      ['a 10 MiB document', Buffer.concat([cv(code(22)), Buffer.alloc(10 * 1024 * 1024, 0x20)]), 'XML_TOO_LARGE'],
      [
        'invalid UTF-8',
        Buffer.concat([cv(code(23)).subarray(0, 200), Buffer.from([0xc3, 0x28]), cv(code(23)).subarray(200)]),
        'XML_INVALID_UTF8',
      ],
      [
        'a wrong namespace',
        cv(code(24), { edit: (x) => x.replace('http://servizi.lavoro.gov.it/candidatura', 'http://example.org/cv') }),
        'XSD_UNKNOWN_DOCUMENT',
      ],
      [
        'a wrong root',
        cv(code(25), { edit: (x) => x.replace(/<(\/?)Candidatura/g, '<$1Curriculum') }),
        'XSD_UNKNOWN_DOCUMENT',
      ],
      [
        'a missing required element',
        cv(code(26), { edit: (x) => x.replace(/\s*<nome>Mario<\/nome>/, '') }),
        'XSD_MISSING_ELEMENT',
      ],
      ['an invalid codice fiscale', cv(code(27), { cf: 'RSSMRA85T10A562T' }), 'CF_CHECK_CHARACTER'],
      [
        'an unknown comune',
        cv(code(28), { edit: (x) => x.replace('<idcomune>H501</idcomune>', '<idcomune>A000</idcomune>') }),
        'COMUNE_UNKNOWN',
      ],
      [
        'a domicile abroad',
        cv(code(29), { edit: (x) => x.replace('<idcomune>H501</idcomune>', '<idcomune>Z110</idcomune>') }),
        'DOMICILE_NOT_IN_ITALY',
      ],
      [
        'a missing email',
        cv(code(30), { edit: (x) => x.replace(/\s*<email>[^<]*<\/email>/, '') }),
        'XSD_MISSING_ELEMENT',
      ],
      [
        'an unknown intermediary',
        cv(code(31), { system: '<codicefiscaleintermediario>00000000000</codicefiscaleintermediario>' }),
        'INTERMEDIARY_UNKNOWN',
      ],
      ["an update of another node's item", cv(code(32), { previous: other }), 'NOT_OWNER'],
      ['a close without motivo', cv(code(33), { previous: closeOwn, close: '' }), 'CLOSE_WITHOUT_MOTIVOCHIUSURA'],
    ];
    const after = code(34);
    const submissions = [
      ...bad.map(([, bytes], i) => ({ key: `bad-${run}-${i}`, bytes })),
      { key: after, bytes: cv(after) },
    ];
    const receipts = await outcomes('12', submissions);
    bad.forEach(([what, , expected], i) => {
      expect({ what, outcome: receipts[i]?.outcome, codes: receipts[i]?.issues.map((x) => x.code) }).toEqual({
        what,
        outcome: 'REJECTED',
        codes: expect.arrayContaining([expected]),
      });
      expect(receipts[i]?.issues.every((x) => x.message.length > 10)).toBe(true);
    });
    expect(receipts[bad.length]?.outcome).toBe('ACCEPTED');

    const wanted = new Set(bad.map(([, bytes]) => sha256(bytes)));
    const letters = await consumeUntil(
      kafka,
      Topic.dlq,
      (m) => m.filter((x) => x.value && wanted.has(sha256(x.value))).length >= bad.length,
      { timeoutMs: 60_000, from: marks },
    );
    const held = letters.filter((x) => x.value && wanted.has(sha256(x.value)));
    expect(held).toHaveLength(bad.length);
    for (const letter of held) {
      expect(letter.headers?.['ncn-error-code']?.toString()).toMatch(/^[A-Z0-9_]+$/);
      expect(letter.headers?.['ncn-source-topic']?.toString()).toBe('nr.12.in');
    }
  });

  it('versions updates of an item, drops an exact repeat, and refuses what follows a close', async () => {
    const first = code(40);
    const second = code(41);
    const closing = code(42);
    const afterClose = code(43);
    const receipts = await outcomes('12', [
      { key: first, bytes: cv(first) },
      { key: second, bytes: cv(second, { previous: first }) },
      { key: closing, bytes: cv(closing, { previous: second, close: '01' }) },
      { key: afterClose, bytes: cv(afterClose, { previous: closing }) },
    ]);
    expect(receipts.map((r) => [r.outcome, r.root])).toEqual([
      ['ACCEPTED', first],
      ['ACCEPTED', first],
      ['ACCEPTED', first],
      ['REJECTED', null],
    ]);
    expect(receipts[3]?.issues.map((i) => i.code)).toEqual(['ITEM_CLOSED']);
    const repeat = await outcomes('12', [
      { key: first, bytes: Buffer.from(cv(first).toString().replace(/\n\s*/g, '')) },
    ]);
    expect(repeat[0]?.outcome).toBe('DUPLICATE');
  });

  it('waits for a predecessor that arrives late, then applies the update in order', async () => {
    const first = code(50);
    const second = code(51);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const [arrived] = await producer.send({
      topic: 'nr.12.in',
      messages: [{ key: second, value: cv(second, { previous: first }) }],
    });
    await producer.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const receipts = await outcomes('12', [{ key: first, bytes: cv(first) }]);
    expect(receipts[0]?.outcome).toBe('ACCEPTED');
    const late = await receiptsFor(kafka, serde, '12', [sha256(cv(second, { previous: first }))], 60_000, 0, marks);
    // Parked on ncn.ingest.pending meanwhile, its receipt still names where it arrived on the node's topic.
    expect(
      late.get(sha256(cv(second, { previous: first })))?.map((r) => [r.outcome, r.root, r.partition, String(r.offset)]),
    ).toEqual([['ACCEPTED', first, arrived?.partition, arrived?.baseOffset]]);
  });

  it('sets percettore from inps.percettori and fills the intermediary block from ncn.intermediari', async () => {
    const worker = person(new Random(Date.now() % 1_000_000));
    const producer = kafka.producer();
    await producer.connect();
    const percettoreId = await serde.register('inps.percettori-value', avroSchema('it.ncn.Percettore'));
    const intermediaryId = await serde.register('ncn.intermediari-value', avroSchema('it.ncn.Intermediario'));
    const intermediaryCf = '00488410010';
    const intermediary = {
      codiceFiscale: intermediaryCf,
      denominazione: `Agenzia ${run}`,
      indirizzo: 'Via Po 1',
      idcomune: 'L219',
      cap: null,
      telefono: null,
      fax: null,
      email: 'contatti@agenzia.example.it',
      accreditatoDal: 19_000,
      accreditatoAl: null,
    };
    const percettore = {
      idComunicazione: `T${run}`,
      dataInvio: 20_000,
      tipoOperazione: 'I',
      codiceFiscale: worker.codiceFiscale,
      cognome: worker.surname,
      nome: worker.name,
      cittadinanza: '000',
      dataDichiarazione: 20_000,
      codiceUnivocoCPI: 'C000001',
      protocollo: 'P1',
      telefono: null,
      cellulare: null,
      email: null,
      emailPatronato: null,
      dataInizioDisoccupazione: null,
      denominazioneAzienda: 'X srl',
      codiceFiscalePIVAUltimaAzienda: null,
      ultimaQualifica: null,
      dataInizioAttivitaAutonoma: null,
      dataInizioAttivitaSubord: null,
      dataInizioAttivitaParaSub: null,
      dataInizioAttivitaAccess: null,
      redditoLavoroAutonomoCents: null,
      redditoLavoroSubordinatoCents: null,
      redditoLavoroParaSubordCents: null,
      redditoLavoroAccessCents: null,
      codiceComuneDomicilio: 'H501',
      comuneDomicilio: 'Roma',
      provinciaDomicilio: 'RM',
      indirizzoDomicilio: 'Via Roma 1',
      capDomicilio: '00100',
    };
    try {
      await producer.send({
        topic: Topic.inpsPercettori,
        messages: [{ key: worker.codiceFiscale, value: await serde.encode(percettoreId, percettore) }],
      });
      await producer.send({
        topic: Topic.intermediari,
        messages: [{ key: intermediaryCf, value: await serde.encode(intermediaryId, intermediary) }],
      });
    } finally {
      await producer.disconnect();
    }
    for (
      let i = 0;
      i < 100 &&
      !(
        ingest.state.view('t').isPercettore(worker.codiceFiscale) &&
        ingest.state.view('t').intermediary(intermediaryCf)?.denominazione === intermediary.denominazione
      );
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const c = code(60);
    const bytes = cv(c, {
      edit: (x) =>
        x.replace(
          /<codicefiscale>[^<]+<\/codicefiscale>\s*<cognome>Rossi<\/cognome>\s*<nome>Mario<\/nome>\s*<sesso>M<\/sesso>\s*<datanascita>[^<]+<\/datanascita>\s*<idcomune>[^<]+<\/idcomune>/,
          `<codicefiscale>${worker.codiceFiscale}</codicefiscale><cognome>${worker.surname}</cognome><nome>${worker.name}</nome><sesso>${worker.sex}</sesso><datanascita>${worker.birthDate}</datanascita><idcomune>${worker.birthPlace}</idcomune>`,
        ),
      system: `<codicefiscaleintermediario>${intermediaryCf}</codicefiscaleintermediario>`,
    });
    const [receipt] = await outcomes('12', [{ key: c, bytes }]);
    expect(receipt?.outcome).toBe('ACCEPTED');
    const items = await consumeUntil(kafka, Topic.candidature, (m) => m.some((x) => x.key?.toString() === c), {
      from: marks,
    });
    const item = await serde.decode<{
      meta: { percettore: boolean; intermediario: { denominazione: string } };
      document: { DatiSistema: { percettore: string; denominazioneintermediario: string } };
    }>(items.find((x) => x.key?.toString() === c)?.value ?? Buffer.alloc(0));
    expect(item.meta.percettore).toBe(true);
    expect(item.document.DatiSistema.percettore).toBe('SI');
    expect(item.meta.intermediario.denominazione).toBe(`Agenzia ${run}`);
    expect(item.document.DatiSistema.denominazioneintermediario).toBe(`Agenzia ${run}`);
  });

  it('accepts a vacancy too', async () => {
    const c = code(70, '12', 'V');
    const bytes = Buffer.from(validVacancy.replace('08V2026112000000000000001', c));
    const [receipt] = await outcomes('12', [{ key: c, bytes }]);
    expect(receipt).toMatchObject({ outcome: 'ACCEPTED', kind: 'VACANCY', root: c });
  });
});
