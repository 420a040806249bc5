import { randomUUID } from 'node:crypto';
import type { ConsumedRecord, Kafka } from '../runtime/kafka';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { readToEnd } from '../runtime/read-to-end';
import { inputOrder, type CoTable, type RecipientChange } from './co-table';
import { isRecipient, relationOf, type CoRelation } from './core';
import { toPercettore, toRapporto } from './records';

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
  readonly logger: Logger;
  /** How long to wait for another instance's rebuild that began after this one [5 min]. */
  readonly waitForOtherMs?: number;
}): Promise<RebuildResult> {
  const { kafka, serde, table, logger } = options;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = Date.now();
    const token = randomUUID();
    await table.beginRebuild(token);
    let skipped = 0;
    const decode = async <T>(message: ConsumedRecord, convert: (value: unknown) => T): Promise<T | undefined> => {
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
      readToEnd({
        kafka,
        topics: [Topic.coRapporti],
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
      readToEnd({
        kafka,
        topics: [Topic.inpsPercettori],
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
    const outcome = await table.finishRebuild(token);
    const result = { relations, recipients, skipped, elapsedMs: Date.now() - started };
    if (outcome === 'built') {
      logger.info(result, 'CO table rebuilt from co.rapporti and inps.percettori');
      return result;
    }
    if (outcome === 'another') {
      // Another instance began rebuilding after this one: it marks the table complete when done. Should it not (it
      // stopped), this instance rebuilds again.
      logger.info({ attempt }, 'another instance is rebuilding the CO table too: waiting for it to finish');
      if (await builtWithin(table, options.waitForOtherMs ?? 300_000)) {
        logger.info(result, 'CO table rebuilt (finished by another instance)');
        return result;
      }
      logger.warn({ attempt }, 'the other rebuild of the CO table did not finish: rebuilding again');
      continue;
    }
    logger.warn({ attempt }, 'Redis lost the CO table while it was being rebuilt: rebuilding again');
  }
  throw new NcnError(ErrorCode.Unavailable, 'Redis kept losing the CO table while it was being rebuilt', {
    retriable: true,
  });
}

/** Whether the table is marked complete within `ms`, looked at every half second. */
async function builtWithin(table: CoTable, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await table.built()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
