import type { ConsumedRecord, Kafka } from '../runtime/kafka';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import { NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { readToEnd } from '../runtime/read-to-end';
import { inputOrder, type CoTable, type RecipientChange } from './co-table';
import { isRecipient, relationOf, type CoRelation } from './enrich';
import { toPercettore, toRapporto } from './records';

/** What a rebuild wrote. */
export interface FillResult {
  readonly relations: number;
  readonly recipients: number;
  readonly skipped: number;
}

/**
 * Writes the CO table and the income-support recipients into Redis from co.rapporti and inps.percettori, read
 * from the beginning to where they end now (the fill of the table's RebuildableIndex, which runs it under the
 * marker's protocol). Each record is merged by the same rules as live (newer wins), so records the runner handles
 * again afterwards change nothing. A record that cannot be decoded is skipped (the live handler dead-letters it).
 */
export async function fillCoTable(options: {
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly table: CoTable;
  readonly logger: Logger;
}): Promise<FillResult> {
  const { kafka, serde, table, logger } = options;
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
  return { relations, recipients, skipped };
}
