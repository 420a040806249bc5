import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Topic, nodeTopic } from '../../contracts/topics';
import { decideSubmission, type Decision, type SubmissionInput } from './admission';
import type { Intermediario } from '../../contracts/avro/types';
import { IngestState } from './state';
import type { OutputRecord } from '../runtime/runner/types';
import { defaultLimits } from '../../lib/xml/harden';
import { validateDocument } from '../../lib/xml/validate';
import { validVacancy } from '../../test/support/xml-cases';

const settings = { validityDays: 60, limits: defaultLimits, subjectHash: (cf: string) => `hash(${cf})` };
const at = new Date('2026-11-20T10:00:00Z');
const VACANCY = '0822026112000000000000001';
const INTEREST = '0532026112000000000000001';
const REPLY = '0842026112000000000000001';
const messaggio = readFileSync(join(__dirname, '../../test/fixtures/xml/messaggio-valid.xml'), 'utf8');

/** The fixture vacancy (employer 00488410010) under a numeric code, optionally closing `previous`. */
function vacancy(code: string, options: { previous?: string; close?: boolean; intermediary?: string } = {}): Buffer {
  let xml = validVacancy.replace('08V2026112000000000000001', code);
  if (options.previous) {
    xml = xml.replace(
      `<cl:codiceofferta>${code}</cl:codiceofferta>`,
      `<cl:codiceofferta>${code}</cl:codiceofferta>\n    <cl:codiceoffertaprecedente>${options.previous}</cl:codiceoffertaprecedente>`,
    );
  }
  if (options.close) {
    xml = xml.replace(
      /<cl:tipoofferta>01<\/cl:tipoofferta>/,
      '<cl:tipoofferta>02</cl:tipoofferta>\n    <cl:motivochiusura>01</cl:motivochiusura>',
    );
  }
  if (options.intermediary) {
    xml = xml.replace(
      '<cl:tipoofferta>',
      `<cl:codicefiscaleintermediario>${options.intermediary}</cl:codicefiscaleintermediario>\n    <cl:tipoofferta>`,
    );
  }
  return Buffer.from(xml);
}

/** The fixture message: a 03 about `about`, or a 04 answering `answers`. */
function message(code: string, about: string, options: { answers?: string; text?: string } = {}): Buffer {
  let xml = messaggio.replace(INTEREST, code).replace(VACANCY, about);
  if (options.answers) {
    xml = xml
      .replace('<tipocomunicazione>03</tipocomunicazione>', '<tipocomunicazione>04</tipocomunicazione>')
      .replace(
        `<codicemessaggio>${code}</codicemessaggio>`,
        `<codicemessaggio>${code}</codicemessaggio>\n    <codicemessaggioprecedente>${options.answers}</codicemessaggioprecedente>`,
      );
  }
  if (options.text) xml = xml.replace(/<testomessaggio>[^<]*</, `<testomessaggio>${options.text}<`);
  return Buffer.from(xml);
}

const input = (bytes: Buffer, node: SubmissionInput['node'], receivedAt = at): SubmissionInput => ({
  node,
  bytes,
  key: null,
  partition: 1,
  offset: '42',
  receivedAt,
});

type Done = Extract<Decision, { kind: 'done' }>;

function submit(state: IngestState, bytes: Buffer, node: SubmissionInput['node'], receivedAt = at): Done {
  const decision = decideSubmission(input(bytes, node, receivedAt), state.view('p0'), settings);
  if (decision.kind !== 'done') throw new Error(`expected a decision, got a wait for ${decision.predecessor}`);
  if (decision.change) {
    state.stage('p0', `${Math.random()}`, decision.change);
    state.commit('p0');
  }
  return decision;
}

const on = (outputs: readonly OutputRecord[], topic: string): OutputRecord[] =>
  outputs.filter((o) => o.topic === topic);
const data = (o: OutputRecord | undefined): Record<string, unknown> => {
  const value = o?.value;
  if (value === null || value === undefined || Buffer.isBuffer(value)) throw new Error('not an Avro output');
  return value.data as Record<string, unknown>;
};
const receiptOf = (d: Done, node: SubmissionInput['node']) => data(on(d.outputs, nodeTopic.receipts(node))[0]);
const issuesOf = (d: Done, node: SubmissionInput['node']) =>
  (receiptOf(d, node).issues as { code: string; path: string }[]).map((i) => `${i.code} ${i.path}`);

const agency: Intermediario = {
  codiceFiscale: '01234567897',
  denominazione: 'Agenzia Lavoro Nord srl',
  indirizzo: 'Via Roma 1',
  idcomune: 'F205',
  cap: null,
  telefono: null,
  fax: null,
  email: 'contatti@agenzianord.example.it',
  accreditatoDal: 19_000,
  accreditatoAl: null,
};

describe('contact messages at ingest', () => {
  it('the fixture message and vacancy are valid documents of the standard', () => {
    expect(validateDocument(message(INTEREST, VACANCY)).issues).toEqual([]);
    expect(validateDocument(vacancy(VACANCY)).valid).toBe(true);
  });

  it('accepts a 03 about another node\u2019s open item: ncn.messaggi keyed by the item, its record, a receipt', () => {
    const state = new IngestState();
    expect(submit(state, vacancy(VACANCY), '15').outcome).toBe('ACCEPTED');
    const d = submit(state, message(INTEREST, VACANCY), '05');
    expect(d.outcome).toBe('ACCEPTED');
    expect(receiptOf(d, '05')).toMatchObject({ kind: 'MESSAGGIO', code: INTEREST, root: VACANCY, outcome: 'ACCEPTED' });
    const [routed] = on(d.outputs, Topic.messaggi);
    expect(routed?.key).toBe(VACANCY);
    expect(data(routed)).toMatchObject({
      code: INTEREST,
      tipo: 'INTEREST',
      node: '05',
      root: VACANCY,
      about: VACANCY,
      itemKind: 'VACANCY',
      owner: '15',
      intermediary: null,
      answers: null,
      answersNode: null,
      subjectHash: 'hash(00488410010)',
    });
    expect(validateDocument(Buffer.from(String(data(routed).xml))).valid).toBe(true);
    expect(d.change).toMatchObject({
      type: 'message',
      code: INTEREST,
      tipo: '03',
      node: '05',
      root: VACANCY,
      to: '15',
    });
    expect(on(d.outputs, Topic.ingestItems).map((o) => o.key)).toEqual([INTEREST]);
    expect(on(d.outputs, Topic.dlq)).toEqual([]);
  });

  it('accepts a 04 from the node the 03 was delivered to, and names where it goes back', () => {
    const state = new IngestState();
    submit(state, vacancy(VACANCY), '15');
    submit(state, message(INTEREST, VACANCY), '05');
    const d = submit(state, message(REPLY, VACANCY, { answers: INTEREST }), '15');
    expect(d.outcome).toBe('ACCEPTED');
    expect(data(on(d.outputs, Topic.messaggi)[0])).toMatchObject({
      tipo: 'REPLY',
      node: '15',
      answers: INTEREST,
      answersNode: '05',
    });
    expect(d.change).toMatchObject({ tipo: '04', to: '05' });
  });

  it('carries the intermediary the item was entered through', () => {
    const state = new IngestState();
    state.applyIntermediary(agency.codiceFiscale, agency);
    expect(submit(state, vacancy(VACANCY, { intermediary: agency.codiceFiscale }), '15').outcome).toBe('ACCEPTED');
    const d = submit(state, message(INTEREST, VACANCY), '05');
    expect(data(on(d.outputs, Topic.messaggi)[0]).intermediary).toEqual({
      codiceFiscale: agency.codiceFiscale,
      denominazione: agency.denominazione,
    });
  });

  const rejected = (d: Done, node: SubmissionInput['node'], issue: string): void => {
    expect(d.outcome).toBe('REJECTED');
    expect(issuesOf(d, node)).toEqual([issue]);
    expect(receiptOf(d, node).kind).toBe('MESSAGGIO');
    expect(on(d.outputs, Topic.messaggi)).toEqual([]);
    expect(on(d.outputs, Topic.ingestItems)).toEqual([]);
    const [dead] = on(d.outputs, Topic.dlq);
    expect(dead?.value).toEqual(expect.any(Buffer));
    expect(dead?.headers?.['ncn-error-code']).toBe(issue.split(' ')[0]);
    expect(d.change).toBeUndefined();
  };
  const itemPath = '/Messaggio/Destinatario/Interlocutore/codiceoffertacandidatura';
  const previousPath = '/Messaggio/DatiSistema/codicemessaggioprecedente';

  it('refuses a message about an unknown item', () => {
    rejected(submit(new IngestState(), message(INTEREST, VACANCY), '05'), '05', `MESSAGE_ITEM_UNKNOWN ${itemPath}`);
  });

  it('refuses a message about a closed item', () => {
    const state = new IngestState();
    submit(state, vacancy(VACANCY), '15');
    expect(submit(state, vacancy('0822026112000000000000002', { previous: VACANCY, close: true }), '15').outcome).toBe(
      'ACCEPTED',
    );
    rejected(submit(state, message(INTEREST, VACANCY), '05'), '05', `MESSAGE_ITEM_CLOSED ${itemPath}`);
  });

  it('refuses a message about an item past its expiry, and takes it the moment before', () => {
    const state = new IngestState();
    submit(state, vacancy(VACANCY), '15');
    const expiresAt = Number((state.view('p0').item(VACANCY) ?? { expiresAt: 0 }).expiresAt);
    expect(expiresAt).toBeGreaterThan(at.getTime());
    rejected(
      submit(state, message(INTEREST, VACANCY), '05', new Date(expiresAt)),
      '05',
      `MESSAGE_ITEM_EXPIRED ${itemPath}`,
    );
    expect(submit(state, message(INTEREST, VACANCY), '05', new Date(expiresAt - 1)).outcome).toBe('ACCEPTED');
  });

  it('refuses a 03 about the sender\u2019s own item', () => {
    const state = new IngestState();
    submit(state, vacancy(VACANCY), '15');
    rejected(submit(state, message(INTEREST, VACANCY), '15'), '15', `MESSAGE_OWN_ITEM ${itemPath}`);
  });

  it('refuses a 04 answering a message the replying node never received, or no 03 at all', () => {
    const state = new IngestState();
    submit(state, vacancy(VACANCY), '15');
    submit(state, message(INTEREST, VACANCY), '05');
    rejected(
      submit(state, message(REPLY, VACANCY, { answers: INTEREST }), '07'),
      '07',
      `REPLY_NOT_RECEIVED ${previousPath}`,
    );
    rejected(
      submit(state, message(REPLY, VACANCY, { answers: '0532026112000000000000009' }), '15'),
      '15',
      `REPLY_NOT_RECEIVED ${previousPath}`,
    );
    // A reply answers a 03, never another reply.
    submit(state, message(REPLY, VACANCY, { answers: INTEREST }), '15');
    rejected(
      submit(state, message('0542026112000000000000002', VACANCY, { answers: REPLY }), '05'),
      '05',
      `REPLY_NOT_RECEIVED ${previousPath}`,
    );
  });

  it('refuses a 04 about another item than the 03 it answers', () => {
    const state = new IngestState();
    const other = '0822026112000000000000003';
    submit(state, vacancy(VACANCY), '15');
    submit(state, vacancy(other), '15');
    submit(state, message(INTEREST, VACANCY), '05');
    rejected(
      submit(state, message(REPLY, other, { answers: INTEREST }), '15'),
      '15',
      `REPLY_ITEM_MISMATCH ${itemPath}`,
    );
  });

  it('takes a repeat of the same message as DUPLICATE and a reused code with other bytes as CODE_REUSED', () => {
    const state = new IngestState();
    submit(state, vacancy(VACANCY), '15');
    expect(submit(state, message(INTEREST, VACANCY), '05').outcome).toBe('ACCEPTED');
    const again = submit(state, message(INTEREST, VACANCY), '05');
    expect(again.outcome).toBe('DUPLICATE');
    expect(again.outputs.map((o) => o.topic)).toEqual([nodeTopic.receipts('05')]);
    rejected(
      submit(state, message(INTEREST, VACANCY, { text: 'Un altro testo' }), '05'),
      '05',
      'CODE_REUSED /Messaggio/DatiSistema/codicemessaggio',
    );
    // The same message from another node is not a repeat: the code is taken.
    rejected(
      submit(state, message(INTEREST, VACANCY), '07'),
      '07',
      'CODE_REUSED /Messaggio/DatiSistema/codicemessaggio',
    );
    // An item's code is taken too.
    rejected(
      submit(state, message(VACANCY, VACANCY), '05'),
      '05',
      'CODE_REUSED /Messaggio/DatiSistema/codicemessaggio',
    );
  });

  it('keeps which 03 went where in its changelog: a new state from the records accepts the same reply', () => {
    const first = new IngestState();
    const changes = [
      submit(first, vacancy(VACANCY), '15').change,
      submit(first, message(INTEREST, VACANCY), '05').change,
    ];
    const restarted = new IngestState();
    for (const change of changes) if (change) restarted.applyCode(JSON.parse(JSON.stringify(change)));
    expect(submit(restarted, message(REPLY, VACANCY, { answers: INTEREST }), '15').outcome).toBe('ACCEPTED');
    expect(submit(restarted, message(INTEREST, VACANCY), '05').outcome).toBe('DUPLICATE');
  });
});
