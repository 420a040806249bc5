import avro from 'avsc';
import { avroSchema } from '../../contracts/avro/schemas';
import { decideSubmission, effectiveExpiry, type Decision, type SubmissionInput } from './admission';
import type { Intermediario } from '../../contracts/avro/types';
import { IngestState } from './state';
import type { OutputRecord } from '../runtime/runner/types';
import { defaultLimits } from '../../lib/xml/harden';
import { validCandidatura, validVacancy } from '../../test/support/xml-cases';

const settings = { validityDays: 60, limits: defaultLimits };
const at = new Date('2026-11-20T10:00:00Z');
const CODE = '12R0000000000000000000001';

/** The fixture CV with another code, optionally an update or a close of `previous`. */
function cv(
  code: string,
  options: { previous?: string; close?: string; extra?: string; system?: string } = {},
): Buffer {
  let xml = validCandidatura.replace(CODE, code);
  if (options.previous)
    xml = xml.replace(
      `<codicecandidatura>${code}</codicecandidatura>`,
      `<codicecandidatura>${code}</codicecandidatura>\n    <codicecandidaturaprecedente>${options.previous}</codicecandidaturaprecedente>`,
    );
  if (options.close)
    xml = xml.replace(
      '<tipocandidatura>01</tipocandidatura>',
      `<tipocandidatura>02</tipocandidatura>\n    <motivochiusura>${options.close}</motivochiusura>`,
    );
  if (options.system) xml = xml.replace('<tipocandidatura>', `${options.system}\n    <tipocandidatura>`);
  if (options.extra) xml = xml.replace('<cognome>Rossi</cognome>', options.extra);
  return Buffer.from(xml);
}

const input = (bytes: Buffer, node: SubmissionInput['node'] = '12', receivedAt = at): SubmissionInput => ({
  node,
  bytes,
  key: null,
  partition: 0,
  offset: '7',
  receivedAt,
});

function done(decision: Decision): Extract<Decision, { kind: 'done' }> {
  if (decision.kind !== 'done') throw new Error(`expected a decision, got a wait for ${decision.predecessor}`);
  return decision;
}

/** Decides and, when accepted, commits the change, as a committed transaction would. */
function submit(
  state: IngestState,
  bytes: Buffer,
  node: SubmissionInput['node'] = '12',
  options = {},
): Extract<Decision, { kind: 'done' }> {
  const decision = done(decideSubmission(input(bytes, node), state.view('p0'), settings, options));
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
const receiptOf = (d: Extract<Decision, { kind: 'done' }>) =>
  data(on(d.outputs, 'nr.12.receipts')[0] ?? d.outputs.find((o) => o.topic.endsWith('.receipts')));
const issueCodes = (d: Extract<Decision, { kind: 'done' }>) =>
  (receiptOf(d).issues as { code: string }[]).map((i) => i.code);

describe('decideSubmission', () => {
  it('accepts a new CV: the canonical item keyed by its root with its due time, the changelog and an accepted receipt', () => {
    const state = new IngestState();
    const d = submit(state, cv('12C0000000000000000000101'));
    expect(d.outcome).toBe('ACCEPTED');
    // The schedule is the dispatcher's to write, with the deliveries of the version.
    expect(d.outputs.map((o) => o.topic)).toEqual(['ncn.candidature', 'ncn.ingest.items', 'nr.12.receipts']);
    const item = data(on(d.outputs, 'ncn.candidature')[0]) as { meta: Record<string, unknown> };
    expect(item.meta).toMatchObject({
      root: '12C0000000000000000000101',
      version: 1,
      node: '12',
      action: 'SEND',
      percettore: false,
      expiresAt: at.getTime() + 60 * 86_400_000,
    });
    expect(on(d.outputs, 'ncn.candidature')[0]?.key).toBe('12C0000000000000000000101');
    expect(receiptOf(d)).toMatchObject({ outcome: 'ACCEPTED', code: '12C0000000000000000000101', node: '12' });
    // The outputs are what their Avro schemas accept.
    for (const o of d.outputs) {
      if (o.value === null || Buffer.isBuffer(o.value)) continue;
      expect(avro.Type.forSchema(avroSchema(o.value.avro)).isValid(o.value.data)).toBe(true);
    }
  });

  it('rejects an invalid document with every error, and keeps its bytes in the dead-letter topic', () => {
    const bytes = Buffer.from(
      validCandidatura.replace('<sesso>M</sesso>', '<sesso>X</sesso>').replace('<cap>00184</cap>', '<cap>1</cap>'),
    );
    const d = done(decideSubmission(input(bytes), new IngestState().view('p'), settings));
    expect(d.outcome).toBe('REJECTED');
    expect(issueCodes(d)).toEqual(['XSD_ENUMERATION', 'XSD_PATTERN']);
    expect(receiptOf(d).code).toBe(CODE);
    const [letter] = on(d.outputs, 'ncn.dlq');
    expect(letter?.value).toEqual(bytes);
    expect(letter?.headers?.['ncn-error-code']).toBe('XSD_ENUMERATION');
    expect(on(d.outputs, 'ncn.candidature')).toEqual([]);
  });

  it('makes an update of its own item the next version of the same root', () => {
    const state = new IngestState();
    submit(state, cv('12C0000000000000000000201'));
    const d = submit(state, cv('12C0000000000000000000202', { previous: '12C0000000000000000000201' }));
    expect(d.outcome).toBe('ACCEPTED');
    expect((data(on(d.outputs, 'ncn.candidature')[0]) as { meta: object }).meta).toMatchObject({
      root: '12C0000000000000000000201',
      version: 2,
      previousCode: '12C0000000000000000000201',
    });
    expect(on(d.outputs, 'ncn.candidature')[0]?.key).toBe('12C0000000000000000000201');
  });

  it('waits for an unknown predecessor, and rejects the update when it never comes', () => {
    const state = new IngestState();
    const bytes = cv('12C0000000000000000000302', { previous: '12C0000000000000000000301' });
    expect(decideSubmission(input(bytes), state.view('p'), settings)).toEqual({
      kind: 'wait',
      predecessor: '12C0000000000000000000301',
      code: '12C0000000000000000000302',
    });
    const d = done(decideSubmission(input(bytes), state.view('p'), settings, { predecessorTimedOut: true }));
    expect(issueCodes(d)).toEqual(['PREDECESSOR_UNKNOWN']);
  });

  it("refuses an update or close of another node's item (rule 8)", () => {
    const state = new IngestState();
    submit(state, cv('12C0000000000000000000401'), '12');
    expect(
      issueCodes(submit(state, cv('15C0000000000000000000402', { previous: '12C0000000000000000000401' }), '15')),
    ).toEqual(['NOT_OWNER']);
    expect(
      issueCodes(
        submit(state, cv('15C0000000000000000000403', { previous: '12C0000000000000000000401', close: '01' }), '15'),
      ),
    ).toEqual(['NOT_OWNER']);
  });

  it('closes an item: a CLOSE version without a due time; nothing after it', () => {
    const state = new IngestState();
    submit(state, cv('12C0000000000000000000501'));
    const d = submit(state, cv('12C0000000000000000000502', { previous: '12C0000000000000000000501', close: '01' }));
    expect((data(on(d.outputs, 'ncn.candidature')[0]) as { meta: object }).meta).toMatchObject({
      action: 'CLOSE',
      version: 2,
      expiresAt: null,
    });
    expect(
      issueCodes(submit(state, cv('12C0000000000000000000503', { previous: '12C0000000000000000000502' }))),
    ).toEqual(['ITEM_CLOSED']);
  });

  it('refuses a close that names no item, and an update of a version that is not the latest', () => {
    const state = new IngestState();
    expect(issueCodes(submit(state, cv('12C0000000000000000000601', { close: '01' })))).toEqual([
      'CLOSE_WITHOUT_PREDECESSOR',
    ]);
    submit(state, cv('12C0000000000000000000602'));
    submit(state, cv('12C0000000000000000000603', { previous: '12C0000000000000000000602' }));
    expect(
      issueCodes(submit(state, cv('12C0000000000000000000604', { previous: '12C0000000000000000000602' }))),
    ).toEqual(['PREDECESSOR_SUPERSEDED']);
  });

  it('refuses an update that turns a CV into a vacancy', () => {
    const state = new IngestState();
    submit(state, cv('12C0000000000000000000651'));
    const vacancy = Buffer.from(
      validVacancy.replace(
        '<cl:codiceofferta>08V2026112000000000000001</cl:codiceofferta>',
        '<cl:codiceofferta>12V0000000000000000000652</cl:codiceofferta>\n    <cl:codiceoffertaprecedente>12C0000000000000000000651</cl:codiceoffertaprecedente>',
      ),
    );
    expect(
      done(decideSubmission(input(vacancy), state.view('p0'), settings)).outputs.some(
        (o) => o.topic === 'ncn.vacancies',
      ),
    ).toBe(false);
    expect(issueCodes(submit(state, vacancy))).toEqual(['KIND_MISMATCH']);
  });

  it('drops an exact repeat, or the same content laid out otherwise, with a duplicate receipt (rule 9)', () => {
    const state = new IngestState();
    const bytes = cv('12C0000000000000000000701');
    submit(state, bytes);
    const again = submit(state, bytes);
    expect(again.outcome).toBe('DUPLICATE');
    expect(again.outputs.map((o) => o.topic)).toEqual(['nr.12.receipts']);
    const relaid = Buffer.from(bytes.toString().replace(/\n\s*/g, ''));
    expect(submit(state, relaid).outcome).toBe('DUPLICATE');
    expect(issueCodes(submit(state, cv('12C0000000000000000000701', { extra: '<cognome>Verdi</cognome>' })))).toEqual([
      'CODE_REUSED',
    ]);
  });

  it('sets percettore from the INPS data, whatever the sender said', () => {
    const state = new IngestState();
    const said = (code: string) =>
      cv(code, { system: '' })
        .toString()
        .replace(
          `<codicecandidatura>${code}</codicecandidatura>`,
          `<codicecandidatura>${code}</codicecandidatura>\n    <percettore>SI</percettore>`,
        );
    const notRecipient = submit(state, Buffer.from(said('12C0000000000000000000801')));
    const doc = (d: Extract<Decision, { kind: 'done' }>) =>
      data(on(d.outputs, 'ncn.candidature')[0]) as {
        meta: { percettore: boolean };
        document: { DatiSistema: { percettore: string } };
      };
    expect(doc(notRecipient).meta.percettore).toBe(false);
    expect(doc(notRecipient).document.DatiSistema.percettore).toBe('NO');
    state.applyPercettore('RSSMRA85T10A562S', 'I');
    const recipient = submit(state, cv('12C0000000000000000000802'));
    expect(doc(recipient).meta.percettore).toBe(true);
    expect(doc(recipient).document.DatiSistema.percettore).toBe('SI');
    state.applyPercettore('RSSMRA85T10A562S', 'D');
    expect(doc(submit(state, cv('12C0000000000000000000803'))).meta.percettore).toBe(false);
  });

  it('fills the intermediary block from the registry, and rejects an unknown intermediary (rule 6)', () => {
    const state = new IngestState();
    const registered: Intermediario = {
      codiceFiscale: '00488410010',
      denominazione: 'Agenzia Lavoro Spa',
      indirizzo: 'Via Po 1',
      idcomune: 'L219',
      cap: '10121',
      telefono: '011555',
      fax: null,
      email: 'contatti@agenzia.example.it',
      accreditatoDal: 19_000,
      accreditatoAl: null,
    };
    const system =
      '<codicefiscaleintermediario>00488410010</codicefiscaleintermediario>\n    <email>mittente@example.it</email>\n    <visibilita>SI</visibilita>';
    expect(issueCodes(submit(state, cv('12C0000000000000000000901', { system })))).toEqual(['INTERMEDIARY_UNKNOWN']);
    state.applyIntermediary('00488410010', registered);
    const d = submit(state, cv('12C0000000000000000000902', { system }));
    const item = data(on(d.outputs, 'ncn.candidature')[0]) as {
      meta: { intermediario: Intermediario };
      document: { DatiSistema: Record<string, unknown> };
    };
    expect(item.meta.intermediario).toEqual(registered);
    expect(item.document.DatiSistema).toMatchObject({
      denominazioneintermediario: 'Agenzia Lavoro Spa',
      indirizzo: 'Via Po 1',
      idcomune: 'L219',
      email: 'contatti@agenzia.example.it',
      visibilita: 'SI',
    });
  });
});

describe('effectiveExpiry (rule 4)', () => {
  it('is the latest send plus the validity period, or the end of datascadenza (Rome time) when sooner', () => {
    expect(effectiveExpiry(at, undefined, 60)).toBe(at.getTime() + 60 * 86_400_000);
    expect(new Date(effectiveExpiry(at, '2026-12-01', 60)).toISOString()).toBe('2026-12-01T23:00:00.000Z');
    expect(effectiveExpiry(at, '2027-06-01', 60)).toBe(at.getTime() + 60 * 86_400_000);
    expect(effectiveExpiry(at, undefined, 30)).toBe(at.getTime() + 30 * 86_400_000);
  });
});
