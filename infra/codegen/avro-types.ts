/**
 * Writes contracts/avro/types.ts, the TypeScript types of the values of every Avro schema of contracts/avro (as
 * the serde decodes them: no logical types, so a date is a number of days and a timestamp epoch milliseconds;
 * a union with null is `T | null`; every field present, defaults filled. The serde decodes with the schema a
 * record was written with: one written with an older version of a schema lacks the fields added since). Records become interfaces, enums a
 * union type with the list of their symbols. Run with `npm run contracts:avro` (after the item schemas); a unit test fails when
 * the committed file differs from what this produces, so the types never drift from the schemas.
 *
 * Names: a type of the namespace it.ncn keeps its name; one of a nested namespace (the item documents,
 * it.ncn.candidatura and it.ncn.vacancy) is prefixed with the namespace's last part (CandidaturaLavoratore).
 * Files that register on their own may define the same name differently (an enum with more symbols): the
 * definition most files share keeps the name, each other one is prefixed with its file's top record
 * (NodeDeliveryItemKind).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AvroFiles, type AvroRecordName } from '../../contracts/avro/schemas';

const contractsAvro = join(__dirname, '../../contracts/avro');
export const avroTypesFile = join(contractsAvro, 'types.ts');

interface Field {
  readonly name: string;
  readonly type: unknown;
  readonly doc?: string;
}
interface Named {
  readonly type: 'record' | 'enum' | 'fixed';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields?: readonly Field[];
  readonly symbols?: readonly string[];
}

/** One named type as a file defines it: its full name, where, and its shape without docs (to compare). */
interface Definition {
  readonly fullName: string;
  readonly file: AvroRecordName;
  readonly node: Named;
  /** The enclosing namespace of the definition's own references. */
  readonly namespace: string;
  readonly shape: string;
}

const isNamed = (node: unknown): node is Named =>
  node !== null &&
  typeof node === 'object' &&
  !Array.isArray(node) &&
  ['record', 'enum', 'fixed'].includes((node as { type?: unknown }).type as string);

const fullNameOf = (name: string, namespace: string): string => (name.includes('.') ? name : `${namespace}.${name}`);
const namespaceOf = (fullName: string): string => fullName.slice(0, fullName.lastIndexOf('.'));
const shortName = (fullName: string): string => fullName.slice(fullName.lastIndexOf('.') + 1);
const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A type's shape as JSON without docs and with nested definitions replaced by their full names. */
function shapeOf(node: unknown, namespace: string): unknown {
  if (typeof node === 'string') return node.includes('.') || !/^[A-Z]/.test(node) ? node : `${namespace}.${node}`;
  if (Array.isArray(node)) return node.map((n) => shapeOf(n, namespace));
  if (isNamed(node)) {
    const own = namespaceOf(fullNameOf(node.name, node.namespace ?? namespace));
    return {
      type: node.type,
      name: fullNameOf(node.name, own),
      ...(node.fields ? { fields: node.fields.map((f) => [f.name, refOf(f.type, own)]) } : {}),
      ...(node.symbols ? { symbols: node.symbols } : {}),
    };
  }
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node as Record<string, unknown>).filter(([k]) => k !== 'doc');
    return Object.fromEntries(entries.map(([k, v]) => [k, refOf(v, namespace)]));
  }
  return node;
}
const refOf = (node: unknown, namespace: string): unknown =>
  isNamed(node) ? fullNameOf(node.name, node.namespace ?? namespace) : shapeOf(node, namespace);

/** Every named type each file defines, in file order then document order. */
function definitions(): Definition[] {
  const out: Definition[] = [];
  const visit = (node: unknown, namespace: string, file: AvroRecordName): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, namespace, file));
    if (node === null || typeof node !== 'object') return;
    if (isNamed(node)) {
      const fullName = fullNameOf(node.name, node.namespace ?? namespace);
      const own = namespaceOf(fullName);
      out.push({ fullName, file, node, namespace: own, shape: JSON.stringify(shapeOf(node, namespace)) });
      for (const f of node.fields ?? []) visit(f.type, own, file);
      return;
    }
    const record = node as { type?: unknown; items?: unknown; values?: unknown };
    for (const inner of [record.type, record.items, record.values]) visit(inner, namespace, file);
  };
  for (const [name, file] of Object.entries(AvroFiles) as [AvroRecordName, string][]) {
    visit(JSON.parse(readFileSync(join(contractsAvro, file), 'utf8')) as unknown, 'it.ncn', name);
  }
  return out;
}

/** The TypeScript name of each definition (by file and full name), and one definition per TypeScript name. */
function names(defs: readonly Definition[]): {
  nameOf: (file: AvroRecordName, fullName: string) => string;
  unique: Map<string, Definition>;
} {
  const byFullName = new Map<string, Definition[]>();
  for (const d of defs) byFullName.set(d.fullName, [...(byFullName.get(d.fullName) ?? []), d]);
  const names = new Map<string, string>();
  const unique = new Map<string, Definition>();
  for (const [fullName, all] of byFullName) {
    const namespace = namespaceOf(fullName);
    const base =
      namespace === 'it.ncn' ? shortName(fullName) : `${capital(shortName(namespace))}${shortName(fullName)}`;
    const shapes = [...new Set(all.map((d) => d.shape))];
    const uses = (shape: string): number => new Set(all.filter((d) => d.shape === shape).map((d) => d.file)).size;
    // Most files first; a tie keeps file order (the sort is stable).
    const ranked = [...shapes].sort((a, b) => uses(b) - uses(a));
    ranked.forEach((shape, i) => {
      const first = all.find((d) => d.shape === shape) as Definition;
      const name = i === 0 ? base : `${shortName(first.file)}${base}`;
      if (unique.has(name)) throw new Error(`two Avro types would both be ${name}`);
      unique.set(name, first);
      for (const d of all.filter((x) => x.shape === shape)) names.set(`${d.file} ${fullName}`, name);
    });
  }
  return {
    nameOf: (file, fullName) => {
      const name = names.get(`${file} ${fullName}`);
      if (name === undefined) throw new Error(`${file} uses ${fullName}, which it does not define`);
      return name;
    },
    unique,
  };
}

const primitive: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

const logicalNote: Record<string, string> = {
  date: 'days since 1970-01-01',
  'timestamp-millis': 'epoch milliseconds',
};

const comment = (lines: readonly string[], indent: string): string[] =>
  lines.length === 0
    ? []
    : lines.length === 1
      ? [`${indent}/** ${lines[0]} */`]
      : [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];

/** The source of contracts/avro/types.ts. */
export function avroTypesSource(): string {
  const defs = definitions();
  const { nameOf, unique } = names(defs);
  // Which file a definition's references resolve in: a file refers to records of other files by full name.
  const definingFile = new Map(defs.map((d) => [d.fullName, d.file]));

  const typeOf = (node: unknown, namespace: string, file: AvroRecordName): string => {
    if (typeof node === 'string') {
      if (node in primitive) return primitive[node] as string;
      const fullName = fullNameOf(node, namespace);
      const owner = defs.some((d) => d.file === file && d.fullName === fullName) ? file : definingFile.get(fullName);
      if (owner === undefined) throw new Error(`unknown Avro type ${fullName}`);
      return nameOf(owner, fullName);
    }
    if (Array.isArray(node)) {
      const members = node.map((n) => typeOf(n, namespace, file));
      if (node.filter((n) => n !== 'null').length > 1)
        throw new Error(`a union of several types: ${members.join(' | ')}`);
      return members.filter((m) => m !== 'null').join(' | ') + (members.includes('null') ? ' | null' : '');
    }
    if (isNamed(node)) return nameOf(file, fullNameOf(node.name, node.namespace ?? namespace));
    const complex = node as { type: unknown; items?: unknown; values?: unknown };
    if (complex.type === 'array') return `readonly ${wrap(typeOf(complex.items, namespace, file))}[]`;
    if (complex.type === 'map') return `Readonly<Record<string, ${typeOf(complex.values, namespace, file)}>>`;
    return typeOf(complex.type, namespace, file);
  };
  const wrap = (t: string): string => (t.includes(' ') ? `(${t})` : t);
  const logicalOf = (node: unknown): string | undefined => {
    if (Array.isArray(node)) return node.map(logicalOf).find((l) => l !== undefined);
    const logical = (node as { logicalType?: unknown } | null)?.logicalType;
    return typeof logical === 'string' ? logicalNote[logical] : undefined;
  };

  const lines = [
    '// Generated by infra/codegen/avro-types.ts from contracts/avro/*.avsc: do not edit.',
    '// The values as the serde decodes them: dates as days since 1970-01-01, timestamps as epoch milliseconds.',
    '',
  ];
  for (const [name, d] of unique) {
    const { node, namespace, file } = d;
    lines.push(...comment(node.doc ? [node.doc] : [], ''));
    if (node.type === 'enum') {
      const symbols = node.symbols ?? [];
      lines.push(`export const ${name}Symbols = [${symbols.map((s) => `'${s}'`).join(', ')}] as const;`);
      lines.push(`export type ${name} = (typeof ${name}Symbols)[number];`, '');
    } else if (node.type === 'fixed') {
      lines.push(`export type ${name} = Buffer;`, '');
    } else {
      lines.push(`export interface ${name} {`);
      for (const f of node.fields ?? []) {
        const logical = logicalOf(f.type);
        const doc = logical === undefined ? f.doc : f.doc ? `${f.doc} (${logical})` : `${capital(logical)}.`;
        lines.push(...comment(doc ? [doc] : [], '  '));
        lines.push(`  readonly ${f.name}: ${typeOf(f.type, namespace, file)};`);
      }
      lines.push('}', '');
    }
  }
  return lines.join('\n');
}

if (require.main === module) {
  writeFileSync(avroTypesFile, avroTypesSource());
  console.log(`wrote ${avroTypesFile}`);
}
