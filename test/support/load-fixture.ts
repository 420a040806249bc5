import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { readRecords, type ReadItem } from '../../lib/load/read-records';
import type { LoadStandard } from '../../lib/load/standards';

const root = join(__dirname, '../..');

/** A fixture file's text. */
export const fixture = (path: string): string => readFileSync(join(root, 'test/fixtures', path), 'utf8');

/** Everything a file's text gives, fed in chunks of `chunk` characters (the whole text by default). */
export async function readAll<T>(standard: LoadStandard<T>, text: string, chunk = text.length): Promise<ReadItem<T>[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += Math.max(chunk, 1)) chunks.push(text.slice(i, i + chunk));
  const items: ReadItem<T>[] = [];
  for await (const item of readRecords(standard, chunks)) items.push(item);
  return items;
}

/** The records a text gives; fails the test with the problems when anything else comes out. */
export async function recordsOf<T>(standard: LoadStandard<T>, text: string): Promise<{ key: string; value: T }[]> {
  const items = await readAll(standard, text);
  const others = items.filter((i) => i.kind !== 'record' && i.kind !== 'ignored');
  expect(others).toEqual([]);
  return items.flatMap((i) => (i.kind === 'record' ? [{ key: i.key, value: i.value }] : []));
}

/** The problems of the one record a text holds, as `field: message` lines. */
export async function problemsOf<T>(standard: LoadStandard<T>, text: string): Promise<string[]> {
  const items = await readAll(standard, text);
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item?.kind !== 'skipped') throw new Error(`expected a skipped record, got ${JSON.stringify(item)}`);
  return item.problems.map((p) => `${p.field}: ${p.message}`);
}

/** libxml2's verdict (xmllint compiled to WebAssembly) on documents against one of the project's schema copies. */
export async function xmllint(schemaPath: string, documents: readonly string[]): Promise<string> {
  const result = await validateXML({
    xml: documents.map((contents, i) => ({ fileName: `doc${i}.xml`, contents })),
    schema: { fileName: 'schema.xsd', contents: readFileSync(join(root, schemaPath), 'utf8') },
  });
  return result.rawOutput.trim();
}
