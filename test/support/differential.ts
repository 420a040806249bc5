import type { Random } from '../../lib/gen/random';
import { harden } from '../../lib/xml/harden';
import { parseTree } from '../../lib/xml/tree';
import type { SchemaModel } from '../../lib/xml/xsd-model';
import { writeXml, type XmlNode } from '../../lib/xml/xml-writer';
import { validateAgainstSchema } from '../../lib/xml/xsd-validate';
import { mutate } from './mutate';
import { xmllintVerdicts } from './xmllint';

/** A generated document and the mutations it went through (none for the valid share). */
export interface DifferentialCase {
  readonly xml: string;
  readonly changes: readonly string[];
}

/** A generated document: a quarter are left as they are, the rest get one to three random mutations. */
export function differentialCase(rng: Random, doc: XmlNode): DifferentialCase {
  const mutated = rng.chance(0.25) ? { doc, changes: [] } : mutate(rng, doc);
  return { xml: writeXml(mutated.doc), changes: mutated.changes };
}

/** The node's verdict on the schema level: hardening, well-formedness and the XSD. */
export function ourVerdict(xml: string, model: SchemaModel): boolean {
  const hardened = harden(Buffer.from(xml, 'utf8'));
  if (!hardened.ok) return false;
  const tree = parseTree(hardened.text);
  if (!tree.ok) return false;
  return validateAgainstSchema(tree.root, model).length === 0;
}

/**
 * The node's verdicts and libxml2's on the same documents and the same schema file: how many libxml2 finds
 * valid, and every document on which the two disagree (the first five printed with their mutations).
 */
export async function differential(
  label: string,
  cases: readonly DifferentialCase[],
  model: SchemaModel,
  schemaFile: string,
  batch?: number,
): Promise<{ valid: number; disagreements: string[] }> {
  const started = Date.now();
  const theirs = await xmllintVerdicts(
    schemaFile,
    cases.map((c) => c.xml),
    batch,
  );
  const disagreements = cases.flatMap((c, i) =>
    ourVerdict(c.xml, model) === theirs[i]
      ? []
      : [`#${i} (xmllint ${theirs[i] ? 'valid' : 'invalid'}): ${c.changes.join('; ') || 'not mutated'}`],
  );
  const valid = theirs.filter(Boolean).length;
  console.log(
    `${label}: ${cases.length} documents, xmllint valid ${valid}, invalid ${cases.length - valid}, disagreements ${disagreements.length}, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const d of disagreements.slice(0, 5)) console.log(`disagreement on ${d}`);
  return { valid, disagreements };
}

/** A differential means something only on a mix with both verdicts in fair shares (so it can fail). */
export function expectBothVerdicts(result: { valid: number }, total: number): void {
  expect(result.valid).toBeGreaterThan(total / 5);
  expect(total - result.valid).toBeGreaterThan(total / 5);
}
