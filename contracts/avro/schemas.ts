import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Schema } from 'avsc';

/** The Avro schema files of contracts/avro, by the full name of their top record. */
export const AvroFiles = {
  'it.ncn.Receipt': 'receipt.avsc',
  'it.ncn.Intermediario': 'intermediario.avsc',
  'it.ncn.Percettore': 'percettore.avsc',
  'it.ncn.PercettoreArricchito': 'percettore-arricchito.avsc',
  'it.ncn.RapportoLavoro': 'rapporto-lavoro.avsc',
  'it.ncn.CandidaturaItem': 'candidatura-item.avsc',
  'it.ncn.VacancyItem': 'vacancy-item.avsc',
  'it.ncn.NodeDelivery': 'node-delivery.avsc',
  'it.ncn.MessaggioItem': 'messaggio-item.avsc',
  'it.ncn.ExpirySchedule': 'expiry-schedule.avsc',
  'it.ncn.ItemExpired': 'item-expired.avsc',
  'it.ncn.EuresDelivery': 'eures-delivery.avsc',
  'it.ncn.PublicItem': 'public-item.avsc',
  'it.ncn.AuditEvent': 'audit-event.avsc',
} as const;

export type AvroRecordName = keyof typeof AvroFiles;

const isRecordName = (name: string): name is AvroRecordName => name in AvroFiles;

function read(name: AvroRecordName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, AvroFiles[name]), 'utf8')) as Record<string, unknown>;
}

/**
 * Replaces the first use of another file's record (by its full name) with that record's definition, so each
 * schema registers on its own, without registry references. Later uses stay names, as Avro requires.
 */
function inline(node: unknown, defined: Set<string>): unknown {
  if (typeof node === 'string') {
    if (!isRecordName(node) || defined.has(node)) return node;
    defined.add(node);
    return inline(read(node), defined);
  }
  if (Array.isArray(node)) return node.map((n) => inline(n, defined));
  if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'record' && typeof record.name === 'string') {
      const full = record.name.includes('.') ? record.name : `${String(record.namespace ?? 'it.ncn')}.${record.name}`;
      defined.add(full);
    }
    return Object.fromEntries(
      Object.entries(record).map(([k, v]) => [k, k === 'name' || k === 'doc' ? v : inline(v, defined)]),
    );
  }
  return node;
}

const cache = new Map<AvroRecordName, Schema>();

/** A record's schema, self-contained (referenced records inlined). */
export function avroSchema(name: AvroRecordName): Schema {
  let schema = cache.get(name);
  if (schema === undefined) {
    schema = inline(read(name), new Set([name])) as Schema;
    cache.set(name, schema);
  }
  return schema;
}
