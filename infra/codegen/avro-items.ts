/**
 * Writes the Avro schemas of the canonical items, `candidatura-item.avsc` and `vacancy-item.avsc`, from the
 * standard's schema files: every element of the forms becomes a field (nothing dropped), records for complex
 * elements, arrays for repeatable ones, optional ones as a union with null. xs:date becomes the `date`
 * logical type, xs:dateTime `timestamp-millis` (a time without offset is Europe/Rome time). Beside the
 * document sits the node's metadata (ItemMeta). Run with `npm run contracts:avro`; a unit test fails when the
 * committed files differ from what this produces.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaModel } from '../../lib/xml/xsd-model';
import { schemaModel } from '../../lib/xml/schemas';
import { ItemDocumentKind } from '../../contracts/xml/schemas';
import { avroName } from '../../contracts/avro/names';

type AvroType = string | Record<string, unknown> | AvroType[];

const recordName = (element: string): string => {
  const name = avroName(element);
  return name.charAt(0).toUpperCase() + name.slice(1);
};

function typeOf(element: string, model: SchemaModel, defined: Set<string>): AvroType {
  const decl = model.elements.get(element);
  if (decl === undefined) throw new Error(`undeclared element ${element}`);
  if (decl.content.kind === 'simple') {
    if (decl.content.type.base === 'date') return { type: 'int', logicalType: 'date' };
    if (decl.content.type.base === 'dateTime') return { type: 'long', logicalType: 'timestamp-millis' };
    return 'string';
  }
  const name = recordName(element);
  if (defined.has(name)) return name;
  defined.add(name);
  return {
    type: 'record',
    name,
    doc: `The element ${element} of the standard.`,
    fields: decl.content.particles.map((p) => {
      const inner = typeOf(p.name, model, defined);
      const doc = avroName(p.name) === p.name ? {} : { doc: `The element ${p.name}.` };
      if (p.maxOccurs > 1)
        return { name: avroName(p.name), type: { type: 'array', items: inner }, default: [], ...doc };
      if (p.minOccurs === 0) return { name: avroName(p.name), type: ['null', inner], default: null, ...doc };
      return { name: avroName(p.name), type: inner, ...doc };
    }),
  };
}

const timestamp = { type: 'long', logicalType: 'timestamp-millis' };

function itemMeta(kind: ItemDocumentKind): Record<string, unknown> {
  return {
    type: 'record',
    name: 'ItemMeta',
    namespace: 'it.ncn',
    doc: 'What the node knows and fills about one version of an item (system fields, rules 3, 4, 6, 8).',
    fields: [
      { name: 'root', type: 'string', doc: 'The first code of the item chain: the item identity and the key.' },
      { name: 'code', type: 'string', doc: 'This version code.' },
      { name: 'previousCode', type: ['null', 'string'], default: null, doc: 'The code this version replaces.' },
      { name: 'version', type: 'int', doc: 'Position in the chain, from 1.' },
      { name: 'node', type: 'string', doc: 'The sending node, owner of the item (rule 8).' },
      {
        name: 'action',
        type: { type: 'enum', name: 'ItemAction', symbols: ['SEND', 'CLOSE'] },
        doc: 'SEND: insert or update; CLOSE: tipo 02.',
      },
      { name: 'receivedAt', type: timestamp },
      {
        name: 'expiresAt',
        type: ['null', timestamp],
        default: null,
        doc: 'Effective expiry: min(datascadenza, latest send + 60 days); null for a close (rule 4).',
      },
      {
        name: 'percettore',
        type: 'boolean',
        default: false,
        doc: kind === 'Candidatura' ? 'The worker is a current income-support recipient (rule 3).' : 'Always false.',
      },
      {
        name: 'intermediario',
        type: ['null', 'it.ncn.Intermediario'],
        default: null,
        doc: 'The accredited intermediary that sent it (rule 6).',
      },
      {
        name: 'warnings',
        type: { type: 'array', items: 'string' },
        default: [],
        doc: 'Codes of the warnings the validation gave (e.g. CF_INCONSISTENT).',
      },
      { name: 'sha256', type: 'string', doc: 'SHA-256 of the submitted bytes, hex.' },
    ],
  };
}

/** The canonical item schema of one document kind. */
export function itemSchema(kind: ItemDocumentKind): Record<string, unknown> {
  const namespace = `it.ncn.${kind.toLowerCase()}`;
  const documentType = typeOf(kind, schemaModel(kind), new Set());
  return {
    type: 'record',
    name: `${kind}Item`,
    namespace: 'it.ncn',
    doc: `One version of a ${kind} as the node holds and routes it (ncn.${kind === 'Candidatura' ? 'candidature' : 'vacancies'}; key: item root).`,
    fields: [
      { name: 'meta', type: itemMeta(kind) },
      { name: 'document', type: { ...(documentType as Record<string, unknown>), namespace } },
    ],
  };
}

export const itemSchemaFile = (kind: ItemDocumentKind): string =>
  join(__dirname, '../../contracts/avro', `${kind.toLowerCase()}-item.avsc`);

if (require.main === module) {
  for (const kind of Object.values(ItemDocumentKind)) {
    writeFileSync(itemSchemaFile(kind), `${JSON.stringify(itemSchema(kind), null, 2)}\n`);
    console.log(`wrote ${itemSchemaFile(kind)}`);
  }
}
