import type { Holding } from './core';

/**
 * The holdings of every item, as the dispatcher's changelog (ncn.dispatcher.holders) says, plus what the
 * transactions in flight have staged. A handler reads through `view(scope)`: its own staged changes first, then
 * the committed ones. A committed transaction makes its staged holdings final; an aborted one drops them. The
 * changelog follower applies the same records again later: a holding is replaced only by a newer one (seq).
 */
export class HolderState {
  readonly #committed = new Map<string, Holding>();
  readonly #staged = new Map<string, Map<string, Holding>>();

  get size(): number {
    return this.#committed.size;
  }

  /** A holding as read by the transaction of `scope`. */
  get(scope: string, root: string): Holding | undefined {
    return this.#staged.get(scope)?.get(root) ?? this.#committed.get(root);
  }

  stage(scope: string, holding: Holding): void {
    let staged = this.#staged.get(scope);
    if (staged === undefined) this.#staged.set(scope, (staged = new Map()));
    staged.set(holding.root, holding);
  }

  commit(scope: string): void {
    for (const holding of this.#staged.get(scope)?.values() ?? []) this.apply(holding);
    this.#staged.delete(scope);
  }

  abort(scope: string): void {
    this.#staged.delete(scope);
  }

  /** A holding from the changelog (or a commit): kept only when newer than the one known. */
  apply(holding: Holding): void {
    const known = this.#committed.get(holding.root);
    if (known === undefined || holding.seq > known.seq) this.#committed.set(holding.root, holding);
  }

  /** Every committed holding (for tests and operators). */
  all(): IterableIterator<Holding> {
    return this.#committed.values();
  }
}
