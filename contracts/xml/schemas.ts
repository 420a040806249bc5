import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSchema, type SchemaModel } from '../../services/xml/xsd-model';

/** The documents regional nodes send, by the root element of the standard: two items and the contact message. */
export const DocumentKind = { candidatura: 'Candidatura', vacancy: 'Vacancy', messaggio: 'Messaggio' } as const;
export type DocumentKind = (typeof DocumentKind)[keyof typeof DocumentKind];

/** The documents that are items: published, routed by scope, expiring (a Messaggio is about an item). */
export const ItemDocumentKind = { candidatura: 'Candidatura', vacancy: 'Vacancy' } as const;
export type ItemDocumentKind = (typeof ItemDocumentKind)[keyof typeof ItemDocumentKind];

/** Namespaces of the standard (ClicLavoro Allegato 4). */
export const Namespace = {
  Candidatura: 'http://servizi.lavoro.gov.it/candidatura',
  Vacancy: 'http://servizi.lavoro.gov.it/vacancy',
  Messaggio: 'http://servizi.lavoro.gov.it/messaggio',
} as const satisfies Record<DocumentKind, string>;

/** Schema files carried by the project (copies of the standard, see their header comments). */
export const schemaFile: Record<DocumentKind, string> = {
  Candidatura: join(__dirname, 'candidatura.xsd'),
  Vacancy: join(__dirname, 'vacancy.xsd'),
  Messaggio: join(__dirname, 'messaggio.xsd'),
};

/**
 * The official schemas of the two outside feeds, carried unchanged but for a header comment: INPS's DID record
 * (ListaDID, no namespace) and the regional UNILAV wrapper of the CO (inputUniLav).
 */
export const feedSchemaFile = {
  inps: join(__dirname, 'inps', 'did_inps.xsd'),
  co: join(__dirname, 'co', 'unilav_in.xsd'),
} as const;
export type Feed = keyof typeof feedSchemaFile;

const compiled = new Map<string, SchemaModel>();

/** The compiled model of a schema file (compiled once per process). */
function modelOf(file: string): SchemaModel {
  let model = compiled.get(file);
  if (model === undefined) {
    model = compileSchema(readFileSync(file, 'utf8'));
    compiled.set(file, model);
  }
  return model;
}

/** The compiled model of a document's schema. */
export const schemaModel = (kind: DocumentKind): SchemaModel => modelOf(schemaFile[kind]);

/** The compiled model of a feed's schema. */
export const feedSchemaModel = (feed: Feed): SchemaModel => modelOf(feedSchemaFile[feed]);

/** The kind of document a root element in a namespace is, if it is one. */
export function documentKindOf(rootName: string, ns: string | undefined): DocumentKind | undefined {
  return (Object.values(DocumentKind) as DocumentKind[]).find((k) => k === rootName && Namespace[k] === ns);
}
