import { Type, type Schema } from 'avsc';
import { avroSchema } from '../../contracts/avro/schemas';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Percettore } from '../../contracts/avro/types';
import type { Rapporto } from './enrich';

const percettoreSchema = avroSchema('it.ncn.Percettore') as Schema & { fields: readonly { name: string }[] };
const percettoreType = Type.forSchema(percettoreSchema);
const percettoreFields = percettoreSchema.fields.map((f) => f.name);

/**
 * An INPS record as decoded from inps.percettori, reduced to exactly the fields of it.ncn.Percettore (a value a
 * later writer schema extended loses the extra fields; a missing optional field is null) and checked against the
 * schema, so that it can wait as JSON and go out inside PercettoreArricchito. A record that does not fit is a
 * permanent NCN_DECODE error (dead-lettered on arrival, never while it waits).
 */
export function toPercettore(decoded: unknown): Percettore {
  if (decoded === null || typeof decoded !== 'object')
    throw new NcnError(ErrorCode.Decode, 'an INPS record that is not a record');
  const source = decoded as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  for (const name of percettoreFields) value[name] = source[name] ?? null;
  const problems: string[] = [];
  if (!percettoreType.isValid(value, { errorHook: (path) => problems.push(path.join('.')) })) {
    throw new NcnError(
      ErrorCode.Decode,
      `INPS record ${String(source.idComunicazione)} does not fit it.ncn.Percettore: ${problems.join(', ')}`,
    );
  }
  return value as unknown as Percettore;
}

/** A CO record as decoded from co.rapporti (its fields are checked by enrich.ts relationOf). */
export function toRapporto(decoded: unknown): Rapporto {
  if (decoded === null || typeof decoded !== 'object')
    throw new NcnError(ErrorCode.Decode, 'a CO record that is not a record');
  return decoded as Rapporto;
}
