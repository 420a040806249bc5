import type { Redis } from 'ioredis';
import type { ExpirySchedule } from '../../contracts/avro/types';
import type { RebuildMarker, RebuildOutcome } from '../runtime/rebuildable';

/** A schedule (contracts/avro/expiry-schedule.avsc) as the index keeps it. */
export type IndexedSchedule = Omit<ExpirySchedule, 'scheduledAt'>;

/** What a cancel did: `kept` a newer schedule than it applies to (and whether that one fired), or `lost` the index. */
export type CancelResult =
  | { readonly outcome: 'cancelled' | 'lost' }
  | { readonly outcome: 'kept'; readonly schedule: IndexedSchedule; readonly fired: boolean };

/** What a tick found. */
export type FireResult =
  | { readonly fire: true; readonly schedule: IndexedSchedule }
  | { readonly fire: false; readonly reason: 'not-scheduled' | 'not-due' | 'fired' | 'lost' };

// KEYS: 1 the sorted set of due times, 2 the schedule's hash, 3 the built marker.
const PUT = `
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
local v = redis.call('HGET', KEYS[2], 'version')
if v and tonumber(v) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], 'root', ARGV[1], 'version', ARGV[2], 'kind', ARGV[3], 'node', ARGV[4], 'dueAt', ARGV[5], 'firedBy', '')
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
return 1`;

// ARGV: 1 root, 2 the highest version the cancel applies to ('' for any). Keeping a newer schedule, it answers
// that schedule and whether it fired.
const CANCEL = `
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1} end
local s = redis.call('HMGET', KEYS[2], 'version', 'kind', 'node', 'dueAt', 'firedBy')
if ARGV[2] ~= '' and s[1] and tonumber(s[1]) > tonumber(ARGV[2]) then return {0, s[1], s[2], s[3], s[4], s[5]} end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
return {1}`;

// ARGV: 1 root, 2 now, 3 the input that fires (topic:partition:offset). A schedule fires once: again only for the
// same input, which means the transaction of the first attempt never committed (the runner commits an input's
// offset atomically with its outputs), so its outputs must be produced again.
const FIRE = `
if redis.call('EXISTS', KEYS[3]) == 0 then return {-1} end
local s = redis.call('HMGET', KEYS[2], 'version', 'kind', 'node', 'dueAt', 'firedBy')
if not s[1] then return {0} end
if s[5] ~= '' and s[5] ~= ARGV[3] then return {2} end
if tonumber(s[4]) > tonumber(ARGV[2]) then return {3} end
redis.call('HSET', KEYS[2], 'firedBy', ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
return {1, s[1], s[2], s[3], s[4]}`;

// KEYS: 1 the marker. ARGV: 1 'building:<token>', 2 the time. Gone: a flush took the rebuild's writes (0); still
// this rebuild's: built (1); another rebuild's token, or another rebuild already done: that one marks it (2).
const FINISH = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 2`;

/** A schedule from a script's answer: version, kind, node, due time. */
const scheduleOf = (
  root: string,
  [version, kind, node, dueAt]: readonly (number | string | undefined)[],
): IndexedSchedule => ({
  root,
  version: Number(version),
  kind: kind === 'VACANCY' ? 'VACANCY' : 'CANDIDATURA',
  node: String(node),
  dueAt: Number(dueAt),
});

/**
 * The scheduler's index in Redis: a sorted set of roots by due time and a hash per schedule. It is a cache of
 * the compacted topic ncn.scheduler: a marker key says it was built; every script answers "lost" when the marker
 * is gone (Redis flushed or restarted empty), and the service rebuilds it from the topic. Process memory holds
 * none of it, so a million pending schedules cost Redis memory only.
 */
export class DueIndex implements RebuildMarker {
  readonly #redis: Redis;
  readonly #due: string;
  readonly #marker: string;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'ncn:scheduler') {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#due = `${prefix}:due`;
    this.#marker = `${prefix}:built`;
  }

  #keys(root: string): [string, string, string] {
    return [this.#due, `${this.#prefix}:s:${root}`, this.#marker];
  }

  /** Whether the index is there: built completely, and not lost since. */
  async built(): Promise<boolean> {
    const marker = await this.#redis.get(this.#marker);
    return marker !== null && !marker.startsWith('building');
  }

  /**
   * Empties the index of this prefix and marks a rebuild in progress under `token`: the scripts apply (the rebuild
   * and live writes alike), but the index is not `built` until `finish`.
   */
  async begin(token: string): Promise<void> {
    await this.clear();
    await this.#redis.set(this.#marker, `building:${token}`);
  }

  /** Empties the index of this prefix, marker included. */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.#redis.unlink(...keys);
    } while (cursor !== '0');
  }

  /** Marks the index built if the rebuild of `token` is still the latest (RebuildMarker). */
  async finish(token: string): Promise<RebuildOutcome> {
    const r = await this.#redis.eval(FINISH, 1, this.#marker, `building:${token}`, String(Date.now()));
    return r === 1 ? 'built' : r === 2 ? 'another' : 'lost';
  }

  /** Schedules (or reschedules) an item; an older version never replaces a newer one. False: index lost. */
  async put(s: IndexedSchedule): Promise<boolean> {
    const r = await this.#redis.eval(PUT, 3, ...this.#keys(s.root), s.root, s.version, s.kind, s.node, s.dueAt);
    return r !== -1;
  }

  /** Applies puts and cancels in order, in one round trip (a rebuild reads the topic in batches). */
  async applyMany(ops: readonly ({ put: IndexedSchedule } | { cancel: string; upTo?: number })[]): Promise<void> {
    const pipeline = this.#redis.pipeline();
    for (const op of ops) {
      if ('put' in op) {
        const s = op.put;
        pipeline.eval(PUT, 3, ...this.#keys(s.root), s.root, s.version, s.kind, s.node, s.dueAt);
      } else pipeline.eval(CANCEL, 3, ...this.#keys(op.cancel), op.cancel, op.upTo ?? '');
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0] as Error;
  }

  /** Cancels an item's schedule, unless it holds a version above `upToVersion`. */
  async cancel(root: string, upToVersion?: number): Promise<CancelResult> {
    const r = (await this.#redis.eval(CANCEL, 3, ...this.#keys(root), root, upToVersion ?? '')) as (number | string)[];
    if (r[0] === -1) return { outcome: 'lost' };
    if (r[0] === 1) return { outcome: 'cancelled' };
    return { outcome: 'kept', schedule: scheduleOf(root, r.slice(1)), fired: r[5] !== '' && r[5] !== undefined };
  }

  /** Fires an item's schedule if it is due at `now` and has not fired for another input. */
  async fire(root: string, now: number, firedBy: string): Promise<FireResult> {
    const r = (await this.#redis.eval(FIRE, 3, ...this.#keys(root), root, now, firedBy)) as (number | string)[];
    switch (r[0]) {
      case 1:
        return { fire: true, schedule: scheduleOf(root, r.slice(1)) };
      case -1:
        return { fire: false, reason: 'lost' };
      case 0:
        return { fire: false, reason: 'not-scheduled' };
      case 2:
        return { fire: false, reason: 'fired' };
      default:
        return { fire: false, reason: 'not-due' };
    }
  }

  /** Roots due at `now`, earliest first, at most `limit`. */
  async due(now: number, limit: number): Promise<string[]> {
    return this.#redis.zrangebyscore(this.#due, '-inf', now, 'LIMIT', 0, limit);
  }

  /** The version an item is scheduled at, unless it has none (never scheduled, cancelled, or fired). */
  async scheduled(root: string): Promise<number | undefined> {
    const [version, firedBy] = await this.#redis.hmget(this.#keys(root)[1], 'version', 'firedBy');
    return version === null || (firedBy !== null && firedBy !== '') ? undefined : Number(version);
  }

  /** How many schedules are pending. */
  async pending(): Promise<number> {
    return this.#redis.zcard(this.#due);
  }

  /** The earliest due time, if any. */
  async next(): Promise<number | undefined> {
    const [, score] = await this.#redis.zrange(this.#due, 0, 0, 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }
}
