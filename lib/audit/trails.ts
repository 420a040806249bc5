import type { AuditEvent } from '../../contracts/avro/types';

/**
 * One audit event as the index keeps it (contracts/avro/audit-event.avsc, without the subject hash): one entry per
 * receiver, so an event naming several (toNodes) is kept as one entry for each.
 */
export type AuditEntry = Omit<AuditEvent, 'subjectHash' | 'toNodes'>;

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
