import type { ConsumerGlobalConfig } from '@confluentinc/kafka-javascript';

/**
 * Polls that never hold a thread of Node's pool while they wait. Confluent's client runs each consume call on
 * libuv's thread pool (four threads unless UV_THREADPOOL_SIZE says otherwise), and a call told to wait for records
 * keeps its thread for the whole wait: a process with a group consumer and a few table readers idle would leave
 * no thread for DNS lookups and file reads, and its schema registry requests would time out. So every consume
 * takes only what librdkafka has already fetched (timeout 0); when that is nothing, the poll waits on the event
 * loop until librdkafka reports that the consumer's queue is no longer empty (`queue_non_empty_cb`), or until the
 * wait is over.
 */
export class QueueWaker {
  #signalled = false;
  #wake: (() => void) | undefined;

  /** The consumer's `queue_non_empty_cb`; also ends a wait early (on close). */
  readonly notify = (): void => {
    this.#signalled = true;
    this.#wake?.();
  };

  /**
   * The consumer's setting that calls `notify`. The client reads `queue_non_empty_cb` from a consumer's settings
   * (its own KafkaJS-style consumer does so) but leaves it out of its type declarations.
   */
  get setting(): ConsumerGlobalConfig {
    return { queue_non_empty_cb: this.notify } as unknown as ConsumerGlobalConfig;
  }

  /** What `consume` (a consume call with timeout 0) returns; when nothing, once more after the wait. */
  async poll<T>(consume: () => Promise<T[]>, waitMs: number): Promise<T[]> {
    this.#signalled = false;
    const first = await consume();
    if (first.length > 0) return first;
    // Records that arrived while the first call ran have signalled already: no wait for them.
    if (!this.#signalled) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        this.#wake = done;
      });
    }
    this.#signalled = false;
    return consume();
  }
}

/**
 * The libuv thread pool a process of the node wants: Confluent's client still runs its short blocking calls there
 * (a transaction's flush, offsets, commit: one per transaction in flight), beside DNS lookups and file reads. The
 * pool is made on first use and sizes itself from the environment then, so the variable is set where a process is
 * started (the service launchers, jest.config.js, package.json's scripts), never from inside it.
 */
export const ThreadPoolEnv = { UV_THREADPOOL_SIZE: '16' } as const;
