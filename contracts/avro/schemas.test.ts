import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { itemSchema, itemSchemaFile } from '../../infra/codegen/avro-items';
import { AvroFiles, avroSchema, type AvroRecordName } from './schemas';
import { topicCatalogue } from '../topics';
import { schemaModel } from '../../lib/xml/schemas';
import { ItemDocumentKind as DocumentKind } from '../xml/schemas';
import { generateCandidatura } from '../../lib/gen/candidatura';
import { Random } from '../../lib/gen/random';
import { generateVacancy } from '../../lib/gen/vacancy';
import { renderDocument } from '../../lib/xml/render';
import { avroToDocument, documentToAvro } from '../../lib/xml/to-avro';
import { validateDocument } from '../../lib/xml/validate';
import { writeXml } from '../../lib/xml/xml-writer';

const names = Object.keys(AvroFiles) as AvroRecordName[];

function documentedFields(schema: unknown, missing: string[], path = ''): void {
  if (Array.isArray(schema)) return schema.forEach((s) => documentedFields(s, missing, path));
  if (schema === null || typeof schema !== 'object') return;
  const record = schema as {
    type?: unknown;
    name?: string;
    doc?: string;
    fields?: { name: string; doc?: string; type: unknown }[];
    items?: unknown;
  };
  if (record.type === 'record') {
    if (!record.doc) missing.push(`${path}${record.name}`);
    for (const f of record.fields ?? []) documentedFields(f.type, missing, `${path}${record.name}.`);
  } else {
    documentedFields(record.type, missing, path);
    documentedFields(record.items, missing, path);
  }
}

describe('the Avro contracts', () => {
  it.each(names)('%s parses, has a namespace and documents its records', (name) => {
    const schema = avroSchema(name) as { namespace?: string };
    expect(() => avro.Type.forSchema(avroSchema(name))).not.toThrow();
    expect(schema.namespace).toBe('it.ncn');
    const missing: string[] = [];
    documentedFields(avroSchema(name), missing);
    expect(missing.filter((m) => !m.includes('ReceiptIssue') && !m.includes('PublicContact'))).toEqual([]);
  });

  it('gives every Avro topic of the catalogue a schema, and none to XML or raw topics', () => {
    for (const spec of topicCatalogue) {
      if (spec.value.startsWith('Avro')) expect(spec.avro).toBeDefined();
      else expect(spec.avro).toBeUndefined();
    }
  });

  it.each(Object.values(DocumentKind))('commits the %s item schema the generator writes from the XSD', (kind) => {
    expect(JSON.parse(readFileSync(itemSchemaFile(kind), 'utf8'))).toEqual(itemSchema(kind));
  });

  it.each(Object.values(DocumentKind))('keeps every element of the %s form, nothing dropped', (kind) => {
    const model = schemaModel(kind);
    const text = JSON.stringify(itemSchema(kind));
    // The elements of the form: those reachable from its root (the schema also declares a few it never uses).
    const reachable = new Set<string>();
    const visit = (name: string): void => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const content = model.elements.get(name)?.content;
      if (content?.kind === 'sequence') content.particles.forEach((p) => visit(p.name));
    };
    visit(kind);
    expect(reachable.size).toBeGreaterThan(40);
    for (const element of reachable) {
      expect(text).toContain(`"${element.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+$/, '')}"`);
    }
  });

  it('carries generated documents through Avro and back to XML that still validates, unchanged', () => {
    const rng = new Random(5);
    const at = new Date('2026-11-20T09:30:00Z');
    for (let i = 0; i < 200; i++) {
      const kind = i % 2 === 0 ? 'Candidatura' : 'Vacancy';
      const generated =
        kind === 'Candidatura'
          ? generateCandidatura(rng, { node: '12', sequence: i, at })
          : generateVacancy(rng, { node: '03', sequence: i, at });
      const first = validateDocument(Buffer.from(writeXml(generated.xml)));
      expect(first.valid).toBe(true);
      const model = schemaModel(kind);
      const original = first.submission?.document as unknown as Parameters<typeof documentToAvro>[0];
      const type = avro.Type.forSchema(
        avroSchema(kind === 'Candidatura' ? 'it.ncn.CandidaturaItem' : 'it.ncn.VacancyItem'),
      );
      const value = {
        meta: {
          root: 'r',
          code: 'c',
          previousCode: null,
          version: 1,
          node: '12',
          action: 'SEND',
          receivedAt: 0,
          expiresAt: null,
          percettore: false,
          intermediario: null,
          warnings: [],
          sha256: 'x',
        },
        document: documentToAvro(original, kind, model),
      };
      const decoded = type.fromBuffer(type.toBuffer(value)) as { document: { [k: string]: unknown } };
      const back = avroToDocument(decoded.document, kind, model);
      expect(back).toEqual(original);
      expect(validateDocument(Buffer.from(renderDocument(kind, back))).valid).toBe(true);
    }
  });
});
