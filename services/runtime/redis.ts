import { Redis } from 'ioredis';
import type { Config } from './config';

/** A Redis client for the configured URL. Commands wait for the connection; the caller quits it. */
export function createRedis(config: Config, options: { connectTimeoutMs?: number } = {}): Redis {
  return new Redis(config.redis.url, {
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
  });
}
