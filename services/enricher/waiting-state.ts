import type { OutputRecord } from '../runtime/runner/types';
import { StagedStore } from '../runtime/runner/staged-store';
import { EnricherHeader } from '../../contracts/headers';
import { Topic } from '../../contracts/topics';
import { dueAt, type Waiting, type WaitingChange, type WaitingRecord } from './enrich';

/** The value of a changelog record on ncn.enricher.waiting (key: codice fiscale), as JSON. */
export interface WaitingValue extends Waiting {
  readonly group: string;
}

type Entry =
  | { readonly kind: 'waiting'; readonly value: Waiting }
  /** Released here; remembered (for `seq`) until the changelog follower has seen the tombstone. */
  | { readonly kind: 'released'; readonly cf: string; readonly seq: number };

const seqOf = (entry: Entry): number => (entry.kind === 'waiting' ? entry.value.seq : entry.seq);
const cfOf = (entry: Entry): string => (entry.kind === 'waiting' ? entry.value.cf : entry.cf);

/**
 * The waiting INPS records of every person, as the enricher's changelog (ncn.enricher.waiting) says, plus what
 * the transactions in flight have staged: a StagedStore by codice fiscale (its staging rules), whose value is a
 * person's waiting records or the memory of their release. A value is applied only when its `seq` is newer than
 * the one known, and a tombstone removes only an entry no newer than itself, so the follower, which brings every
 * committed change again later (this instance's own included), never moves a person back.
 */
export class WaitingState {
  readonly #store = new StagedStore<Entry>(cfOf, (candidate, known) => seqOf(candidate) > seqOf(known));
  /** When each committed release was made final here (wall clock, ms), for `prune`. */
  readonly #releasedAt = new Map<string, number>();
  /** Each person's task (the partition of the codice fiscale, in the changelog as in the inputs), for `due`. */
  readonly #taskOf = new Map<string, string>();

  /** A person's entry as the transaction of `scope` sees it, handling input `source`. */
  get(scope: string, source: string, cf: string): Waiting | undefined {
    return view(this.#store.get(scope, source, cf), cf);
  }

  /** Stages what handling `source` changes; handling it again replaces what it staged before. */
  stage(scope: string, source: string, change: WaitingChange): void {
    if (change.type === 'unchanged') {
      this.#store.unstage(scope, source);
      return;
    }
    this.#store.stage(
      scope,
      source,
      change.type === 'wait'
        ? { kind: 'waiting', value: change.value }
        : { kind: 'released', cf: change.cf, seq: change.seq },
    );
  }

  /** The transaction of `scope` committed: its staged changes become final (`at`: wall clock, ms). */
  commit(scope: string, at = Date.now()): void {
    for (const entry of this.#store.commit(scope)) {
      this.#taskOf.set(cfOf(entry), scope);
      if (entry.kind === 'released') this.#releasedAt.set(entry.cf, at);
    }
  }

  abort(scope: string): void {
    this.#store.abort(scope);
  }

  /** A changelog value of task `task` (its partition): kept only when newer than what is known. */
  applyValue(value: Waiting, task: string): void {
    this.#taskOf.set(value.cf, task);
    this.#store.apply({ kind: 'waiting', value: { cf: value.cf, seq: value.seq, records: value.records } });
  }

  /** A changelog tombstone: removes the person's entry unless it is newer (no seq: removes it whatever it is). */
  applyTombstone(cf: string, seq: number | undefined): void {
    if (this.#store.remove(cf, (known) => seq === undefined || seqOf(known) <= seq)) {
      this.#releasedAt.delete(cf);
      this.#taskOf.delete(cf);
    }
  }

  /**
   * Forgets releases older than `olderThanMs` whose tombstone the follower has not matched (it can read a
   * tombstone before the commit hook runs): by then it has read past them.
   */
  prune(now: number, olderThanMs: number): void {
    for (const [cf, at] of this.#releasedAt) {
      if (now - at <= olderThanMs) continue;
      if (this.#store.remove(cf, (known) => known.kind === 'released')) this.#taskOf.delete(cf);
      this.#releasedAt.delete(cf);
    }
  }

  /** People of `task` whose waiting records are due at `now` (committed state), earliest first. */
  due(now: number, task: string): string[] {
    const due: [string, number][] = [];
    for (const entry of this.#store.values()) {
      if (entry.kind !== 'waiting' || this.#taskOf.get(entry.value.cf) !== task) continue;
      const at = dueAt(entry.value);
      if (at !== undefined && at <= now) due.push([entry.value.cf, at]);
    }
    return due.sort((a, b) => a[1] - b[1]).map(([cf]) => cf);
  }

  /** A person's committed waiting records (for tests and operators). */
  committed(cf: string): readonly WaitingRecord[] {
    const entry = this.#store.committed(cf);
    return entry?.kind === 'waiting' ? entry.value.records : [];
  }

  /** People with waiting records, and how many records wait. */
  get size(): { people: number; records: number } {
    let people = 0;
    let records = 0;
    for (const entry of this.#store.values()) {
      if (entry.kind !== 'waiting') continue;
      people++;
      records += entry.value.records.length;
    }
    return { people, records };
  }
}

/** An entry as handlers read it: the waiting records, or none after a release (with its seq). */
const view = (entry: Entry | undefined, cf: string): Waiting | undefined =>
  entry === undefined ? undefined : entry.kind === 'waiting' ? entry.value : { cf, seq: entry.seq, records: [] };

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
