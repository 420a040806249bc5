import type { Redis } from 'ioredis';
import type { Kafka } from '../runtime/kafka';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import type { Logger } from '../runtime/logger';
import { readToEnd } from '../runtime/read-to-end';
import { startRunner, type Runner } from '../runtime/runner/runner';
import { scopeOf } from '../runtime/runner/types';
import { AuditIndex, type AuditEntry } from './index';
import { NodeConsumerGroupInputs } from '../../contracts/groups';

type AuditEvent = AuditEntry & { readonly subjectHash: string | null };

const entryOf = (e: AuditEvent): AuditEntry => ({
  at: Number(e.at),
  service: e.service,
  event: e.event,
  kind: e.kind,
  root: e.root,
  version: e.version,
  fromNode: e.fromNode,
  toNode: e.toNode,
  rule: e.rule,
});

export interface AuditIndexer {
  readonly runner: Runner;
  readonly index: AuditIndex;
  close(): Promise<void>;
}

/**
 * The audit indexer: follows ncn.audit and adds every event that names a person (by keyed hash) to the index in
 * Redis. When the index is not there (first start, Redis lost), it is first rebuilt by reading ncn.audit from the
 * beginning; adding an event twice changes nothing, so rebuild and live indexing may overlap.
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

  if (!(await index.built())) {
    const started = Date.now();
    let applied = 0;
    await readToEnd({
      kafka,
      topics: [Topic.audit],
      logger,
      apply: async (records) => {
        const events = await Promise.all(records.map((m) => (m.value ? serde.decode<AuditEvent>(m.value) : null)));
        const named = events.flatMap((e) =>
          e?.subjectHash ? [{ subjectHash: e.subjectHash, entry: entryOf(e) }] : [],
        );
        await index.add(named);
        applied += named.length;
      },
    });
    await index.markBuilt();
    logger.info({ applied, ms: Date.now() - started }, 'audit index rebuilt from ncn.audit');
  }

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
      const e = await serde.decode<AuditEvent>(record.value);
      if (e.subjectHash) {
        const scope = scopeOf(record);
        const events = staged.get(scope) ?? [];
        events.push({ subjectHash: e.subjectHash, entry: entryOf(e) });
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
  return { runner, index, close: () => runner.close() };
}
