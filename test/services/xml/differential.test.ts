import { validateXML } from 'xmllint-wasm';
import { readFileSync } from 'node:fs';
import { Namespace, schemaFile, schemaModel, type DocumentKind } from '../../../contracts/xml/schemas';
import { generateCandidatura } from '../../../services/gen/candidatura';
import { Random } from '../../../services/gen/random';
import { generateVacancy } from '../../../services/gen/vacancy';
import { harden } from '../../../services/xml/harden';
import { parseTree } from '../../../services/xml/tree';
import { validateAgainstSchema } from '../../../services/xml/xsd-validate';
import { writeXml, type XmlNode } from '../../../services/xml/xml-writer';
import { mutate } from '../../support/mutate';

/** How many documents per kind; NCN_DIFFERENTIAL_DOCS overrides (the issue asks for at least 10,000 in all). */
const perKind = Number(process.env.NCN_DIFFERENTIAL_DOCS ?? 5_000);
const batch = 500;

interface Case {
  readonly file: string;
  readonly kind: DocumentKind;
  readonly xml: string;
  readonly changes: readonly string[];
}

function cases(kind: DocumentKind, seed: number): Case[] {
  const rng = new Random(seed);
  const at = new Date('2026-11-20T09:30:00Z');
  return Array.from({ length: perKind }, (_, i) => {
    const node = rng.pick(['01', '05', '12', '15', '19', '21', '22'] as const);
    const doc: XmlNode =
      kind === 'Candidatura'
        ? generateCandidatura(rng, { node, sequence: i, at }).xml
        : generateVacancy(rng, { node, sequence: i, at }).xml;
    const mutated = rng.chance(0.25) ? { doc, changes: [] } : mutate(rng, doc);
    return { file: `${kind.toLowerCase()}-${i}.xml`, kind, xml: writeXml(mutated.doc), changes: mutated.changes };
  });
}

/** Our verdict on the schema-level rules: hardening, well-formedness and the XSD. */
function ourVerdict(c: Case): boolean {
  const hardened = harden(Buffer.from(c.xml, 'utf8'));
  if (!hardened.ok) return false;
  const tree = parseTree(hardened.text);
  if (!tree.ok) return false;
  return validateAgainstSchema(tree.root, schemaModel(c.kind)).length === 0;
}

/** libxml2's verdict (xmllint compiled to WebAssembly) on the same bytes and the same schema file. */
async function xmllintVerdicts(kind: DocumentKind, all: readonly Case[]): Promise<Map<string, boolean>> {
  const schema = { fileName: `${kind}.xsd`, contents: readFileSync(schemaFile[kind], 'utf8') };
  const verdicts = new Map<string, boolean>();
  for (let i = 0; i < all.length; i += batch) {
    const chunk = all.slice(i, i + batch);
    const result = await validateXML({
      xml: chunk.map((c) => ({ fileName: c.file, contents: c.xml })),
      schema,
      maxMemoryPages: 4096,
    });
    const passed = new Set([...result.rawOutput.matchAll(/^(\S+) validates$/gm)].map((m) => m[1]));
    for (const c of chunk) verdicts.set(c.file, passed.has(c.file));
  }
  return verdicts;
}

describe('the validator against libxml2 (xmllint) on the same schema files', () => {
  for (const [kind, seed] of [
    ['Candidatura', 2026 + Number(process.env.NCN_DIFFERENTIAL_SEED ?? 0)],
    ['Vacancy', 1977 + Number(process.env.NCN_DIFFERENTIAL_SEED ?? 0)],
  ] as const) {
    it(`agrees on every one of ${perKind} generated ${kind} documents, valid and mutated`, async () => {
      const all = cases(kind, seed);
      const theirs = await xmllintVerdicts(kind, all);
      const disagreements = all.filter((c) => ourVerdict(c) !== theirs.get(c.file));
      const valid = all.filter((c) => theirs.get(c.file)).length;
      console.log(
        `${kind}: ${all.length} documents (${Namespace[kind]}), xmllint valid ${valid}, invalid ${all.length - valid}, disagreements ${disagreements.length}`,
      );
      for (const d of disagreements.slice(0, 5)) {
        console.log(
          `disagreement on ${d.file} (xmllint ${theirs.get(d.file) ? 'valid' : 'invalid'}): ${d.changes.join('; ')}`,
        );
      }
      expect(valid).toBeGreaterThan(all.length / 5);
      expect(all.length - valid).toBeGreaterThan(all.length / 5);
      expect(disagreements.map((d) => `${d.file}: ${d.changes.join('; ')}`)).toEqual([]);
    }, 300_000);
  }
});
