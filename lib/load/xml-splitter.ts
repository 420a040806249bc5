/**
 * What the splitter finds in a file, in order: each record-level element as its own text (to parse on its own),
 * the start of a wrapper, and problems with the file's structure.
 */
export type XmlPiece =
  | {
      readonly kind: 'element';
      /** Local name (without prefix). */
      readonly name: string;
      /** The element's text, with the namespace declarations of its wrapper added to its start tag. */
      readonly text: string;
      /** Line of its start tag in the file (1-based). */
      readonly line: number;
      /** Its position among the record-level elements of the file (1-based): the record number. */
      readonly ordinal: number;
    }
  | { readonly kind: 'wrapper'; readonly name: string; readonly line: number }
  | {
      readonly kind: 'problem';
      readonly line: number;
      readonly message: string;
      /** The file cannot be read further. */
      readonly fatal: boolean;
      /** The record the problem cost, when it cost one. */
      readonly ordinal?: number;
    };

/** A file may wrap its records in one element of any name; `ncn gen` and the renderers write this one. */
export const BatchElement = 'Lotto';

/** Records larger than this are reported and skipped without being held in memory. */
export const MaxRecordChars = 4 * 1024 * 1024;

const NAME = /[^\s/>]+/y;
const XMLNS = /\s(xmlns(?::[^\s=]+)?)\s*=\s*("[^"]*"|'[^']*')/g;
const ENCODING = /^<\?xml\s[^?]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
const NOT_SPACE = /[^ \t\r\n]/;

interface OpenPiece {
  start: number;
  readonly qname: string;
  readonly local: string;
  readonly line: number;
  readonly ordinal: number;
  /** Namespace declarations of the wrapper, given to the element where it does not make them itself. */
  readonly wrapperDeclarations: readonly (readonly [string, string])[];
  oversize: boolean;
}

const localName = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

/**
 * Cuts a file into its records as it streams, in one pass and memory bounded by the largest record: the records
 * are the elements named `record` at the top of the file (one document, or several one after another) or one
 * level down inside a wrapper element of any name (`<Lotto>`). Each record is found by its own end tag, so a
 * broken record costs only itself. Comments, CDATA and processing instructions are skipped; a DOCTYPE stops the
 * file (no DTDs: harden.ts refuses them too); an XML declaration must say UTF-8.
 *
 * Feed text with `push` and finish with `end`; each returns the pieces completed so far.
 */
export class XmlSplitter {
  readonly #record: string;
  readonly #maxRecordChars: number;
  #buf = '';
  /** Next unread index in #buf. */
  #pos = 0;
  /** Line number at #pos. */
  #line = 1;
  #wrapper: { readonly qname: string; readonly declarations: readonly (readonly [string, string])[] } | undefined;
  #piece: OpenPiece | undefined;
  #ordinal = 0;
  #stopped = false;
  /** Stray text was reported in the current run of text. */
  #strayReported = false;
  /** Where to go on looking for the end of a token cut by the end of the buffer. */
  #resume: { at: number; from: number; quote: string } | undefined;

  constructor(record: string, maxRecordChars = MaxRecordChars) {
    this.#record = record;
    this.#maxRecordChars = maxRecordChars;
  }

  push(text: string): XmlPiece[] {
    if (this.#stopped) return [];
    this.#buf += text;
    const out = this.#scan(false);
    this.#compact();
    return out;
  }

  end(): XmlPiece[] {
    if (this.#stopped) return [];
    const out = this.#scan(true);
    const piece = this.#piece;
    if (piece !== undefined) {
      out.push({
        kind: 'problem',
        line: piece.line,
        ordinal: piece.ordinal,
        message: `the file ends inside this <${piece.qname}>: the file is cut short, or </${piece.qname}> is missing.`,
        fatal: false,
      });
    } else if (this.#wrapper !== undefined) {
      out.push({
        kind: 'problem',
        line: this.#line,
        message: `the file ends before </${this.#wrapper.qname}>: the file may be cut short.`,
        fatal: false,
      });
    }
    this.#stopped = true;
    this.#buf = '';
    return out;
  }

  #scan(final: boolean): XmlPiece[] {
    const out: XmlPiece[] = [];
    while (!this.#stopped) {
      const lt = this.#buf.indexOf('<', this.#pos);
      const textEnd = lt === -1 ? this.#buf.length : lt;
      if (textEnd > this.#pos) {
        if (this.#piece === undefined) this.#strayText(this.#pos, textEnd, out);
        this.#advance(textEnd);
      }
      if (lt === -1) break;
      const end = this.#tokenEnd(lt, final);
      if (end === undefined) {
        if (final && this.#piece === undefined) {
          out.push({ kind: 'problem', line: this.#line, message: 'the file ends inside a tag.', fatal: false });
        }
        break;
      }
      this.#resume = undefined;
      this.#token(lt, end, out);
      if (!this.#stopped) this.#advance(end);
    }
    const piece = this.#piece;
    if (piece !== undefined && !piece.oversize && this.#pos - piece.start > this.#maxRecordChars) {
      piece.oversize = true;
    }
    return out;
  }

  /**
   * The index just past the token starting at `lt`, or undefined when the buffer ends inside it. Inside a
   * record a start tag is passed over by its name only: what follows up to the next '<' is attributes and text
   * ('<' is not allowed in an attribute value), which the record's own parse checks.
   */
  #tokenEnd(lt: number, final: boolean): number | undefined {
    const buf = this.#buf;
    const rest = buf.length - lt;
    if (rest < 9 && !final && ('<![CDATA['.startsWith(buf.slice(lt)) || '<!--'.startsWith(buf.slice(lt)))) {
      return undefined;
    }
    if (buf.startsWith('<!--', lt)) return this.#find(lt, '-->', 4);
    if (buf.startsWith('<![CDATA[', lt)) return this.#find(lt, ']]>', 9);
    if (buf.startsWith('<?', lt)) return this.#find(lt, '?>', 2);
    if (buf.startsWith('<!', lt) || buf.startsWith('</', lt)) return this.#find(lt, '>', 2);
    if (this.#piece !== undefined) {
      NAME.lastIndex = lt + 1;
      const name = NAME.exec(buf)?.[0] ?? '';
      // The name must be whole: followed by a space, '/' or '>' already in the buffer.
      return lt + 1 + name.length < buf.length || final ? lt + 1 + name.length : undefined;
    }
    // A start tag outside records (a wrapper, a record's start): '>' may appear inside quoted attribute values.
    const resume = this.#resume?.at === lt ? this.#resume : undefined;
    let quote = resume?.quote ?? '';
    for (let i = resume?.from ?? lt + 1; i < buf.length; i++) {
      const c = buf[i];
      if (quote !== '') {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') return i + 1;
    }
    this.#resume = { at: lt, from: buf.length, quote };
    return undefined;
  }

  /** The index just past `marker` after `lt + skip`; remembers where to look again when it is not there yet. */
  #find(lt: number, marker: string, skip: number): number | undefined {
    const from = this.#resume?.at === lt ? this.#resume.from : lt + skip;
    const at = this.#buf.indexOf(marker, from);
    if (at !== -1) return at + marker.length;
    this.#resume = { at: lt, from: Math.max(lt + skip, this.#buf.length - marker.length + 1), quote: '' };
    return undefined;
  }

  #token(lt: number, end: number, out: XmlPiece[]): void {
    const buf = this.#buf;
    const piece = this.#piece;
    if (buf.startsWith('<!--', lt)) return;
    if (buf.startsWith('<![CDATA[', lt)) {
      if (piece === undefined) this.#strayText(lt, end, out);
      return;
    }
    if (buf.startsWith('<?', lt)) {
      const encoding = ENCODING.exec(buf.slice(lt, end))?.[1];
      if (piece === undefined && encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
        this.#stop(
          out,
          `the file declares encoding ${encoding}; only UTF-8 is read: convert it (e.g. iconv -f ${encoding} -t UTF-8) and correct the declaration.`,
        );
      }
      return;
    }
    if (buf.startsWith('<!', lt)) {
      // Inside a record, harden() refuses it with the record; outside, the file is not one to read.
      if (piece === undefined) this.#stop(out, 'the file has a DOCTYPE; DTDs are not accepted: remove it.');
      return;
    }
    this.#strayReported = false;
    if (buf[lt + 1] === '/') {
      const qname = buf.slice(lt + 2, end - 1).trim();
      if (piece !== undefined) {
        if (qname === piece.qname) this.#finish(piece, end, out);
      } else if (this.#wrapper !== undefined && qname === this.#wrapper.qname) {
        this.#wrapper = undefined;
      } else {
        out.push({
          kind: 'problem',
          line: this.#line,
          message: `</${qname}> closes no element that is open here: remove it.`,
          fatal: false,
        });
      }
      return;
    }
    NAME.lastIndex = lt + 1;
    const qname = NAME.exec(buf)?.[0] ?? '';
    const local = localName(qname);
    if (piece !== undefined) {
      if (local === this.#record && piece.local === this.#record) {
        out.push({
          kind: 'problem',
          line: piece.line,
          ordinal: piece.ordinal,
          message: `this <${piece.qname}> is not closed before the next one at line ${this.#line}: add </${piece.qname}>.`,
          fatal: false,
        });
        this.#piece = undefined;
        // Its start tag was passed over by name only; '/>' is looked for when the tag is in the buffer.
        const tagEnd = this.#buf.indexOf('>', end);
        this.#open(lt, tagEnd + 1, qname, local, tagEnd !== -1 && this.#buf[tagEnd - 1] === '/', out);
      }
      return;
    }
    const selfClosing = buf[end - 2] === '/';
    if (this.#wrapper === undefined && local !== this.#record) {
      this.#wrapper = { qname, declarations: declarations(buf.slice(lt, end)) };
      out.push({ kind: 'wrapper', name: local, line: this.#line });
      if (selfClosing) this.#wrapper = undefined;
      return;
    }
    this.#open(lt, end, qname, local, selfClosing, out);
  }

  #open(lt: number, end: number, qname: string, local: string, selfClosing: boolean, out: XmlPiece[]): void {
    this.#ordinal++;
    const piece: OpenPiece = {
      start: lt,
      qname,
      local,
      line: this.#line,
      ordinal: this.#ordinal,
      wrapperDeclarations: this.#wrapper?.declarations ?? [],
      oversize: false,
    };
    if (selfClosing) this.#finish(piece, end, out);
    else this.#piece = piece;
  }

  #finish(piece: OpenPiece, end: number, out: XmlPiece[]): void {
    this.#piece = undefined;
    if (piece.oversize || end - piece.start > this.#maxRecordChars) {
      out.push({
        kind: 'problem',
        line: piece.line,
        ordinal: piece.ordinal,
        message: `this <${piece.qname}> is larger than ${this.#maxRecordChars} characters: no record of the standard is, check the file.`,
        fatal: false,
      });
      return;
    }
    let text = this.#buf.slice(piece.start, end);
    if (piece.wrapperDeclarations.length > 0) {
      const own = new Set(declarations(text.slice(0, text.indexOf('>') + 1)).map(([name]) => name));
      const inject = piece.wrapperDeclarations
        .filter(([name]) => !own.has(name))
        .map(([name, value]) => ` ${name}=${value}`)
        .join('');
      const nameEnd = 1 + piece.qname.length;
      text = `${text.slice(0, nameEnd)}${inject}${text.slice(nameEnd)}`;
    }
    out.push({ kind: 'element', name: piece.local, text, line: piece.line, ordinal: piece.ordinal });
  }

  #strayText(from: number, to: number, out: XmlPiece[]): void {
    if (this.#strayReported) return;
    const at = this.#buf.slice(from, to).search(NOT_SPACE);
    if (at === -1) return;
    this.#strayReported = true;
    const line = this.#line + count(this.#buf, '\n', from, from + at);
    const sample = this.#buf.slice(from + at, Math.min(to, from + at + 30)).trim();
    out.push({
      kind: 'problem',
      line,
      message: `text '${sample}' is outside any <${this.#record}>: only elements may stand between records, remove it.`,
      fatal: false,
    });
  }

  #stop(out: XmlPiece[], message: string): void {
    out.push({ kind: 'problem', line: this.#line, message, fatal: true });
    this.#stopped = true;
  }

  #advance(to: number): void {
    this.#line += count(this.#buf, '\n', this.#pos, to);
    this.#pos = to;
  }

  /** Drops what is read and no longer needed: everything before the open record, or before #pos. */
  #compact(): void {
    const piece = this.#piece;
    const keep = piece !== undefined && !piece.oversize ? piece.start : this.#pos;
    if (keep === 0) return;
    this.#buf = this.#buf.slice(keep);
    this.#pos -= keep;
    if (piece !== undefined) piece.start -= keep;
    if (this.#resume !== undefined) {
      this.#resume = { ...this.#resume, at: this.#resume.at - keep, from: this.#resume.from - keep };
    }
  }
}

function declarations(startTag: string): (readonly [string, string])[] {
  return [...startTag.matchAll(XMLNS)].map((m) => [m[1] ?? '', m[2] ?? '""'] as const);
}

function count(text: string, char: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf(char, from); i !== -1 && i < to; i = text.indexOf(char, i + 1)) n++;
  return n;
}
