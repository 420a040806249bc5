import { avroName } from '../../contracts/avro/names';
import type { DocumentObject } from './to-object';
import type { SchemaModel } from './xsd-model';
import { dateTimeToMillis, dateToDays, daysToDate, millisToDateTime } from './rome-time';

type AvroValue = string | number | null | AvroValue[] | { [field: string]: AvroValue };

/**
 * A document (to-object.ts) as the value of its Avro record (contracts/avro/*-item.avsc, field `document`):
 * names made Avro-safe, absent optional elements as null, dates as days, date-times as epoch milliseconds.
 */
export function documentToAvro(
  doc: DocumentObject,
  element: string,
  model: SchemaModel,
): { [field: string]: AvroValue } {
  const decl = model.elements.get(element);
  if (decl === undefined || decl.content.kind !== 'sequence') throw new Error(`${element} is not a complex element`);
  const out: { [field: string]: AvroValue } = {};
  for (const p of decl.content.particles) {
    const value = doc[p.name];
    const convert = (v: string | DocumentObject): AvroValue => {
      const child = model.elements.get(p.name);
      if (typeof v !== 'string') return documentToAvro(v, p.name, model);
      if (child?.content.kind === 'simple' && child.content.type.base === 'date') return dateToDays(v);
      if (child?.content.kind === 'simple' && child.content.type.base === 'dateTime') return dateTimeToMillis(v);
      return v;
    };
    if (p.maxOccurs > 1) out[avroName(p.name)] = ((value ?? []) as (string | DocumentObject)[]).map(convert);
    else out[avroName(p.name)] = value === undefined ? null : convert(value as string | DocumentObject);
  }
  return out;
}

/** The inverse: an Avro document value back to the document's plain data, ready to render as XML. */
export function avroToDocument(
  value: { [field: string]: unknown },
  element: string,
  model: SchemaModel,
): DocumentObject {
  const decl = model.elements.get(element);
  if (decl === undefined || decl.content.kind !== 'sequence') throw new Error(`${element} is not a complex element`);
  const out: Record<string, string | DocumentObject | (string | DocumentObject)[]> = {};
  for (const p of decl.content.particles) {
    const raw = value[avroName(p.name)];
    const child = model.elements.get(p.name);
    const convert = (v: unknown): string | DocumentObject => {
      if (child?.content.kind === 'sequence') return avroToDocument(v as { [field: string]: unknown }, p.name, model);
      if (child?.content.kind === 'simple' && child.content.type.base === 'date') return daysToDate(v as number);
      if (child?.content.kind === 'simple' && child.content.type.base === 'dateTime')
        return millisToDateTime(Number(v));
      return String(v);
    };
    if (p.maxOccurs > 1) out[p.name] = ((raw ?? []) as unknown[]).map(convert);
    else if (raw !== null && raw !== undefined) out[p.name] = convert(raw);
  }
  return out;
}
