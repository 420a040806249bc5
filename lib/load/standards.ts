import { Type, type Schema } from 'avsc';
import { avroSchema, type AvroRecordName } from '../../contracts/avro/schemas';
import { Topic } from '../../contracts/topics';
import { feedSchemaModel } from '../xml/schemas';
import type { XmlElement } from '../xml/tree';
import type { XmlNode } from '../xml/xml-writer';
import { validateAgainstSchema } from '../xml/xsd-validate';
import { CoXml, rapportoChecks, rapportoFromXml, rapportoToXml } from './co-xml';
import { InpsXml, percettoreChecks, percettoreFromXml, percettoreToXml } from './inps-xml';
import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';
import type { Mapped, Problem } from './records';

/** Everything `ncn load` needs to know about one feed: where it goes, its XML shape, its rules. */
export interface LoadStandard<T> {
  readonly kind: 'inps' | 'co';
  /** The topic the records go to (contracts/topics.ts). */
  readonly topic: string;
  readonly avro: AvroRecordName;
  /** The record element of the XML, its namespace and the schema file that defines it (named in messages). */
  readonly xml: { readonly element: string; readonly namespace: string | undefined; readonly schema: string };
  readonly fromXml: (root: XmlElement) => Mapped<T>;
  readonly toXml: (value: T) => XmlNode;
  /** The rules beyond the Avro types, by Avro field (applied to NDJSON values). */
  readonly checks: readonly { readonly field: string; readonly problem: (value: string) => string | undefined }[];
  /** The Kafka key: the person's codice fiscale. */
  readonly keyOf: (value: T) => string;
  /** What a file of the other feed holds, to say which command reads it. */
  readonly other: { readonly kind: 'inps' | 'co'; readonly element: string; readonly topic: string };
}

export const InpsStandard: LoadStandard<Percettore> = {
  kind: 'inps',
  topic: Topic.inpsPercettori,
  avro: 'it.ncn.Percettore',
  xml: InpsXml,
  fromXml: percettoreFromXml,
  toXml: percettoreToXml,
  checks: percettoreChecks,
  keyOf: (p) => p.codiceFiscale,
  other: { kind: 'co', element: CoXml.element, topic: Topic.coRapporti },
};

export const CoStandard: LoadStandard<RapportoLavoro> = {
  kind: 'co',
  topic: Topic.coRapporti,
  avro: 'it.ncn.RapportoLavoro',
  xml: CoXml,
  fromXml: rapportoFromXml,
  toXml: rapportoToXml,
  checks: rapportoChecks,
  keyOf: (r) => r.codiceFiscaleLavoratore,
  other: { kind: 'inps', element: InpsXml.element, topic: Topic.inpsPercettori },
};

interface FieldSchema {
  readonly name: string;
  readonly type: unknown;
}

const types = new Map<AvroRecordName, { type: Type; fields: Map<string, string> }>();

/** The Avro type of a record and, per field, what its values must be, in words. */
function avroOf(name: AvroRecordName): { type: Type; fields: Map<string, string> } {
  let entry = types.get(name);
  if (entry === undefined) {
    const schema = avroSchema(name);
    const fields = (schema as { fields: readonly FieldSchema[] }).fields;
    entry = {
      type: Type.forSchema(schema as Schema),
      fields: new Map(fields.map((f) => [f.name, describe(f.type)])),
    };
    types.set(name, entry);
  }
  return entry;
}

function describe(type: unknown): string {
  if (Array.isArray(type)) {
    const others = type.filter((t) => t !== 'null').map(describe);
    return `${others.join(' or ')}${type.includes('null') ? ' or null' : ''}`;
  }
  if (typeof type === 'string') return { string: 'a string', int: 'an int', long: 'a long' }[type] ?? type;
  const t = type as { type?: string; logicalType?: string; symbols?: readonly string[] };
  if (t.logicalType === 'date') return 'a date as days since 1970-01-01 (an int)';
  if (t.logicalType === 'timestamp-millis') return 'a time as epoch milliseconds (a long)';
  if (t.type === 'enum') return `one of ${(t.symbols ?? []).join(', ')}`;
  return describe(t.type);
}

/**
 * What keeps a value from being encoded with its Avro schema: fields the schema does not have, missing fields
 * and values of the wrong type, each named `prefix` + field and saying what it must be.
 */
export function avroProblems(name: AvroRecordName, value: unknown, prefix = ''): Problem[] {
  const { type, fields } = avroOf(name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: prefix.replace(/\.$/, ''), message: `must be an object with the fields of ${name}.` }];
  }
  const problems: Problem[] = [];
  for (const key of Object.keys(value)) {
    if (!fields.has(key)) {
      problems.push({ field: `${prefix}${key}`, message: `is not a field of ${name}: remove it or correct its name.` });
    }
  }
  type.isValid(value, {
    errorHook: (path: string[], v: unknown) => {
      const field = path[0] ?? '';
      problems.push({
        field: `${prefix}${path.join('.')}`,
        message:
          v === undefined
            ? `is missing: give ${fields.get(field) ?? 'a value'}.`
            : `${JSON.stringify(v)} is not ${fields.get(field) ?? 'of the schema'}.`,
      });
    },
  });
  return problems;
}

/**
 * What keeps a record from being a document of its official standard (did_inps.xsd, unilav_in.xsd): every
 * schema issue, at `where(path)` (the element path by default), saying the rule, its code and the schema.
 */
export function schemaProblems<T>(
  standard: LoadStandard<T>,
  root: XmlElement,
  where: (path: string) => string = (path) => path,
): Problem[] {
  return validateAgainstSchema(root, feedSchemaModel(standard.kind)).map((issue) => ({
    field: where(issue.path),
    message: `${issue.message.replace(/\.$/, '')} (${issue.code}, ${standard.xml.schema}).`,
  }));
}
