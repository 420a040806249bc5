import { ErrorCode, NcnError } from '../errors';
import type { Middleware } from './middleware';

/**
 * Gives up on a record whose handling takes longer than `ms` with a transient error, so that a call hanging on a
 * dependency (Redis, the registry) is retried and, when the retries run out, leaves its task out of the round
 * instead of holding every task's commit. The attempt given up on is not cancelled: what it may still stage is
 * what the retry of the same record decides (a retry reads state as the first attempt did and replaces what it
 * staged), and its outputs are dropped.
 */
export function timeLimit(ms: number): Middleware {
  return (next) => async (record) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new NcnError(
              ErrorCode.Unavailable,
              `handling ${record.topic}/${record.partition}/${record.offset} took longer than ${ms} ms`,
              { retriable: true },
            ),
          ),
        ms,
      );
    });
    try {
      return await Promise.race([next(record), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
