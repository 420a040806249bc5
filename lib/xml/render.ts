import type { DocumentKind } from '../../contracts/xml/schemas';
import { Namespace } from '../../contracts/xml/schemas';
import type { DocumentObject } from './to-object';
import { writeXml, type XmlNode } from './xml-writer';

function nodes(name: string, value: string | DocumentObject | readonly (string | DocumentObject)[]): XmlNode[] {
  if (Array.isArray(value)) return (value as (string | DocumentObject)[]).flatMap((v) => nodes(name, v));
  if (typeof value === 'string') return [{ name, text: value }];
  return [{ name, children: Object.entries(value as DocumentObject).flatMap(([k, v]) => nodes(k, v)) }];
}

/**
 * A document's plain data written as the standard's XML, in the default namespace of its kind. Properties
 * must be in schema order, as to-object.ts and to-avro.ts produce them.
 */
export function renderDocument(kind: DocumentKind, doc: DocumentObject): string {
  const [root] = nodes(kind, doc);
  if (root === undefined) throw new Error('nothing to render');
  return writeXml({ ...root, attributes: { xmlns: Namespace[kind] } });
}
