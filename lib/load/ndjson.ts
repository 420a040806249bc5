import { parseTree } from '../xml/tree';
import { writeXml } from '../xml/xml-writer';
import { feedValues } from './carried';
import type { Problem } from './records';
import { avroProblems, schemaProblems, type LoadStandard } from './standards';

/** One NDJSON line read for a feed: its record, what is wrong with it, or a line of another topic. */
export type LineOutcome<T> =
  | { readonly kind: 'record'; readonly key: string; readonly value: T }
  | { readonly kind: 'skipped'; readonly problems: readonly Problem[] }
  | { readonly kind: 'ignored'; readonly topic: string };

const skipped = (field: string, message: string): LineOutcome<never> => ({
  kind: 'skipped',
  problems: [{ field, message }],
});

/**
 * Reads a line as `ncn gen` writes it: `{topic, key, kind, note, value}`. Lines of other topics (CVs, vacancies,
 * the other feed) are ignored; a line of the feed's topic must carry an Avro-ready `value` of its record, which
 * passes the feed's rules and is, written as XML, a document of the feed's official schema, keyed by its
 * codice fiscale.
 */
export function recordFromLine<T>(standard: LoadStandard<T>, line: string): LineOutcome<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return skipped('', `is not JSON (${(error as Error).message}): write one JSON object per line.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return skipped('', 'is not a JSON object: write {"topic": …, "key": …, "value": {…}} per line.');
  }
  const { topic, key, value } = parsed as { topic?: unknown; key?: unknown; value?: unknown };
  if (typeof topic !== 'string') return skipped('topic', `is missing: say which topic the line is for.`);
  if (topic !== standard.topic) return { kind: 'ignored', topic };
  if (value === undefined) {
    return skipped('value', `is missing: a ${standard.topic} line carries its Avro-ready record in "value".`);
  }
  const problems = avroProblems(standard.avro, value, 'value.');
  if (problems.length > 0) return { kind: 'skipped', problems };
  const record = value as T;
  const fields = value as Record<string, unknown>;
  for (const check of standard.checks) {
    const v = fields[check.field];
    const problem = typeof v === 'string' ? check.problem(v) : undefined;
    if (problem !== undefined) problems.push({ field: `value.${check.field}`, message: problem });
  }
  if (problems.length === 0) problems.push(...standardProblems(standard, record));
  const cf = standard.keyOf(record);
  if (key !== undefined && key !== cf) {
    problems.push({
      field: 'key',
      message: `'${String(key)}' is not the record's codice fiscale '${cf}': correct it.`,
    });
  }
  return problems.length > 0 ? { kind: 'skipped', problems } : { kind: 'record', key: cf, value: record };
}

/**
 * What keeps a value from being a record of its official standard: its XML form (the feed's toXml) validated
 * against the schema, each problem named by the field the element or attribute comes from.
 */
function standardProblems<T>(standard: LoadStandard<T>, record: T): Problem[] {
  let xml: string;
  try {
    xml = writeXml(standard.toXml(record));
  } catch (error) {
    return [{ field: 'value', message: `${(error as Error).message}.` }];
  }
  const tree = parseTree(xml);
  if (!tree.ok) return [{ field: 'value', message: tree.issue.message }];
  const carried: Readonly<Record<string, unknown>> = feedValues[standard.kind].carried;
  return schemaProblems(standard, tree.root, (path) => {
    const field = carried[path.slice(1).replace(/\[\d+\]/g, '')];
    return typeof field === 'string' ? `value.${field}` : path;
  });
}
