import { harden } from '../xml/harden';
import { parseTree } from '../xml/tree';
import { recordFromLine } from './ndjson';
import type { Problem } from './records';
import { avroProblems, schemaProblems, type LoadStandard } from './standards';
import { XmlSplitter, type XmlPiece } from './xml-splitter';

/** Where a record is in its file: its number among the file's records and the line it starts on (1-based). */
export interface Where {
  readonly record: number;
  readonly line: number;
}

/** What reading a file gives, in file order. */
export type ReadItem<T> =
  | { readonly kind: 'record'; readonly where: Where; readonly key: string; readonly value: T }
  | { readonly kind: 'skipped'; readonly where: Where; readonly problems: readonly Problem[] }
  /** An NDJSON line for another topic. */
  | { readonly kind: 'ignored' }
  /** Something wrong with the file outside any record (stray text, an unclosed wrapper). */
  | { readonly kind: 'problem'; readonly line: number; readonly message: string }
  /** The file cannot be read further; the records before were read. */
  | { readonly kind: 'stopped'; readonly line: number; readonly message: string };

/** The two formats a file may be in, told by its first character that is not whitespace. */
export type FileFormat = 'xml' | 'ndjson';

/** `xml` for `<`, `ndjson` for `{`, undefined while only whitespace was seen, or the character itself. */
export function detectFormat(head: string): FileFormat | undefined | { readonly unknown: string } {
  const first = /[^ \t\r\n\uFEFF]/.exec(head)?.[0];
  if (first === undefined) return undefined;
  if (first === '<') return 'xml';
  if (first === '{') return 'ndjson';
  return { unknown: first };
}

class NotUtf8 extends Error {}

/** A file's contents as they stream in: a read stream, or chunks in memory. */
export type Chunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** Strict UTF-8 decoding of a byte stream (a byte order mark is dropped). */
async function* decode(bytes: Chunks): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const chunk of bytes) {
    if (typeof chunk === 'string') {
      yield chunk;
      continue;
    }
    try {
      yield decoder.decode(chunk, { stream: true });
    } catch {
      throw new NotUtf8(`bytes ${offset}–${offset + chunk.length}`);
    }
    offset += chunk.length;
  }
  try {
    yield decoder.decode();
  } catch {
    throw new NotUtf8(`the last bytes (${offset})`);
  }
}

/**
 * Reads a file of a feed, XML or NDJSON (told by its first character), as a stream: each record mapped to its
 * Avro value with its key, or skipped with every problem found. Memory is bounded by the largest record.
 */
export async function* readRecords<T>(standard: LoadStandard<T>, bytes: Chunks): AsyncGenerator<ReadItem<T>> {
  const texts = decode(bytes);
  const head: string[] = [];
  let format: ReturnType<typeof detectFormat> = undefined;
  let line = 1;
  try {
    for (let next = await texts.next(); !next.done; next = await texts.next()) {
      head.push(next.value);
      format = detectFormat(next.value);
      if (format !== undefined) break;
    }
    if (format === undefined) {
      yield { kind: 'stopped', line: 1, message: 'the file is empty: nothing to load.' };
      return;
    }
    if (typeof format === 'object') {
      yield {
        kind: 'stopped',
        line: 1,
        message: `the file starts with '${format.unknown}': expected XML (<${standard.xml.element}> records) or NDJSON lines written by \`ncn gen\` ({"topic": …}).`,
      };
      return;
    }
    const rest = (async function* () {
      yield* head;
      yield* texts;
    })();
    const items = format === 'xml' ? readXml(standard, rest) : readNdjson(standard, rest);
    for await (const item of items) {
      if (item.kind !== 'ignored') line = 'where' in item ? item.where.line : item.line;
      yield item;
    }
  } catch (error) {
    if (!(error instanceof NotUtf8)) throw error;
    yield {
      kind: 'stopped',
      line,
      message: `the file is not valid UTF-8 (in ${error.message}), after line ${line}: save it as UTF-8; the records before were read.`,
    };
  }
}

async function* readXml<T>(standard: LoadStandard<T>, texts: AsyncIterable<string>): AsyncGenerator<ReadItem<T>> {
  const splitter = new XmlSplitter(standard.xml.element);
  for await (const text of texts) {
    for (const piece of splitter.push(text)) {
      const item = fromPiece(standard, piece);
      if (item !== undefined) yield item;
      if (item?.kind === 'stopped') return;
    }
  }
  for (const piece of splitter.end()) {
    const item = fromPiece(standard, piece);
    if (item !== undefined) yield item;
  }
}

function fromPiece<T>(standard: LoadStandard<T>, piece: XmlPiece): ReadItem<T> | undefined {
  const { element } = standard.xml;
  const { other } = standard;
  switch (piece.kind) {
    case 'wrapper':
      return piece.name === other.element
        ? {
            kind: 'stopped',
            line: piece.line,
            message: `the file holds <${other.element}>, a record of ${other.topic}: load it with \`ncn load ${other.kind}\`.`,
          }
        : undefined;
    case 'problem':
      if (piece.fatal) return { kind: 'stopped', line: piece.line, message: piece.message };
      if (piece.ordinal !== undefined) {
        return {
          kind: 'skipped',
          where: { record: piece.ordinal, line: piece.line },
          problems: [{ field: '', message: piece.message }],
        };
      }
      return { kind: 'problem', line: piece.line, message: piece.message };
    case 'element': {
      const where = { record: piece.ordinal, line: piece.line };
      if (piece.name !== element) {
        const hint =
          piece.name === other.element
            ? `it is a record of ${other.topic}: load it with \`ncn load ${other.kind}\``
            : `only <${element}> records are read here, remove it`;
        return {
          kind: 'skipped',
          where,
          problems: [{ field: '', message: `<${piece.name}> is not <${element}>: ${hint}.` }],
        };
      }
      return fromXml(standard, piece.text, where);
    }
  }
}

/** Parses one record's text strictly (harden.ts, tree.ts), validates it against its schema and maps it. */
function fromXml<T>(standard: LoadStandard<T>, text: string, where: Where): ReadItem<T> {
  const skip = (problems: readonly Problem[]): ReadItem<T> => ({ kind: 'skipped', where, problems });
  const hardened = harden(Buffer.from(text, 'utf8'));
  if (!hardened.ok) return skip([{ field: '', message: hardened.issue.message }]);
  const tree = parseTree(hardened.text);
  if (!tree.ok) {
    // Lines in the parser's message count from the record's start tag: make them the file's.
    const message = tree.issue.message.replace(/\(line (\d+), column (\d+)\)/, (_, l: string, c: string) =>
      Number(l) === 1 ? `(line ${where.line})` : `(line ${where.line + Number(l) - 1}, column ${c})`,
    );
    return skip([{ field: '', message }]);
  }
  const { root } = tree;
  const ns = standard.xml.namespace;
  if (root.ns !== ns) {
    return skip([
      {
        field: root.path,
        message: `is in ${root.ns === undefined ? 'no namespace' : `namespace '${root.ns}'`}, but ${standard.xml.schema} puts it in ${ns === undefined ? 'no namespace: remove the xmlns' : `'${ns}': add xmlns="${ns}"`}.`,
      },
    ]);
  }
  // The record must be what the standard's schema says before it is mapped: every issue, with its path and rule.
  const invalid = schemaProblems(standard, root);
  if (invalid.length > 0) return skip(invalid);
  const mapped = standard.fromXml(root);
  if (!mapped.ok) return skip(mapped.problems);
  // The mapping builds valid values; this guards the contract should the schema and the mapping part ways.
  const avro = avroProblems(standard.avro, mapped.value);
  if (avro.length > 0) return skip(avro);
  return { kind: 'record', where, key: standard.keyOf(mapped.value), value: mapped.value };
}

async function* readNdjson<T>(standard: LoadStandard<T>, texts: AsyncIterable<string>): AsyncGenerator<ReadItem<T>> {
  let carry = '';
  let line = 0;
  let record = 0;
  function* lines(text: string, final: boolean): Generator<ReadItem<T>> {
    let from = 0;
    for (let nl = text.indexOf('\n', from); nl !== -1 || (final && from < text.length); nl = text.indexOf('\n', from)) {
      const end = nl === -1 ? text.length : nl;
      const content = text.slice(from, end).trim();
      from = end + 1;
      line++;
      if (content === '') continue;
      const outcome = recordFromLine(standard, content);
      if (outcome.kind === 'ignored') {
        yield { kind: 'ignored' };
        continue;
      }
      record++;
      const where = { record, line };
      yield outcome.kind === 'record'
        ? { kind: 'record', where, key: outcome.key, value: outcome.value }
        : { kind: 'skipped', where, problems: outcome.problems };
    }
    carry = text.slice(from);
  }
  for await (const text of texts) yield* lines(carry + text, false);
  yield* lines(carry, true);
}

/**
 * How many records a file holds, roughly and fast (for the progress bar's ETA): start tags of the record
 * element in XML, lines of the feed's topic in NDJSON.
 */
export async function countRecords<T>(standard: LoadStandard<T>, bytes: Chunks): Promise<number> {
  const decoder = new TextDecoder('utf-8');
  let pattern: RegExp | undefined;
  let carry = '';
  let n = 0;
  for await (const chunk of bytes) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (pattern === undefined) {
      const format = detectFormat(text);
      if (typeof format === 'object') return 0;
      if (format === 'xml') pattern = new RegExp(`<(?:[^\\s<>/!?:]+:)?${standard.xml.element}[\\s/>]`, 'g');
      if (format === 'ndjson') pattern = new RegExp(`"topic"\\s*:\\s*"${standard.topic.replace(/\./g, '\\.')}"`, 'g');
      if (pattern === undefined) continue;
    }
    // A match ending inside the carried tail was counted with the chunk before.
    for (const m of text.matchAll(pattern)) if (m.index + m[0].length > carry.length) n++;
    carry = text.slice(-64);
  }
  return n;
}
