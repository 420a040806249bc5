import type { ItemMeta } from '../../contracts/avro/types';
import { schemaModel } from '../xml/schemas';
import type { ItemDocumentKind } from '../../contracts/xml/schemas';
import type { Candidatura } from '../../contracts/xml/candidatura.types';
import type { Vacancy } from '../../contracts/xml/vacancy.types';
import { avroToDocument } from '../xml/to-avro';

/** A canonical item as decoded from ncn.candidature / ncn.vacancies. */
export interface CanonicalItem {
  readonly meta: ItemMeta;
  readonly document: { readonly [field: string]: unknown };
}

/** A canonical item with its document as the standard's typed data. */
export type ItemVersion =
  | { readonly kind: 'CANDIDATURA'; readonly meta: ItemMeta; readonly document: Candidatura }
  | { readonly kind: 'VACANCY'; readonly meta: ItemMeta; readonly document: Vacancy };

export const documentKindOfItem = (kind: ItemVersion['kind']): ItemDocumentKind =>
  kind === 'CANDIDATURA' ? 'Candidatura' : 'Vacancy';

/** The canonical item's Avro document back as the standard's data (the inverse of ingest's documentToAvro). */
export function itemVersion(kind: ItemVersion['kind'], item: CanonicalItem): ItemVersion {
  const element = documentKindOfItem(kind);
  const document = avroToDocument(item.document, element, schemaModel(element));
  return kind === 'CANDIDATURA'
    ? { kind, meta: item.meta, document: document as unknown as Candidatura }
    : { kind, meta: item.meta, document: document as unknown as Vacancy };
}

/** The codice fiscale an item is about: the worker's (CV) or the employer's when given (vacancy). */
export function subjectOf(item: ItemVersion): string | undefined {
  return item.kind === 'CANDIDATURA'
    ? item.document.Lavoratore.DatiAnagrafici.codicefiscale
    : item.document.DatoreLavoro.DatiAnagrafici.codicefiscale;
}
