/**
 * A service's state by key, as its compacted changelog says, plus what the transactions in flight have staged.
 *
 * Staging is per task (the runner's unit: a partition, or partition p of co-partitioned inputs) and per source
 * record: a handler reads what its task staged before it, then what is committed; what the record being handled
 * staged itself is not seen, so a retry of the same record decides as the first attempt did and replaces what that
 * attempt staged. A committed transaction makes its tasks' staged values final; an aborted one drops them. The
 * changelog follower applies the same records again later: a value replaces the known one only when `newer`.
 * Every service's staged state is one or more of these (the dispatcher's holdings, ingest's item chains and
 * messages, the enricher's waiting records), so the staging rules are written once.
 */
export class StagedStore<V> {
  readonly #committed = new Map<string, V>();
  /** Per task, what it staged in order: the source record (topic:partition:offset), the key and the value. */
  readonly #staged = new Map<string, { source: string; key: string; value: V }[]>();

  /**
   * @param keyOf the key a value is stored under.
   * @param newer whether a value should replace the one known for its key (a sequence number, a version).
   * @param stale whether a staged value is older than the committed one and should not be read (when another task
   *   can commit the same key: ingest's item chains span partitions); by default a task's staged value is read.
   */
  constructor(
    private readonly keyOf: (value: V) => string,
    private readonly newer: (candidate: V, known: V) => boolean,
    private readonly stale: (staged: V, committed: V) => boolean = () => false,
  ) {}

  /** Committed values. */
  get size(): number {
    return this.#committed.size;
  }

  /** The value of `key` as the record `source` of `task` reads it: staged before it in the task, else committed. */
  get(task: string, source: string, key: string): V | undefined {
    const committed = this.#committed.get(key);
    const staged = this.#staged.get(task);
    if (staged !== undefined) {
      for (let i = staged.length - 1; i >= 0; i--) {
        const s = staged[i];
        if (s !== undefined && s.key === key && s.source !== source)
          return committed !== undefined && this.stale(s.value, committed) ? committed : s.value;
      }
    }
    return committed;
  }

  /** The committed value of `key`. */
  committed(key: string): V | undefined {
    return this.#committed.get(key);
  }

  /**
   * Stages what handling `source` changes; handling it again replaces whatever it staged before (a retry may decide
   * on another key: what committed meanwhile through another task can change the decision).
   */
  stage(task: string, source: string, value: V): void {
    const staged = (this.#staged.get(task) ?? []).filter((s) => s.source !== source);
    staged.push({ source, key: this.keyOf(value), value });
    this.#staged.set(task, staged);
  }

  /** Drops what handling `source` staged (handled again, it changes nothing here). */
  unstage(task: string, source: string): void {
    const staged = this.#staged.get(task);
    if (staged === undefined) return;
    const kept = staged.filter((s) => s.source !== source);
    if (kept.length === 0) this.#staged.delete(task);
    else if (kept.length !== staged.length) this.#staged.set(task, kept);
  }

  /** The task's transaction committed: what it staged is final. Returns what it had staged, in order. */
  commit(task: string): V[] {
    const staged = (this.#staged.get(task) ?? []).map((s) => s.value);
    for (const value of staged) this.apply(value);
    this.#staged.delete(task);
    return staged;
  }

  /** The task's transaction aborted (its records will be handled again): what it staged is dropped. */
  abort(task: string): void {
    this.#staged.delete(task);
  }

  /** Drops everything staged (the group was joined anew: no transaction of before is still open). */
  abortAll(): void {
    this.#staged.clear();
  }

  /** A value from the changelog (or a commit): kept only when newer than the one known. */
  apply(value: V): void {
    const key = this.keyOf(value);
    const known = this.#committed.get(key);
    if (known === undefined || this.newer(value, known)) this.#committed.set(key, value);
  }

  /** A changelog tombstone: forgets the committed value of `key` when `when` says so (a tombstone no older). */
  remove(key: string, when: (known: V) => boolean = () => true): boolean {
    const known = this.#committed.get(key);
    if (known === undefined || !when(known)) return false;
    return this.#committed.delete(key);
  }

  /** Every committed value. */
  values(): IterableIterator<V> {
    return this.#committed.values();
  }
}
