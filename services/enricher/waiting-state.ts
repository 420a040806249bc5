import type { OutputRecord } from '../runtime/runner/types';
import { Topic } from '../../contracts/topics';
import { dueAt, type Waiting, type WaitingChange, type WaitingRecord } from './core';

/** Headers of the enricher's own records (the waiting changelog and the ticks). */
export const EnricherHeader = {
  /** The enricher group the record is for: the topics are shared, each group reads only its own. */
  group: 'ncn-group',
  /** On a changelog record: the person's change count, so a tombstone too can be compared with what is known. */
  seq: 'ncn-seq',
} as const;

/** The value of a changelog record on ncn.enricher.waiting (key: codice fiscale), as JSON. */
export interface WaitingValue extends Waiting {
  readonly group: string;
}

type Entry =
  | { readonly kind: 'waiting'; readonly value: Waiting }
  /** Released here; remembered (for `seq`) until the changelog follower has seen the tombstone. */
  | { readonly kind: 'released'; readonly seq: number; readonly at: number };

interface Staged {
  readonly source: string;
  readonly cf: string;
  readonly change: Exclude<WaitingChange, { type: 'unchanged' }>;
}

const seqOf = (entry: Entry): number => (entry.kind === 'waiting' ? entry.value.seq : entry.seq);

/**
 * The waiting INPS records of every person, as the enricher's changelog (ncn.enricher.waiting) says, plus what
 * the transactions in flight have staged. A handler reads through `get(scope, source, cf)`: what its own
 * transaction staged (except what the same input staged on an earlier attempt), over what is committed. A
 * committed transaction makes its staged changes final; an aborted one drops them. The changelog follower
 * brings every committed change again later, this instance's own included: a value is applied only when its
 * `seq` is newer than the one known, and a tombstone removes only an entry no newer than itself, so the
 * follower never moves a person back.
 */
export class WaitingState {
  readonly #committed = new Map<string, Entry>();
  readonly #staged = new Map<string, Staged[]>();

  /** A person's entry as the transaction of `scope` sees it, handling input `source`. */
  get(scope: string, source: string, cf: string): Waiting | undefined {
    const mine = (this.#staged.get(scope) ?? []).filter((s) => s.cf === cf && s.source !== source).at(-1);
    if (mine !== undefined)
      return mine.change.type === 'wait' ? mine.change.value : { cf, seq: mine.change.seq, records: [] };
    const entry = this.#committed.get(cf);
    if (entry === undefined) return undefined;
    return entry.kind === 'waiting' ? entry.value : { cf, seq: entry.seq, records: [] };
  }

  /** Stages what handling `source` changes; handling it again replaces what it staged before. */
  stage(scope: string, source: string, change: WaitingChange): void {
    if (change.type === 'unchanged') return;
    const cf = change.type === 'wait' ? change.value.cf : change.cf;
    const others = (this.#staged.get(scope) ?? []).filter((s) => s.source !== source);
    this.#staged.set(scope, [...others, { source, cf, change }]);
  }

  /** The transaction of `scope` committed: its staged changes become final (`at`: wall clock, ms). */
  commit(scope: string, at = Date.now()): void {
    for (const { change } of this.#staged.get(scope) ?? []) {
      if (change.type === 'wait') this.applyValue(change.value);
      else {
        const known = this.#committed.get(change.cf);
        if (known === undefined || seqOf(known) < change.seq)
          this.#committed.set(change.cf, { kind: 'released', seq: change.seq, at });
      }
    }
    this.#staged.delete(scope);
  }

  abort(scope: string): void {
    this.#staged.delete(scope);
  }

  /** A changelog value: kept only when newer than what is known. */
  applyValue(value: Waiting): void {
    const known = this.#committed.get(value.cf);
    if (known !== undefined && seqOf(known) >= value.seq) return;
    this.#committed.set(value.cf, {
      kind: 'waiting',
      value: { cf: value.cf, seq: value.seq, records: value.records },
    });
  }

  /** A changelog tombstone: removes the person's entry unless it is newer (no seq: removes it whatever it is). */
  applyTombstone(cf: string, seq: number | undefined): void {
    const known = this.#committed.get(cf);
    if (known !== undefined && (seq === undefined || seqOf(known) <= seq)) this.#committed.delete(cf);
  }

  /**
   * Forgets releases older than `olderThanMs` whose tombstone the follower has not matched (it can read a
   * tombstone before the commit hook runs): by then it has read past them.
   */
  prune(now: number, olderThanMs: number): void {
    for (const [cf, entry] of this.#committed)
      if (entry.kind === 'released' && now - entry.at > olderThanMs) this.#committed.delete(cf);
  }

  /** People whose waiting records are due at `now` (committed state), earliest first. */
  due(now: number): string[] {
    const due: [string, number][] = [];
    for (const [cf, entry] of this.#committed) {
      if (entry.kind !== 'waiting') continue;
      const at = dueAt(entry.value);
      if (at !== undefined && at <= now) due.push([cf, at]);
    }
    return due.sort((a, b) => a[1] - b[1]).map(([cf]) => cf);
  }

  /** A person's committed waiting records (for tests and operators). */
  committed(cf: string): readonly WaitingRecord[] {
    const entry = this.#committed.get(cf);
    return entry?.kind === 'waiting' ? entry.value.records : [];
  }

  /** People with waiting records, and how many records wait. */
  get size(): { people: number; records: number } {
    let people = 0;
    let records = 0;
    for (const entry of this.#committed.values()) {
      if (entry.kind !== 'waiting') continue;
      people++;
      records += entry.value.records.length;
    }
    return { people, records };
  }
}

/** The changelog record of a change: the new waiting value as JSON, or a tombstone carrying its seq in a header. */
export function changelogRecord(change: WaitingChange, group: string): OutputRecord | undefined {
  if (change.type === 'unchanged') return undefined;
  if (change.type === 'release') {
    return {
      topic: Topic.enricherWaiting,
      key: change.cf,
      value: null,
      headers: { [EnricherHeader.group]: group, [EnricherHeader.seq]: String(change.seq) },
    };
  }
  const value: WaitingValue = { ...change.value, group };
  return {
    topic: Topic.enricherWaiting,
    key: change.value.cf,
    value: Buffer.from(JSON.stringify(value)),
    headers: { [EnricherHeader.group]: group, [EnricherHeader.seq]: String(change.value.seq) },
  };
}

/** A changelog value read back; undefined when it is not one (malformed, or not a waiting value). */
export function parseWaitingValue(bytes: Buffer): WaitingValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const v = parsed as Partial<Record<keyof WaitingValue, unknown>>;
  if (typeof v.cf !== 'string' || typeof v.group !== 'string' || !Number.isSafeInteger(v.seq)) return undefined;
  if (!Array.isArray(v.records)) return undefined;
  const records = v.records as unknown[];
  const ok = records.every((r) => {
    if (r === null || typeof r !== 'object') return false;
    const w = r as Partial<Record<keyof WaitingRecord, unknown>>;
    return (
      typeof w.receivedAt === 'number' &&
      typeof w.deadline === 'number' &&
      w.percettore !== null &&
      typeof w.percettore === 'object'
    );
  });
  return ok ? (parsed as WaitingValue) : undefined;
}
