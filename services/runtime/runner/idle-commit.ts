/**
 * Commits past what the consumer skipped at a partition's end (transaction markers, aborted records), once the
 * partition has been quiet for a while. Every transaction upstream leaves a marker in each partition it wrote, so
 * a consumer that keeps up sees a batch of nothing but a marker after nearly every one; committing past each at
 * once cost an offsets-only transaction (and a marker of its own) per upstream transaction, the broker's largest
 * load in the benchmark. A batch with data commits past the markers before it anyway, so only a partition that
 * stays quiet needs it: then a caught-up group shows lag 0 a moment later instead of at once.
 *
 * Ownership: a deferred commit runs only within the generation of the group it was deferred in (a rebalance or a
 * join drops everything deferred), and never beside a batch of the same partition (`take` waits for it).
 */
export class IdleCommits {
  readonly #pending = new Map<string, { end: bigint; timer: NodeJS.Timeout }>();
  readonly #inflight = new Map<string, Promise<void>>();
  #generation = 0;
  #closed = false;

  /**
   * @param delayMs how long a partition must be quiet before the commit.
   * @param commit commits `end` for the partition `key` (an offsets-only transaction); a failure is retried later.
   */
  constructor(
    private readonly delayMs: number,
    private readonly commit: (key: string, end: bigint) => Promise<void>,
    private readonly onFailure: (key: string, error: unknown) => void = () => undefined,
  ) {}

  /** The group is rebalancing or joined anew: what was deferred is no longer this instance's to commit. */
  reset(): void {
    this.#generation++;
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
  }

  /** Defers committing `end` for `key` until the partition has been quiet for the delay. */
  defer(key: string, end: bigint): void {
    if (this.#closed) return;
    const known = this.#pending.get(key);
    if (known !== undefined) clearTimeout(known.timer);
    const target = known !== undefined && known.end > end ? known.end : end;
    const generation = this.#generation;
    const timer = setTimeout(() => void this.#run(key, target, generation), this.delayMs);
    timer.unref();
    this.#pending.set(key, { end: target, timer });
  }

  /** Whether a commit waits for `key` (for tests and metrics). */
  deferred(key: string): bigint | undefined {
    return this.#pending.get(key)?.end;
  }

  /** A batch with data for `key` comes: it commits past what was deferred; a commit in flight finishes first. */
  async take(key: string): Promise<void> {
    this.#drop(key);
    await this.#inflight.get(key);
    // A commit in flight that failed deferred itself again: the batch commits past it, and a later run of it would
    // move the committed offset back.
    this.#drop(key);
  }

  #drop(key: string): void {
    const known = this.#pending.get(key);
    if (known !== undefined) clearTimeout(known.timer);
    this.#pending.delete(key);
  }

  /** Drops what waits and lets what runs finish. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.reset();
    await Promise.all(this.#inflight.values());
  }

  async #run(key: string, end: bigint, generation: number): Promise<void> {
    if (this.#pending.get(key)?.end !== end) return;
    this.#pending.delete(key);
    if (this.#closed || generation !== this.#generation) return;
    const running = this.commit(key, end).catch((error: unknown) => {
      this.onFailure(key, error);
      if (generation === this.#generation && !this.#pending.has(key)) this.defer(key, end);
    });
    this.#inflight.set(key, running);
    try {
      await running;
    } finally {
      if (this.#inflight.get(key) === running) this.#inflight.delete(key);
    }
  }
}
