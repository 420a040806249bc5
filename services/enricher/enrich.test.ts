import avro from 'avsc';
import { avroSchema } from '../../contracts/avro/schemas';
import { NodeIds } from '../../contracts/nodes';
import { comuniOf, person } from '../../lib/gen/people';
import { Random } from '../../lib/gen/random';
import { generatePercettore } from '../../lib/gen/records';
import { TipoMovimentoSymbols, type Percettore } from '../../contracts/avro/types';
import {
  FonteQualifica,
  compareOrder,
  decide,
  dueAt,
  enrich,
  isRecipient,
  mergeRelation,
  nodoOf,
  orderOf,
  relationOf,
  type CoRelation,
  type EnricherInput,
  type Rapporto,
  type Waiting,
} from './enrich';
import { toPercettore } from './records';
import { ErrorCode, NcnError } from '../runtime/errors';

const CF = 'RSSMRA85T10A562S';
const NOW = Date.UTC(2026, 2, 10, 9);
const WAIT = 86_400_000;
const arricchito = avro.Type.forSchema(avroSchema('it.ncn.PercettoreArricchito'));

function percettore(over: Partial<Percettore> = {}): Percettore {
  const base = generatePercettore(new Random(7), person(new Random(7), '12'), new Date(NOW), 1);
  return toPercettore({ ...base, codiceFiscale: CF, codiceComuneDomicilio: 'H501', ultimaQualifica: null, ...over });
}

function rapporto(over: Partial<Rapporto> = {}): Rapporto {
  return {
    idComunicazione: 'CO1',
    tipoMovimento: 'AVV',
    dataInvio: NOW,
    codiceFiscaleLavoratore: CF,
    dataInizio: 20_000,
    dataFine: null,
    qualificaProfessionale: '2.1.1.3.1',
    ...over,
  };
}

const relation = (over: Partial<Rapporto> = {}): CoRelation => relationOf(rapporto(over));

const waitingOf = (...ps: Percettore[]): Waiting => ({
  cf: CF,
  seq: 4,
  records: ps.map((p, i) => ({ receivedAt: NOW - 1_000 + i, deadline: NOW - 1_000 + i + WAIT, percettore: p })),
});

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('the order of a CO record', () => {
  it('orders by start date, then by the time it was sent, then by its id', () => {
    const a = orderOf({ dataInizio: 100, dataInvio: 5_000, idComunicazione: 'B' });
    expect(compareOrder(orderOf({ dataInizio: 101, dataInvio: 0, idComunicazione: 'A' }), a)).toBeGreaterThan(0);
    expect(compareOrder(orderOf({ dataInizio: 100, dataInvio: 5_001, idComunicazione: 'A' }), a)).toBeGreaterThan(0);
    expect(compareOrder(orderOf({ dataInizio: 100, dataInvio: 5_000, idComunicazione: 'C' }), a)).toBeGreaterThan(0);
    expect(compareOrder(orderOf({ dataInizio: 100, dataInvio: 5_000, idComunicazione: 'B' }), a)).toBe(0);
  });

  it('is a zero-padded string whose byte order is the numeric order, negative dates included', () => {
    const rng = new Random(11);
    for (let i = 0; i < 2_000; i++) {
      const x = { dataInizio: rng.int(-40_000, 60_000), dataInvio: rng.int(-1e12, 4e12), idComunicazione: 'X' };
      const y = { dataInizio: rng.int(-40_000, 60_000), dataInvio: rng.int(-1e12, 4e12), idComunicazione: 'X' };
      const expected = Math.sign(x.dataInizio - y.dataInizio) || Math.sign(x.dataInvio - y.dataInvio);
      expect(Math.sign(compareOrder(orderOf(x), orderOf(y)))).toBe(expected);
      expect(orderOf(x)).toHaveLength(orderOf(y).length);
    }
  });

  it('compares as UTF-8 bytes, as the Lua script does', () => {
    expect(compareOrder('a\uffff', 'a\u{1f600}')).toBeLessThan(0);
    expect(compareOrder('ab', 'a')).toBeGreaterThan(0);
  });
});

describe('the last relation of a worker (the merge rule)', () => {
  it('takes the first relation known', () => {
    const r = relation();
    expect(mergeRelation(undefined, r)).toBe(r);
  });

  it('replaces a relation with one that started later', () => {
    const old = relation({ dataInizio: 19_000 });
    const newer = relation({ idComunicazione: 'CO2', dataInizio: 19_500, dataInvio: NOW - 86_400_000 });
    expect(mergeRelation(old, newer)).toBe(newer);
  });

  it('keeps the newer relation when an older one arrives late, even sent later', () => {
    const newer = relation({ dataInizio: 20_000 });
    const late = relation({ idComunicazione: 'CO0', dataInizio: 19_000, dataInvio: NOW + 86_400_000 });
    expect(mergeRelation(newer, late)).toBe(newer);
  });

  it('records the end of the relation from a CES with the same start, sent later', () => {
    const start = relation({ dataInizio: 20_000, dataFine: null });
    const end = relation({
      idComunicazione: 'CO9',
      tipoMovimento: 'CES',
      dataInizio: 20_000,
      dataFine: 20_400,
      dataInvio: NOW + 1,
    });
    expect(mergeRelation(start, end)).toMatchObject({ end: 20_400, tipoMovimento: 'CES', start: 20_000 });
  });

  it('records a new qualification from a TRA, and a new end from a PRO, with the same start', () => {
    const start = relation({ dataFine: 20_100 });
    const tra = relation({
      idComunicazione: 'T',
      tipoMovimento: 'TRA',
      dataInvio: NOW + 1,
      qualificaProfessionale: '3.1.2.2.0',
    });
    const pro = relation({ idComunicazione: 'P', tipoMovimento: 'PRO', dataInvio: NOW + 2, dataFine: 20_300 });
    expect(mergeRelation(start, tra).qualifica).toBe('3.1.2.2.0');
    expect(mergeRelation(mergeRelation(start, tra), pro)).toMatchObject({ end: 20_300, tipoMovimento: 'PRO' });
  });

  it('changes nothing when a record is applied again', () => {
    const r = relation();
    const again = relation();
    expect(mergeRelation(r, again)).toBe(r);
  });

  it('ends with the same relation whatever order the records arrive in, with replays', () => {
    const rng = new Random(3);
    for (let round = 0; round < 300; round++) {
      const records = Array.from({ length: rng.int(1, 6) }, (_, i) =>
        relation({
          idComunicazione: `CO${i}`,
          tipoMovimento: rng.pick(TipoMovimentoSymbols),
          dataInizio: rng.int(19_990, 19_993),
          dataInvio: NOW + rng.int(0, 3) * 1_000,
          qualificaProfessionale: `${rng.int(1, 9)}.1.1.1.0`,
        }),
      );
      const best = [...records].sort((a, b) => compareOrder(b.order, a.order))[0];
      const shuffled = rng.some(records, records.length);
      const replayed = [...shuffled, ...rng.some(records, rng.int(0, records.length))];
      const last = replayed.reduce<CoRelation | undefined>((stored, r) => mergeRelation(stored, r), undefined);
      expect(last).toBe(best);
    }
  });

  it('refuses a CO record it cannot hold, naming what is wrong', () => {
    for (const bad of [
      rapporto({ tipoMovimento: 'XXX' }),
      rapporto({ dataInizio: 1.5 }),
      rapporto({ dataFine: Number.NaN }),
      rapporto({ codiceFiscaleLavoratore: '' }),
      rapporto({ idComunicazione: '' }),
    ]) {
      const error = thrown(() => relationOf(bad));
      expect(error).toBeInstanceOf(NcnError);
      expect(error).toMatchObject({ code: ErrorCode.Decode, retriable: false });
    }
  });
});

describe('income-support recipients', () => {
  it('I and U make a recipient, D ends it (the rule of ingest)', () => {
    expect(isRecipient('I')).toBe(true);
    expect(isRecipient('U')).toBe(true);
    expect(isRecipient('D')).toBe(false);
  });
});

describe('the destination of an INPS record', () => {
  it('is the node of the domicile comune, Bolzano and Trento included', () => {
    expect(nodoOf(percettore({ codiceComuneDomicilio: 'H501' }))).toBe('12');
    expect(nodoOf(percettore({ codiceComuneDomicilio: 'A952' }))).toBe('21');
    expect(nodoOf(percettore({ codiceComuneDomicilio: 'L378' }))).toBe('22');
    for (const node of NodeIds.filter((n) => n !== '00')) {
      const comune = comuniOf(node).find((c) => c.node === node);
      expect(nodoOf(percettore({ codiceComuneDomicilio: comune?.code ?? '' }))).toBe(node);
    }
  });

  it('cannot be found for an unknown comune or one no longer in Italy: a permanent NCN_UNROUTABLE', () => {
    for (const [code, why] of [
      ['X999', 'unknown'],
      ['A009', 'not in Italy'],
    ]) {
      const error = thrown(() => nodoOf(percettore({ codiceComuneDomicilio: code })));
      expect(error).toMatchObject({ code: ErrorCode.Unroutable, retriable: false });
      expect((error as Error).message).toContain(why);
    }
  });
});

describe('enriching a record', () => {
  it("keeps INPS's own qualification, with the CO one beside it", () => {
    const out = enrich(percettore({ ultimaQualifica: '5.1.2.2.0' }), relation(), NOW);
    expect(out).toMatchObject({
      qualifica: '5.1.2.2.0',
      fonteQualifica: 'INPS',
      qualificaCo: '2.1.1.3.1',
      dataInizioRapportoCo: 20_000,
      nodoDestinazione: '12',
      arricchitoIl: NOW,
    });
  });

  it('fills the qualification from CO when INPS gave none (blank counts as none)', () => {
    for (const none of [null, '', '  ']) {
      expect(enrich(percettore({ ultimaQualifica: none }), relation(), NOW)).toMatchObject({
        qualifica: '2.1.1.3.1',
        fonteQualifica: 'CO',
        qualificaCo: '2.1.1.3.1',
        dataInizioRapportoCo: 20_000,
      });
    }
  });

  it('marks the qualification unknown when neither has one', () => {
    expect(enrich(percettore(), undefined, NOW)).toMatchObject({
      qualifica: null,
      fonteQualifica: 'SCONOSCIUTA',
      qualificaCo: null,
      dataInizioRapportoCo: null,
    });
  });

  it('produces valid it.ncn.PercettoreArricchito values, the INPS record unchanged inside', () => {
    const p = percettore({ ultimaQualifica: '5.1.2.2.0' });
    for (const r of [relation(), undefined]) {
      const out = enrich(p, r, NOW);
      expect(arricchito.isValid(out)).toBe(true);
      expect(out.percettore).toBe(p);
      const json = JSON.parse(JSON.stringify(out)) as unknown;
      expect(arricchito.isValid(json)).toBe(true);
    }
  });
});

describe('deciding an INPS record', () => {
  const ctx = (waiting: Waiting | undefined, rel: CoRelation | undefined) => ({
    waiting,
    relation: rel,
    now: NOW,
    waitMs: WAIT,
  });
  const released: Waiting = { cf: CF, seq: 7, records: [] };

  /** Every combination: waiting (none, a remembered release, records), CO data, INPS's own, the operation. */
  const cases = [undefined, released, waitingOf(percettore({ idComunicazione: 'W1' }))].flatMap((waiting) =>
    [undefined, relation()].flatMap((rel) =>
      [null, '5.1.2.2.0'].flatMap((own) => ['I', 'U', 'D'].map((op) => ({ waiting, rel, own, op }))),
    ),
  );

  it.each(
    cases.map((c) => [
      `waiting ${c.waiting?.records.length ?? '-'} co ${c.rel ? 'yes' : 'no'} inps ${c.own ?? 'none'} ${c.op}`,
      c,
    ]),
  )('%s', (_, { waiting, rel, own, op }) => {
    const p = percettore({ idComunicazione: 'NEW', ultimaQualifica: own, tipoOperazione: op });
    const d = decide({ kind: 'percettore', percettore: p }, ctx(waiting, rel));
    const queued = waiting?.records ?? [];
    const seq = (waiting?.seq ?? 0) + 1;
    if (queued.length > 0 && rel === undefined) {
      // Behind the waiting ones, whatever it carries: per-person order.
      expect(d.released).toEqual([]);
      expect(d.change).toEqual({
        type: 'wait',
        value: { cf: CF, seq, records: [...queued, { receivedAt: NOW, deadline: NOW + WAIT, percettore: p }] },
      });
    } else if (queued.length > 0) {
      // CO data known while records wait (a crash between Redis and Kafka): all go out, in order.
      expect(d.released.map((r) => r.percettore.idComunicazione)).toEqual(['W1', 'NEW']);
      expect(d.change).toEqual({ type: 'release', cf: CF, seq });
    } else if (own !== null || rel !== undefined || op === 'D') {
      expect(d.released).toEqual([enrich(p, rel, NOW)]);
      expect(d.released[0]?.fonteQualifica).toBe(own !== null ? 'INPS' : rel ? 'CO' : 'SCONOSCIUTA');
      expect(d.change).toEqual({ type: 'unchanged' });
    } else {
      expect(d.released).toEqual([]);
      expect(d.change).toEqual({
        type: 'wait',
        value: { cf: CF, seq, records: [{ receivedAt: NOW, deadline: NOW + WAIT, percettore: p }] },
      });
    }
  });

  it('refuses an unroutable record before anything changes, waiting or not', () => {
    const p = percettore({ codiceComuneDomicilio: 'X999' });
    for (const waiting of [undefined, waitingOf(percettore())]) {
      expect(thrown(() => decide({ kind: 'percettore', percettore: p }, ctx(waiting, undefined)))).toMatchObject({
        code: ErrorCode.Unroutable,
      });
    }
  });
});

describe('deciding a CO record', () => {
  it('releases every waiting record, in order, enriched from CO (INPS where INPS gave its own)', () => {
    const a = percettore({ idComunicazione: 'A' });
    const b = percettore({ idComunicazione: 'B', ultimaQualifica: '5.1.2.2.0' });
    const c = percettore({ idComunicazione: 'C', tipoOperazione: 'D' });
    const d = decide(
      { kind: 'rapporto' },
      { waiting: waitingOf(a, b, c), relation: relation(), now: NOW, waitMs: WAIT },
    );
    expect(d.released.map((r) => [r.percettore.idComunicazione, r.fonteQualifica, r.qualifica])).toEqual([
      ['A', 'CO', '2.1.1.3.1'],
      ['B', 'INPS', '5.1.2.2.0'],
      ['C', 'CO', '2.1.1.3.1'],
    ]);
    expect(d.change).toEqual({ type: 'release', cf: CF, seq: 5 });
  });

  it('does nothing else when nothing waits', () => {
    for (const waiting of [undefined, { cf: CF, seq: 3, records: [] }]) {
      expect(decide({ kind: 'rapporto' }, { waiting, relation: relation(), now: NOW, waitMs: WAIT })).toEqual({
        released: [],
        change: { type: 'unchanged' },
      });
    }
  });
});

describe('deciding a tick', () => {
  const waiting = waitingOf(percettore({ idComunicazione: 'A' }), percettore({ idComunicazione: 'B' }));
  const due = dueAt(waiting) ?? 0;

  it('does nothing before the earliest deadline', () => {
    expect(decide({ kind: 'tick' }, { waiting, relation: undefined, now: due - 1, waitMs: WAIT })).toEqual({
      released: [],
      change: { type: 'unchanged' },
    });
  });

  it('releases everything as SCONOSCIUTA at the deadline when CO still knows nothing', () => {
    const d = decide({ kind: 'tick' }, { waiting, relation: undefined, now: due, waitMs: WAIT });
    expect(d.released.map((r) => [r.percettore.idComunicazione, r.fonteQualifica, r.qualifica])).toEqual([
      ['A', 'SCONOSCIUTA', null],
      ['B', 'SCONOSCIUTA', null],
    ]);
    expect(d.change).toEqual({ type: 'release', cf: CF, seq: 5 });
  });

  it('releases from CO when the table knows the person by then', () => {
    const d = decide({ kind: 'tick' }, { waiting, relation: relation(), now: due + 1, waitMs: WAIT });
    expect(d.released.every((r) => r.fonteQualifica === 'CO')).toBe(true);
  });

  it('changes nothing when stale or repeated (nothing waits any more)', () => {
    for (const w of [undefined, { cf: CF, seq: 5, records: [] }]) {
      expect(decide({ kind: 'tick' }, { waiting: w, relation: undefined, now: due + 10, waitMs: WAIT })).toEqual({
        released: [],
        change: { type: 'unchanged' },
      });
    }
  });

  it('takes the earliest deadline, whatever the order of the records', () => {
    const w: Waiting = {
      cf: CF,
      seq: 1,
      records: [
        { receivedAt: 0, deadline: 500, percettore: percettore() },
        { receivedAt: 1, deadline: 200, percettore: percettore() },
      ],
    };
    expect(dueAt(w)).toBe(200);
    expect(dueAt({ cf: CF, seq: 1, records: [] })).toBeUndefined();
  });
});

describe('a person over time (random interleavings of INPS records, CO records and ticks)', () => {
  it('sends every INPS record exactly once, in arrival order, as SCONOSCIUTA only when CO knew nothing', () => {
    const rng = new Random(2026);
    const waitMs = 10_000;
    for (let run = 0; run < 500; run++) {
      let now = NOW;
      let waiting: Waiting | undefined;
      let stored: CoRelation | undefined;
      const sent: string[] = [];
      const arrived: { id: string; own: boolean }[] = [];
      const apply = (input: EnricherInput): void => {
        const oldest = waiting?.records[0];
        const d = decide(input, { waiting, relation: stored, now, waitMs });
        for (const r of d.released) {
          sent.push(r.percettore.idComunicazione);
          const own = arrived.find((a) => a.id === r.percettore.idComunicazione)?.own;
          expect(r.fonteQualifica).toBe(own ? 'INPS' : stored ? 'CO' : 'SCONOSCIUTA');
          if (r.fonteQualifica === FonteQualifica.unknown && input.kind === 'tick')
            expect(now).toBeGreaterThanOrEqual((oldest?.receivedAt ?? Infinity) + waitMs);
          if (r.fonteQualifica === FonteQualifica.unknown && input.kind === 'percettore')
            expect(input.percettore.tipoOperazione).toBe('D');
        }
        if (d.change.type !== 'unchanged')
          expect(d.change.type === 'wait' ? d.change.value.seq : d.change.seq).toBe((waiting?.seq ?? 0) + 1);
        if (d.change.type === 'wait') waiting = d.change.value;
        if (d.change.type === 'release') waiting = { cf: CF, seq: d.change.seq, records: [] };
      };
      const steps = rng.int(1, 12);
      for (let i = 0; i < steps; i++) {
        now += rng.int(0, 6_000);
        const kind = rng.weighted<EnricherInput['kind']>([
          ['percettore', 5],
          ['rapporto', 2],
          ['tick', 3],
        ]);
        if (kind === 'percettore') {
          const own = rng.chance(0.2);
          const id = `P${i}`;
          arrived.push({ id, own });
          const tipoOperazione = rng.pick(['I', 'U', 'D']);
          apply({
            kind,
            percettore: percettore({ idComunicazione: id, tipoOperazione, ultimaQualifica: own ? '5.1.2.2.0' : null }),
          });
        } else if (kind === 'rapporto') {
          stored = mergeRelation(stored, relation({ idComunicazione: `C${i}`, dataInizio: rng.int(19_000, 20_000) }));
          apply({ kind });
        } else apply({ kind });
        // Applying the same tick again changes nothing.
        if (kind === 'tick') {
          const before = sent.length;
          apply({ kind: 'tick' });
          expect(sent.length).toBe(before);
        }
      }
      now += 2 * waitMs;
      apply({ kind: 'tick' });
      expect(sent).toEqual(arrived.map((a) => a.id));
      expect(waiting?.records ?? []).toEqual([]);
    }
  });
});
