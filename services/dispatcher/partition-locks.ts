import { ErrorCode, NcnError } from '../runtime/errors';

interface Holder {
  readonly scope: string;
  readonly released: Promise<void>;
  readonly release: () => void;
}

/**
 * One transaction at a time per partition number. Partition p of each of the dispatcher's inputs holds the same
 * roots (equal partition counts, keyed by root, one partitioner), so an item's update on ncn.candidature and its
 * expiry on ncn.expired meet in partition p of each: their chunks must not be handled side by side, or one would
 * read the item's holding before the other's transaction made its change final. Chunks of different partition
 * numbers share no root and run concurrently. A scope (topic:partition) takes its number's lock at its first
 * record and gives it back when its transaction committed or aborted.
 */
export class PartitionLocks {
  readonly #held = new Map<number, Holder>();

  /** @param waitMs how long a scope waits for a lock before it gives up with a retriable error [60 s]. */
  constructor(private readonly waitMs = 60_000) {}

  /**
   * Waits until the number's lock is free or already this scope's, and takes it. A lock held longer than the
   * wait (a holder that never finished its transaction) is a retriable failure: the runner tries again, and in
   * the end restarts the consumer, whose new generation frees every lock (`releaseAll`).
   */
  async acquire(partition: number, scope: string): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const holder = this.#held.get(partition);
      if (holder === undefined) break;
      if (holder.scope === scope) return;
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        holder.released.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, left)))),
      ]);
      clearTimeout(timer);
      if (timedOut)
        throw new NcnError(
          ErrorCode.Unavailable,
          `partition ${partition} has been busy with ${holder.scope} for over ${this.waitMs / 1000} s`,
          { retriable: true },
        );
    }
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#held.set(partition, { scope, released, release });
  }

  /** Gives the lock back if this scope holds it (a transaction of a chunk that never took it is fine). */
  release(partition: number, scope: string): void {
    const holder = this.#held.get(partition);
    if (holder?.scope !== scope) return;
    this.#held.delete(partition);
    holder.release();
  }

  /** Frees every lock: at a new generation of the group no transaction is in flight. */
  releaseAll(): void {
    const holders = [...this.#held.values()];
    this.#held.clear();
    for (const h of holders) h.release();
  }

  /** The scope holding a partition number's lock, if any. */
  holder(partition: number): string | undefined {
    return this.#held.get(partition)?.scope;
  }
}
