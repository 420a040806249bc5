import { join } from 'node:path';

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

/** The kind of document a root element in a namespace is, if it is one. */
export function documentKindOf(rootName: string, ns: string | undefined): DocumentKind | undefined {
  return (Object.values(DocumentKind) as DocumentKind[]).find((k) => k === rootName && Namespace[k] === ns);
}
