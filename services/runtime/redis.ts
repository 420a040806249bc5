import { Redis } from 'ioredis';
import type { Config } from './config';
import { ErrorCode, NcnError } from './errors';

/** A Redis client for the configured URL. Commands wait for the connection; the caller quits it. */
export function createRedis(config: Config, options: { connectTimeoutMs?: number } = {}): Redis {
  return new Redis(config.redis.url, {
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
  });
}

/** A failed Redis call as a transient error (an NcnError passes through as it is). */
export const redisUnavailable = (error: unknown): NcnError =>
  error instanceof NcnError
    ? error
    : new NcnError(
        ErrorCode.Unavailable,
        `Redis did not answer: ${error instanceof Error ? error.message : String(error)}`,
        { retriable: true, cause: error },
      );
