import type { XmlElement } from './tree';
import type { SchemaModel } from './xsd-model';

/** A document as plain data: see the generated types in contracts/xml/*.types.ts. */
export type DocumentObject = {
  readonly [name: string]: string | DocumentObject | readonly (string | DocumentObject)[];
};

/**
 * Turns a tree that passed schema validation into plain data shaped by the schema: repeatable elements become
 * arrays (present even when empty), optional ones are left out when absent, text stays as written.
 */
export function toObject(element: XmlElement, model: SchemaModel): DocumentObject {
  const decl = model.elements.get(element.name);
  if (decl === undefined || decl.content.kind !== 'sequence') {
    throw new Error(`${element.path}: not a complex element of the schema`);
  }
  const out: Record<string, string | DocumentObject | (string | DocumentObject)[]> = {};
  for (const particle of decl.content.particles) {
    const values = element.children
      .filter((c) => c.name === particle.name)
      .map((c) => (model.elements.get(c.name)?.content.kind === 'sequence' ? toObject(c, model) : c.text));
    if (particle.maxOccurs > 1) out[particle.name] = values;
    else if (values[0] !== undefined) out[particle.name] = values[0];
  }
  return out;
}
