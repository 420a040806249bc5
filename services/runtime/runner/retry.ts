import type { Middleware } from './middleware';
import type { InputRecord } from './types';

/** How transient failures are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 5. */
  readonly attempts: number;
  /** Delay before the second attempt, in ms; it doubles each time. Default 100. */
  readonly initialDelayMs: number;
  /** Largest delay, in ms. Default 5000. */
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy = {
  attempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
} as const satisfies RetryPolicy;

/**
 * The delay before attempt `attempt` (2 = first retry): exponential, capped, with full jitter so that many
 * consumers retrying together do not hammer a recovering dependency in step. `random` is in [0, 1).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 2));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * Runs `work` until it succeeds, a permanent error is thrown (`isTransient` false), or the attempts run out;
 * then rethrows the last error.
 */
export async function withRetry<T>(
  work: () => Promise<T>,
  options: {
    policy: RetryPolicy;
    isTransient: (error: unknown) => boolean;
    sleep?: (ms: number) => Promise<void>;
    random?: () => number;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!options.isTransient(error) || attempt >= options.policy.attempts) throw error;
      const delay = backoffDelay(attempt + 1, options.policy, random());
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** Retries the handling of a record on transient failures, with backoff (withRetry); rethrows the last error. */
export function retrying(options: {
  policy: RetryPolicy;
  isTransient: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number, record: InputRecord) => void;
}): Middleware {
  return (next) => (record) =>
    withRetry(() => next(record), {
      policy: options.policy,
      isTransient: options.isTransient,
      onRetry: (error, attempt, delayMs) => options.onRetry?.(error, attempt, delayMs, record),
    });
}
