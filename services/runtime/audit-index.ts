import type { Redis } from 'ioredis';
import type { AuditEntry } from '../../lib/audit/trails';
import { RedisRebuildMarker } from './rebuildable';

/**
 * The audit trail indexed by person: a sorted set per subject hash (score: time; member: the event as JSON),
 * so "everything that happened to this person's data" is one range read, however many events the trail holds.
 * Adding the same event again changes nothing, so the index can be rebuilt from ncn.audit at any time; a marker
 * key says it is complete.
 */
export class AuditIndex {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly marker: RedisRebuildMarker;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}:audit`;
    this.marker = new RedisRebuildMarker(redis, `${this.#prefix}:built`, `${this.#prefix}:building`);
  }

  #key(subjectHash: string): string {
    return `${this.#prefix}:s:${subjectHash}`;
  }

  async add(events: readonly { subjectHash: string; entry: AuditEntry }[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const { subjectHash, entry } of events) pipeline.zadd(this.#key(subjectHash), entry.at, JSON.stringify(entry));
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0] as Error;
  }

  /** A person's events, oldest first. */
  async of(subjectHash: string): Promise<AuditEntry[]> {
    return (await this.#redis.zrange(this.#key(subjectHash), 0, -1)).map((m) => JSON.parse(m) as AuditEntry);
  }

  /** Whether the index is complete (a rebuild's marker; services/runtime/rebuildable.ts). */
  built(): Promise<boolean> {
    return this.marker.built();
  }
}
