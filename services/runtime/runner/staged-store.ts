/**
 * A service's state by key, as its compacted changelog says, plus what the transactions in flight have staged.
 *
 * Staging is per task (the runner's unit: a partition, or partition p of co-partitioned inputs) and per source
 * record: a handler reads what its task staged before it, then what is committed; what the record being handled
 * staged itself is not seen, so a retry of the same record decides as the first attempt did and replaces what that
 * attempt staged. A committed transaction makes its tasks' staged values final; an aborted one drops them. The
 * changelog follower applies the same records again later: a value replaces the known one only when `newer`.
 */
export class StagedStore<V> {
  readonly #committed = new Map<string, V>();
  /** Per task, what it staged in order: the source record (topic:partition:offset), the key and the value. */
  readonly #staged = new Map<string, { source: string; key: string; value: V }[]>();

  /**
   * @param keyOf the key a value is stored under.
   * @param newer whether a value should replace the one known for its key (a sequence number, a version).
   */
  constructor(
    private readonly keyOf: (value: V) => string,
    private readonly newer: (candidate: V, known: V) => boolean,
  ) {}

  /** Committed values. */
  get size(): number {
    return this.#committed.size;
  }

  /** The value of `key` as the record `source` of `task` reads it: staged before it in the task, else committed. */
  get(task: string, source: string, key: string): V | undefined {
    const staged = this.#staged.get(task);
    if (staged !== undefined) {
      for (let i = staged.length - 1; i >= 0; i--) {
        const s = staged[i];
        if (s !== undefined && s.key === key && s.source !== source) return s.value;
      }
    }
    return this.#committed.get(key);
  }

  /** Stages what handling `source` changes; handling it again replaces what it staged before. */
  stage(task: string, source: string, value: V): void {
    const key = this.keyOf(value);
    const staged = (this.#staged.get(task) ?? []).filter((s) => !(s.source === source && s.key === key));
    staged.push({ source, key, value });
    this.#staged.set(task, staged);
  }

  /** The task's transaction committed: what it staged is final. */
  commit(task: string): void {
    for (const { value } of this.#staged.get(task) ?? []) this.apply(value);
    this.#staged.delete(task);
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

  /** Every committed value (for tests and operators). */
  values(): IterableIterator<V> {
    return this.#committed.values();
  }
}
