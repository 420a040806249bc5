import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from '../runtime/kafka';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { inputOrder, type CoTable, type RecipientChange } from './co-table';
import { isRecipient, relationOf, type CoRelation } from './core';
import { toPercettore, toRapporto } from './records';

/**
 * Reads a topic once, from the beginning up to where each partition ends when called, handing each fetched batch
 * to `apply`; resolves with the number of records read. A partition whose last offsets are transaction markers
 * (never delivered) counts as read once the consumer, having fetched, has had no data for `idleMs`. Logs its
 * progress every few seconds.
 */
export async function readTopicOnce(options: {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly name: string;
  readonly logger: Logger;
  readonly apply: (messages: readonly KafkaMessage[], partition: number) => Promise<void>;
  readonly idleMs?: number;
}): Promise<number> {
  const { kafka, topic, logger } = options;
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic))
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Set(ends.keys());
  if (remaining.size === 0) return 0;
  const started = Date.now();
  const idleMs = options.idleMs ?? 1_500;
  let read = 0;
  let lastActivity: number | undefined;
  let lastLog = started;
  const consumer = kafka.consumer({
    groupId: `${options.name}.rebuild.${topic}.${randomUUID()}`,
    readUncommitted: false,
    maxBytesPerPartition: 16 * 1024 * 1024,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => (lastActivity ??= Date.now()));
      consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
      timer = setInterval(() => {
        if (lastActivity !== undefined && Date.now() - lastActivity >= idleMs) resolve();
      }, 100);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition) ?? 0n;
            const messages = batch.messages.filter((m) => BigInt(m.offset) < end);
            if (messages.length > 0) await options.apply(messages, batch.partition);
            read += messages.length;
            lastActivity = Date.now();
            if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
            if (lastActivity - lastLog >= 5_000) {
              lastLog = lastActivity;
              logger.info({ topic, read, elapsedMs: lastActivity - started }, 'rebuilding: reading');
            }
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearInterval(timer);
    await consumer.disconnect();
  }
  return read;
}

/** What a rebuild did. */
export interface RebuildResult {
  readonly relations: number;
  readonly recipients: number;
  readonly skipped: number;
  readonly elapsedMs: number;
}

/**
 * Rebuilds the CO table and the income-support recipients in Redis from co.rapporti and inps.percettori, read
 * from the beginning to where they end now, and marks the table built. Each record is merged by the same rules
 * as live (newer wins), so records the runner handles again afterwards change nothing. A record that cannot be
 * decoded is skipped (the live handler dead-letters it). When Redis loses the rebuild's writes before it ends
 * (a flush meanwhile), it runs again.
 */
export async function rebuildCoTable(options: {
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly table: CoTable;
  readonly name: string;
  readonly logger: Logger;
}): Promise<RebuildResult> {
  const { kafka, serde, table, name, logger } = options;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = Date.now();
    const token = randomUUID();
    await table.beginRebuild(token);
    let skipped = 0;
    const decode = async <T>(message: KafkaMessage, convert: (value: unknown) => T): Promise<T | undefined> => {
      if (message.value === null) return undefined;
      try {
        return convert(await serde.decode(message.value));
      } catch (error) {
        if (error instanceof NcnError && error.retriable) throw error;
        skipped++;
        return undefined;
      }
    };
    const [relations, recipients] = await Promise.all([
      readTopicOnce({
        kafka,
        topic: Topic.coRapporti,
        name,
        logger,
        apply: async (messages) => {
          const batch: { cf: string; relation: CoRelation }[] = [];
          for (const m of messages) {
            const rapporto = await decode(m, toRapporto);
            if (rapporto === undefined) continue;
            try {
              batch.push({ cf: rapporto.codiceFiscaleLavoratore, relation: relationOf(rapporto) });
            } catch {
              skipped++;
            }
          }
          await table.rebuildRelations(batch);
        },
      }),
      readTopicOnce({
        kafka,
        topic: Topic.inpsPercettori,
        name,
        logger,
        apply: async (messages, partition) => {
          const batch: RecipientChange[] = [];
          for (const m of messages) {
            const p = await decode(m, toPercettore);
            if (p === undefined) continue;
            batch.push({
              cf: p.codiceFiscale,
              recipient: isRecipient(p.tipoOperazione),
              order: inputOrder(partition, m.offset),
            });
          }
          await table.rebuildRecipients(batch);
        },
      }),
    ]);
    if (await table.finishRebuild(token)) {
      const result = { relations, recipients, skipped, elapsedMs: Date.now() - started };
      logger.info(result, 'CO table rebuilt from co.rapporti and inps.percettori');
      return result;
    }
    logger.warn({ attempt }, 'Redis lost the CO table while it was being rebuilt: rebuilding again');
  }
  throw new NcnError(ErrorCode.Unavailable, 'Redis kept losing the CO table while it was being rebuilt', {
    retriable: true,
  });
}
