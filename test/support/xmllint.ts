import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

/**
 * libxml2's verdict (xmllint compiled to WebAssembly, `xmllint-wasm`) on each document against a schema file of
 * the project, in calls of `batch` documents (one call costs a WebAssembly instance: many documents per call).
 * `schemaFile` is the schema's path (contracts/xml/schemas.ts names them).
 */
export async function xmllintVerdicts(
  schemaFile: string,
  documents: readonly string[],
  batch = 1_000,
): Promise<boolean[]> {
  const schema = { fileName: 'schema.xsd', contents: readFileSync(schemaFile, 'utf8') };
  const verdicts: boolean[] = [];
  for (let from = 0; from < documents.length; from += batch) {
    const chunk = documents.slice(from, from + batch);
    const result = await validateXML({
      xml: chunk.map((contents, i) => ({ fileName: `doc${from + i}.xml`, contents })),
      schema,
      maxMemoryPages: 4096,
    });
    const passed = new Set([...result.rawOutput.matchAll(/^(\S+) validates$/gm)].map((m) => m[1]));
    verdicts.push(...chunk.map((_, i) => passed.has(`doc${from + i}.xml`)));
  }
  return verdicts;
}
