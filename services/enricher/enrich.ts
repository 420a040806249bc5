/**
 * The enricher's rules, without I/O. Rule 3 of the exchange: an INPS record goes to the node of the worker's
 * domicile region with the qualification of the person's last employment, INPS's own when given, else the most
 * recent CO relation's. Here: which CO relation is a person's last, and what an INPS record, a CO record or a
 * tick does to the person's waiting INPS records and to ncn.percettori.
 */
import {
  TipoMovimentoSymbols,
  type Percettore,
  type PercettoreArricchito,
  type RapportoLavoro,
  type TipoMovimento,
} from '../../contracts/avro/types';
import type { NodeId } from '../../contracts/nodes';
import { comune } from '../../contracts/tables/comuni';
import { ErrorCode, NcnError } from '../runtime/errors';

/**
 * A CO record (contracts/avro/rapporto-lavoro.avsc) as far as the rules read it: dates as days, dataInvio in ms;
 * its movement type as it arrived, which relationOf checks.
 */
export type Rapporto = Pick<
  RapportoLavoro,
  'idComunicazione' | 'dataInvio' | 'codiceFiscaleLavoratore' | 'dataInizio' | 'dataFine' | 'qualificaProfessionale'
> & { readonly tipoMovimento: string };

/** A person's last employment relation, as the CO table keeps it. */
export interface CoRelation {
  /** dataInizio, Avro date (days since 1970-01-01). */
  readonly start: number;
  /** dataFine (days), when known: planned for a fixed term, actual after a CES. */
  readonly end: number | null;
  /** CP2011 code. */
  readonly qualifica: string;
  readonly idComunicazione: string;
  readonly tipoMovimento: TipoMovimento;
  /** Where the relation stands among the person's CO records (orderOf). */
  readonly order: string;
}

/** Where the qualification that goes out comes from (the Avro enum FonteQualifica). */
export const FonteQualifica = { inps: 'INPS', co: 'CO', unknown: 'SCONOSCIUTA' } as const satisfies Record<
  string,
  PercettoreArricchito['fonteQualifica']
>;

/** An INPS record waiting for CO data. Times in epoch ms. */
export interface WaitingRecord {
  readonly receivedAt: number;
  /** When it goes out without a qualification: receivedAt + the configured wait. */
  readonly deadline: number;
  readonly percettore: Percettore;
}

/**
 * A person's waiting INPS records, oldest first. `seq` counts the changes of the person's entry: a changelog
 * record is applied only when newer. An entry with no records is a release remembered for its `seq`.
 */
export interface Waiting {
  readonly cf: string;
  readonly seq: number;
  readonly records: readonly WaitingRecord[];
}

/** What an input does to a person's waiting records. */
export type WaitingChange =
  | { readonly type: 'unchanged' }
  | { readonly type: 'wait'; readonly value: Waiting }
  | { readonly type: 'release'; readonly cf: string; readonly seq: number };

/** The input the enricher decides on, for one person. */
export type EnricherInput =
  | { readonly kind: 'percettore'; readonly percettore: Percettore }
  /** A CO record, already merged into the CO table: the context's relation is the table's after the merge. */
  | { readonly kind: 'rapporto' }
  /** "Look again at this person's waiting records". */
  | { readonly kind: 'tick' };

export interface EnricherContext {
  /** The person's waiting records, as the input's transaction sees them. */
  readonly waiting: Waiting | undefined;
  /** The person's last CO relation, when the CO table has one. */
  readonly relation: CoRelation | undefined;
  /** The clock, epoch ms: when the input is received and compared with deadlines. */
  readonly now: number;
  /** How long an INPS record waits for CO data (NCN_QUALIFICATION_WAIT_MS). */
  readonly waitMs: number;
}

/** What one input causes: the records that go out on ncn.percettori, in order, and the waiting records after. */
export interface EnricherDecision {
  readonly released: readonly PercettoreArricchito[];
  readonly change: WaitingChange;
}

/** A signed integer as a fixed-width string whose byte order is the numbers' order. */
const sortable = (n: number): string => (BigInt(Math.trunc(n)) + 2n ** 63n).toString().padStart(20, '0');

/**
 * The order of a CO record among a person's: start date, then the time it was sent, then its id (so that two
 * different records never tie). Compared as bytes (compareOrder), by the CO table's Lua script too.
 */
export const orderOf = (r: { dataInizio: number; dataInvio: number; idComunicazione: string }): string =>
  `${sortable(r.dataInizio)}.${sortable(r.dataInvio)}.${r.idComunicazione}`;

/** Byte-wise comparison of two orders (UTF-8), as Redis's script compares them. */
export const compareOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const isTipoMovimento = (value: string): value is TipoMovimento =>
  (TipoMovimentoSymbols as readonly string[]).includes(value);
const isDays = (value: unknown): value is number => Number.isSafeInteger(value);

/** The relation a CO record describes; a record the table cannot hold is a permanent NCN_DECODE error. */
export function relationOf(r: Rapporto): CoRelation {
  const problems: string[] = [];
  if (typeof r.codiceFiscaleLavoratore !== 'string' || r.codiceFiscaleLavoratore === '') problems.push('no worker');
  if (typeof r.idComunicazione !== 'string' || r.idComunicazione === '') problems.push('no idComunicazione');
  if (!isTipoMovimento(r.tipoMovimento)) problems.push(`tipoMovimento '${String(r.tipoMovimento)}'`);
  if (!isDays(r.dataInizio)) problems.push('dataInizio');
  if (r.dataFine !== null && !isDays(r.dataFine)) problems.push('dataFine');
  if (!Number.isSafeInteger(r.dataInvio)) problems.push('dataInvio');
  if (typeof r.qualificaProfessionale !== 'string') problems.push('qualificaProfessionale');
  if (problems.length > 0 || !isTipoMovimento(r.tipoMovimento)) {
    throw new NcnError(ErrorCode.Decode, `CO record ${String(r.idComunicazione)}: bad ${problems.join(', ')}`);
  }
  return {
    start: r.dataInizio,
    end: r.dataFine,
    qualifica: r.qualificaProfessionale,
    idComunicazione: r.idComunicazione,
    tipoMovimento: r.tipoMovimento,
    order: orderOf(r),
  };
}

/**
 * The merge rule of the CO table: a relation replaces the stored one only when its order is greater. An older
 * relation arriving late never overwrites a newer one; a CES, PRO or TRA with the same start and a later send
 * records the end or the new qualification; applying a record again changes nothing.
 */
export const mergeRelation = (stored: CoRelation | undefined, incoming: CoRelation): CoRelation =>
  stored === undefined || compareOrder(incoming.order, stored.order) > 0 ? incoming : stored;

/**
 * Whether an INPS record leaves its person a current income-support recipient: D (cancel) ends it, anything
 * else (I insert, U update) makes one. The same rule as ingest's (services/ingest/state.ts applyPercettore).
 */
export const isRecipient = (tipoOperazione: string): boolean => tipoOperazione !== 'D';

/** The node an INPS record goes to: the one of its domicile comune's region. */
export function nodoOf(p: Percettore): NodeId {
  const node = comune(p.codiceComuneDomicilio)?.node;
  if (node === undefined) {
    throw new NcnError(
      ErrorCode.Unroutable,
      `INPS record ${p.idComunicazione}: domicile comune '${p.codiceComuneDomicilio}' is ${
        comune(p.codiceComuneDomicilio) === undefined ? 'unknown' : 'not in Italy'
      }, so no node can receive it`,
    );
  }
  return node;
}

/** INPS's own qualification, when it gave one (blank counts as none). */
const ownQualifica = (p: Percettore): string | undefined =>
  typeof p.ultimaQualifica === 'string' && p.ultimaQualifica.trim() !== '' ? p.ultimaQualifica : undefined;

/**
 * The record that goes out: INPS's own qualification when given (fonte INPS), else the last CO relation's
 * (fonte CO), else none (SCONOSCIUTA). The CO relation's qualification and start are recorded beside it
 * whenever the table has one.
 */
export function enrich(p: Percettore, relation: CoRelation | undefined, now: number): PercettoreArricchito {
  const own = ownQualifica(p);
  return {
    percettore: p,
    qualifica: own ?? relation?.qualifica ?? null,
    fonteQualifica:
      own !== undefined ? FonteQualifica.inps : relation !== undefined ? FonteQualifica.co : FonteQualifica.unknown,
    qualificaCo: relation?.qualifica ?? null,
    dataInizioRapportoCo: relation?.start ?? null,
    nodoDestinazione: nodoOf(p),
    arricchitoIl: now,
  };
}

/** When a person's waiting records go out without CO data: the earliest deadline among them. */
export const dueAt = (waiting: Waiting): number | undefined =>
  waiting.records.length === 0 ? undefined : Math.min(...waiting.records.map((r) => r.deadline));

const unchanged: WaitingChange = { type: 'unchanged' };

/**
 * Decides one input for one person (rule 3):
 * - an INPS record queues behind the person's waiting records (per-person FIFO); with none waiting it goes out
 *   at once when INPS gave its qualification, when the CO table knows the person, or when it is a cancel (D);
 *   otherwise it waits for CO data until now + waitMs. An unroutable record throws before anything changes.
 *   When records wait although the CO table knows the person (a state only a crash between Redis and Kafka
 *   leaves), they all go out with the new one.
 * - a CO record releases every waiting record, in order, enriched with the relation now known.
 * - a tick releases every waiting record once the earliest deadline has passed, enriched from CO if the table
 *   now knows the person, else without a qualification (SCONOSCIUTA). Early, duplicate or stale ticks do nothing.
 */
export function decide(input: EnricherInput, ctx: EnricherContext): EnricherDecision {
  const waiting = ctx.waiting?.records ?? [];
  const seq = (ctx.waiting?.seq ?? 0) + 1;
  const releaseAll = (cf: string, records: readonly Percettore[]): EnricherDecision => ({
    released: records.map((p) => enrich(p, ctx.relation, ctx.now)),
    change: waiting.length > 0 ? { type: 'release', cf, seq } : unchanged,
  });
  switch (input.kind) {
    case 'percettore': {
      const p = input.percettore;
      nodoOf(p);
      const cf = p.codiceFiscale;
      const arriving: WaitingRecord = { receivedAt: ctx.now, deadline: ctx.now + ctx.waitMs, percettore: p };
      if (waiting.length > 0) {
        if (ctx.relation !== undefined) return releaseAll(cf, [...waiting.map((w) => w.percettore), p]);
        return { released: [], change: { type: 'wait', value: { cf, seq, records: [...waiting, arriving] } } };
      }
      if (ownQualifica(p) !== undefined || ctx.relation !== undefined || !isRecipient(p.tipoOperazione)) {
        return { released: [enrich(p, ctx.relation, ctx.now)], change: unchanged };
      }
      return { released: [], change: { type: 'wait', value: { cf, seq, records: [arriving] } } };
    }
    case 'rapporto': {
      if (waiting.length === 0 || ctx.waiting === undefined) return { released: [], change: unchanged };
      return releaseAll(
        ctx.waiting.cf,
        waiting.map((w) => w.percettore),
      );
    }
    case 'tick': {
      const due = ctx.waiting === undefined ? undefined : dueAt(ctx.waiting);
      if (ctx.waiting === undefined || due === undefined || ctx.now < due) return { released: [], change: unchanged };
      return releaseAll(
        ctx.waiting.cf,
        waiting.map((w) => w.percettore),
      );
    }
  }
}
