import type { Redis } from 'ioredis';
import type { AuditEvent } from '../../contracts/avro/types';
import { RedisRebuildMarker } from '../runtime/rebuildable';

/**
 * One audit event as the index keeps it (contracts/avro/audit-event.avsc, without the subject hash): one entry per
 * receiver, so an event naming several (toNodes) is kept as one entry for each.
 */
export type AuditEntry = Omit<AuditEvent, 'subjectHash' | 'toNodes'>;

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

/** What a person's trail says, item by item: who received which version, when, by which rule, and how it ended. */
export interface ItemTrail {
  readonly root: string;
  readonly kind: string;
  readonly events: readonly AuditEntry[];
  /** Per receiver (node id or EURES): the last action on the item and the version it concerned. */
  readonly receivers: ReadonlyMap<string, { action: string; version: number | null; at: number }>;
  /** The contact messages about the item that were delivered (events MESSAGE_INTEREST and MESSAGE_REPLY). */
  readonly messages: readonly AuditEntry[];
}

/** Whether an event is a contact message's delivery rather than something done to the item. */
export const isMessageEvent = (entry: AuditEntry): boolean => entry.event.startsWith('MESSAGE_');

/** Groups a person's events by item, in time order. */
export function trails(entries: readonly AuditEntry[]): ItemTrail[] {
  const byRoot = new Map<string, AuditEntry[]>();
  for (const e of [...entries].sort((a, b) => a.at - b.at)) byRoot.set(e.root, [...(byRoot.get(e.root) ?? []), e]);
  return [...byRoot].map(([root, events]) => {
    const receivers = new Map<string, { action: string; version: number | null; at: number }>();
    for (const e of events)
      if (e.toNode !== null && !isMessageEvent(e))
        receivers.set(e.toNode, { action: e.event, version: e.version, at: e.at });
    return { root, kind: events[0]?.kind ?? '', events, receivers, messages: events.filter(isMessageEvent) };
  });
}
