import type { Redis } from 'ioredis';

/**
 * State in Redis that a replay cannot apply twice: every write carries a version (an item's version, or the
 * input offset that caused it) and lands only when it is newer than the stored one, atomically (a Lua script).
 * Replaying a record after a crash writes the same version again, which changes nothing; a late, older write is
 * ignored. Redis stays a cache: what is written here must be rebuildable from Kafka.
 */
export class VersionedStore {
  static readonly #script = `
    local current = redis.call('HGET', KEYS[1], 'v')
    if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
    redis.call('HSET', KEYS[1], 'v', ARGV[1], 'value', ARGV[2])
    return 1`;

  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** Writes when `version` is newer than the stored one; true when it wrote. */
  async put(key: string, version: number, value: string): Promise<boolean> {
    if (!Number.isSafeInteger(version) || version < 0)
      throw new Error(`version must be a non-negative integer, got ${version}`);
    return (await this.#redis.eval(VersionedStore.#script, 1, `${this.#prefix}:${key}`, String(version), value)) === 1;
  }

  async get(key: string): Promise<{ version: number; value: string } | undefined> {
    const [version, value] = await this.#redis.hmget(`${this.#prefix}:${key}`, 'v', 'value');
    if (version === null || version === undefined || value === null || value === undefined) return undefined;
    return { version: Number(version), value };
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(`${this.#prefix}:${key}`);
  }
}
