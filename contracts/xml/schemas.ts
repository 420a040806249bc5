import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSchema, type SchemaModel } from '../../services/xml/xsd-model';

/** The two documents regional nodes send, by the root element of the standard. */
export const DocumentKind = { candidatura: 'Candidatura', vacancy: 'Vacancy' } as const;
export type DocumentKind = (typeof DocumentKind)[keyof typeof DocumentKind];

/** Namespaces of the standard (ClicLavoro Allegato 4). */
export const Namespace = {
  Candidatura: 'http://servizi.lavoro.gov.it/candidatura',
  Vacancy: 'http://servizi.lavoro.gov.it/vacancy',
} as const satisfies Record<DocumentKind, string>;

/** Schema files carried by the project (copies of the standard, see their header comments). */
export const schemaFile: Record<DocumentKind, string> = {
  Candidatura: join(__dirname, 'candidatura.xsd'),
  Vacancy: join(__dirname, 'vacancy.xsd'),
};

const compiled = new Map<DocumentKind, SchemaModel>();

/** The compiled model of a document's schema (compiled once per process). */
export function schemaModel(kind: DocumentKind): SchemaModel {
  let model = compiled.get(kind);
  if (model === undefined) {
    model = compileSchema(readFileSync(schemaFile[kind], 'utf8'));
    compiled.set(kind, model);
  }
  return model;
}

/** The kind of document a root element in a namespace is, if it is one. */
export function documentKindOf(rootName: string, ns: string | undefined): DocumentKind | undefined {
  return (Object.values(DocumentKind) as DocumentKind[]).find((k) => k === rootName && Namespace[k] === ns);
}
