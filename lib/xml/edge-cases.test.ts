import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { schemaFile } from '../../contracts/xml/schemas';
import { isSchemaLevel } from './issues';
import { validateDocument } from './validate';
import { validCandidatura } from '../../test/support/xml-cases';

/**
 * Edge cases the random mutations of the differential test do not produce (prolog, processing instructions,
 * prefixes, whitespace that is not XML whitespace, content after the root, character references, xsi
 * attributes…): each is one edit of the valid CV, judged by libxml2 and by the validator.
 */
const edits = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/xml/edge-edits.json'), 'utf8')) as {
  name: string;
  from: string;
  to: string;
}[];

/** Where ncn is stricter than libxml2 on purpose (documented in the README). */
const stricter = new Set(
  edits.filter((e) => /DOCTYPE|ENTITY|US-ASCII|ascii/i.test(e.to) && !/DOCTYPE/.test(e.from)).map((e) => e.name),
);

function apply(edit: { from: string; to: string }): string {
  const at = validCandidatura.indexOf(edit.from);
  return at === -1
    ? validCandidatura
    : validCandidatura.slice(0, at) + edit.to + validCandidatura.slice(at + edit.from.length);
}

describe('edge cases against libxml2', () => {
  it(`agrees on ${edits.length} hand-picked edits of the valid CV`, async () => {
    const docs = edits.map((e, i) => ({ fileName: `edge-${i}.xml`, contents: apply(e), edit: e }));
    const result = await validateXML({
      xml: docs.map((d) => ({ fileName: d.fileName, contents: d.contents })),
      schema: { fileName: 'candidatura.xsd', contents: readFileSync(schemaFile.Candidatura, 'utf8') },
      maxMemoryPages: 4096,
    });
    const passed = new Set([...result.rawOutput.matchAll(/^(\S+) validates$/gm)].map((m) => m[1]));
    const disagreements: string[] = [];
    for (const d of docs) {
      const verdict = validateDocument(Buffer.from(d.contents, 'utf8'));
      const ours = !verdict.issues.some((i) => i.severity === 'error' && isSchemaLevel(i));
      const theirs = passed.has(d.fileName);
      if (ours === theirs) continue;
      if (!ours && theirs && stricter.has(d.edit.name)) continue;
      disagreements.push(
        `${d.edit.name}: libxml2 ${theirs ? 'valid' : 'invalid'}, ncn ${ours ? 'valid' : `invalid (${verdict.issues[0]?.code})`}`,
      );
    }
    expect(disagreements).toEqual([]);
  });
});
