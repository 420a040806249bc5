import type { Redis } from 'ioredis';
import type { Kafka } from '../runtime/kafka';
import type { AuditEvent } from '../../contracts/avro/types';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import type { Logger } from '../runtime/logger';
import { readToEnd } from '../runtime/read-to-end';
import { RebuildableIndex } from '../runtime/rebuildable';
import { startRunner, type Runner } from '../runtime/runner/runner';
import { scopeOf } from '../runtime/runner/types';
import type { AuditEntry } from '../../lib/audit/trails';
import { AuditIndex } from '../runtime/audit-index';
import { NodeConsumerGroupInputs } from '../../contracts/groups';

/** An event as decoded with the schema it was written with: one written before toNodes existed has none. */
type DecodedAuditEvent = Omit<AuditEvent, 'toNodes'> & Partial<Pick<AuditEvent, 'toNodes'>>;

/** The index entries of an event: one per receiver (an event may name several in toNodes), as if sent one by one. */
const entriesOf = (e: DecodedAuditEvent): AuditEntry[] => {
  const entry = (toNode: string | null): AuditEntry => ({
    at: Number(e.at),
    service: e.service,
    event: e.event,
    kind: e.kind,
    root: e.root,
    version: e.version,
    fromNode: e.fromNode,
    toNode,
    rule: e.rule,
  });
  return e.toNodes ? e.toNodes.map(entry) : [entry(e.toNode)];
};

/** The entries of the events that name a person, under the person's keyed hash. */
function namedEntries(e: DecodedAuditEvent | null): { subjectHash: string; entry: AuditEntry }[] {
  const subjectHash = e?.subjectHash;
  return e && subjectHash ? entriesOf(e).map((entry) => ({ subjectHash, entry })) : [];
}

export interface AuditIndexer {
  readonly runner: Runner;
  readonly index: AuditIndex;
  /** Resolves once the index is complete (at once when it was there at start), or when closed before. */
  readonly rebuilt: Promise<void>;
  close(): Promise<void>;
}

/**
 * The audit indexer: follows ncn.audit and adds every event that names a person (by keyed hash) to the index in
 * Redis. When the index is not there at start (first start, Redis lost), it is rebuilt by reading ncn.audit from
 * the beginning while new events are indexed; adding an event twice changes nothing, so the two may overlap. The
 * marker that says the index is complete is set only when the rebuild has read to where ncn.audit ended.
 */
export async function startAuditIndexer(options: {
  config: Config;
  kafka: Kafka;
  serde: AvroSerde;
  logger: Logger;
  redis: Redis;
  groupId?: string;
  fromBeginning?: boolean;
}): Promise<AuditIndexer> {
  const { config, kafka, serde, logger, redis } = options;
  const index = new AuditIndex(redis, config.redis.prefix);
  const name = options.groupId ?? 'audit-indexer';

  /** Per input partition, the events of the transaction being handled: indexed together before it commits. */
  const staged = new Map<string, { subjectHash: string; entry: AuditEntry }[]>();
  const runner = await startRunner({
    service: 'audit-indexer',
    groupId: name,
    kafka,
    serde,
    logger,
    topics: NodeConsumerGroupInputs['audit-indexer'],
    handler: async (record) => {
      if (record.value === null) return [];
      const e = await serde.decode<DecodedAuditEvent>(record.value);
      const named = namedEntries(e);
      if (named.length > 0) {
        const scope = scopeOf(record);
        const events = staged.get(scope) ?? [];
        events.push(...named);
        staged.set(scope, events);
      }
      return [];
    },
    hooks: {
      // One pipeline per transaction; adding an event again changes nothing, so a transaction run twice is harmless.
      prepare: async (scope) => index.add(staged.get(scopeOf(scope)) ?? []),
      committed: (scope) => void staged.delete(scopeOf(scope)),
      aborted: (scope) => void staged.delete(scopeOf(scope)),
    },
    httpPort: config.httpPort,
    fromBeginning: options.fromBeginning ?? true,
    maxRecordsPerTransaction: 1_000,
  });

  // Live indexing runs while a missing index is rebuilt: an event added by both is stored once.
  let closing = false;
  const rebuildable = new RebuildableIndex({
    name: 'the audit index',
    marker: index.marker,
    fill: () => fillIndex(() => closing),
    logger,
  });
  const rebuilt = (async () => {
    for (let attempt = 1; !closing; attempt++) {
      try {
        await rebuildable.ensure('the audit index is missing: rebuilding it from ncn.audit while indexing new events');
        return;
      } catch (error) {
        if (closing) return;
        const delayMs = Math.min(30_000, 1_000 * 2 ** (attempt - 1));
        logger.warn({ err: error, attempt, delayMs }, 'rebuilding the audit index failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  })();

  // Redis may lose the index while the indexer runs (a flush, a restart without persistence): looked at every 10 s.
  const watch = setInterval(() => {
    void rebuilt.then(async () => {
      if (closing) return;
      await rebuildable
        .ensure('the audit index is gone from Redis: rebuilding it from ncn.audit while indexing new events')
        .catch((error: unknown) => logger.warn({ err: error }, 'rebuilding the audit index failed; trying again'));
    });
  }, 10_000);

  /** Reads ncn.audit from the beginning to where it ends now into the index; gives up when stopping. */
  async function fillIndex(stopping: () => boolean): Promise<number> {
    let applied = 0;
    await readToEnd({
      kafka,
      topics: [Topic.audit],
      logger,
      apply: async (records) => {
        if (stopping()) throw new Error('stopping');
        const events = await Promise.all(
          records.map((m) => (m.value ? serde.decode<DecodedAuditEvent>(m.value) : null)),
        );
        const named = events.flatMap(namedEntries);
        await index.add(named);
        applied += named.length;
      },
    });
    return applied;
  }

  return {
    runner,
    index,
    rebuilt,
    close: async () => {
      closing = true;
      clearInterval(watch);
      await runner.close();
      await rebuilt;
      await rebuildable.settled();
    },
  };
}
