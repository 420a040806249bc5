import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { IssueCode, error, type Issue } from './issues';

/** An element with its namespace resolved and its character data decoded. */
export interface XmlElement {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI, or undefined when the element is in no namespace. */
  readonly ns: string | undefined;
  /** Attributes other than namespace declarations. */
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** The text and CDATA directly inside the element, concatenated, entity references decoded. */
  readonly text: string;
  /** True when the element holds a CDATA section (content, even when empty or blank). */
  readonly cdata: boolean;
  /** `/Candidatura/DatiCurriculari/Lingue[2]/idlingua`: local names, with a position among same-named siblings. */
  readonly path: string;
}

export interface XmlAttribute {
  readonly name: string;
  readonly ns: string | undefined;
  readonly value: string;
}

export type ParsedTree =
  | { readonly ok: true; readonly root: XmlElement }
  | { readonly ok: false; readonly issue: Issue };

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  ignoreDeclaration: true,
  ignorePiTags: true,
  // harden() bounds nesting first (default 32); this only keeps the parser's own limit out of the way.
  maxNestedTags: 10_000,
});

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

class Malformed extends Error {}

/** Parses hardened text (harden.ts) into a tree; a document that is not well-formed gives XML_MALFORMED. */
export function parseTree(text: string): ParsedTree {
  const normalized = text.replace(/\r\n?/g, '\n');
  const prologProblem = badProlog(normalized);
  if (prologProblem !== undefined) return malformed(prologProblem);
  const markup = checkMarkup(normalized);
  if (typeof markup !== 'string') return malformed(markup.problem);
  // Processing instructions were checked and removed (fast-xml-parser misreads quotes inside them).
  const cleaned = markup;
  const valid = XMLValidator.validate(cleaned);
  if (valid !== true) {
    return malformed(`The XML is not well-formed (line ${valid.err.line}, column ${valid.err.col}): ${valid.err.msg}`);
  }
  try {
    const nodes = parser.parse(cleaned) as Node[];
    const elements = nodes.filter((n) => elementName(n) !== undefined);
    const strayText = nodes.some((n) => '#text' in n && String(n['#text']).trim() !== '');
    const [root] = elements;
    if (root === undefined || elements.length !== 1 || strayText) {
      return malformed('The document must have exactly one root element.');
    }
    return { ok: true, root: toElement(root, new Map([['xml', XML_NAMESPACE]]), '') };
  } catch (e) {
    // Whatever the parser throws on is not well-formed XML: a verdict, never a crash.
    return malformed(e instanceof Error ? e.message : String(e));
  }
}

/** XML 1.0 §2.8: version, then optional encoding, then optional standalone, in that order and nothing else. */
const DECLARATION =
  /^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]+\1([ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?([ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(yes|no)\5)?[ \t\n]*\?>/;
const XML_SPACE = /[^ \t\n]/;
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*$/;

/** The XML declaration, if any, is well-formed and first; nothing but XML whitespace precedes the first markup. */
function badProlog(text: string): string | undefined {
  if (/^<\?xml[ \t\n]/.test(text) && !DECLARATION.test(text)) {
    return 'The XML declaration is malformed: <?xml version="1.0" encoding="UTF-8"?>, in that order.';
  }
  const first = text.indexOf('<');
  if (first === -1 || XML_SPACE.test(text.slice(0, first)))
    return 'Nothing but whitespace may come before the first element.';
  return undefined;
}

/**
 * What fast-xml-parser's validator lets through (XML 1.0 §2.5–2.7): `<!` that opens neither a comment nor a
 * CDATA section (DOCTYPE is refused earlier, by harden), comments holding `--` or ending in `-`, processing
 * instructions without a target or with a target named xml after the declaration, `]]>` outside a CDATA
 * section, and anything but whitespace, comments and processing instructions after the root element.
 */
function checkMarkup(text: string): string | { problem: string } {
  const bad = (problem: string): { problem: string } => ({ problem });
  let outside = '';
  let cleaned = '';
  let from = 0;
  const declaration = DECLARATION.exec(text)?.[0].length ?? 0;
  for (let i = text.indexOf('<', declaration); i !== -1; i = text.indexOf('<', i)) {
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) return bad('A processing instruction is not closed with ?>.');
      const target = /^[^ \t\n?]*/.exec(text.slice(i + 2, end))?.[0] ?? '';
      if (!NAME.test(target)) return bad('A processing instruction needs a target name.');
      if (/^xml$/i.test(target)) return bad('An XML declaration may only come first in the document.');
      outside += text.slice(from, i);
      cleaned += text.slice(from, i);
      from = end + 2;
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) return bad('A comment is not closed with -->.');
      const body = text.slice(i + 4, end);
      if (body.includes('--') || body.endsWith('-')) return bad("A comment must not contain '--'.");
      outside += text.slice(from, i);
      cleaned += text.slice(from, end + 3);
      from = end + 3;
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) return bad('A CDATA section is not closed with ]]>.');
      // Stands for the section: content, but not markup.
      outside += `${text.slice(from, i)}\u0001`;
      cleaned += text.slice(from, end + 3);
      from = end + 3;
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      return bad(`Unexpected markup '${text.slice(i, i + 12)}…': only comments and CDATA sections may start with <!.`);
    } else {
      i++;
    }
  }
  outside += text.slice(from);
  cleaned += text.slice(from);
  if (outside.includes(']]>')) return bad("']]>' may appear only to close a CDATA section.");
  const afterRoot = /<\/[^<>]+>|<[^<>]*\/>/g;
  let lastTagEnd = 0;
  for (let m = afterRoot.exec(outside); m !== null; m = afterRoot.exec(outside)) lastTagEnd = m.index + m[0].length;
  if (XML_SPACE.test(outside.slice(lastTagEnd))) {
    return bad('Nothing but comments and whitespace may follow the root element.');
  }
  return cleaned;
}

function malformed(message: string): ParsedTree {
  return { ok: false, issue: error(IssueCode.Malformed, '/', message) };
}

function elementName(node: Node): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata' && k !== '#comment');
}

const NCNAME = /^[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*$/;

/** Splits a qualified name; a name that is not `prefix:local` of two NCNames is not well-formed. */
function splitName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  const parts: [string, string] = colon === -1 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
  if ((colon !== -1 && !NCNAME.test(parts[0])) || !NCNAME.test(parts[1])) {
    throw new Malformed(`'${qname}' is not a valid XML name.`);
  }
  return parts;
}

function toElement(node: Node, inherited: ReadonlyMap<string, string>, parentPath: string, position = ''): XmlElement {
  const qname = elementName(node) ?? '';
  const rawAttributes = node[':@'] ?? {};
  const declarations = Object.entries(rawAttributes).filter(([name]) => name === 'xmlns' || name.startsWith('xmlns:'));
  // The scope is copied only where an element declares namespaces, so many declarations cost nothing per element.
  const scope = declarations.length === 0 ? inherited : new Map(inherited);
  for (const [name, value] of declarations) {
    const uri = decode(value);
    if (name === 'xmlns') (scope as Map<string, string>).set('', uri);
    else {
      const prefix = name.slice(6);
      if (!NCNAME.test(prefix)) throw new Malformed(`'${name}' is not a valid namespace declaration.`);
      (scope as Map<string, string>).set(prefix, uri);
    }
  }
  for (const value of Object.values(rawAttributes)) {
    if (value.includes('<')) throw new Malformed("'<' is not allowed in an attribute value.");
  }
  const [prefix, name] = splitName(qname);
  const ns = scope.get(prefix) || undefined;
  if (prefix !== '' && ns === undefined) throw new Malformed(`The namespace prefix '${prefix}' is not declared.`);
  const path = `${parentPath}/${name}${position}`;

  const attributes: XmlAttribute[] = [];
  for (const [attrName, value] of Object.entries(rawAttributes)) {
    if (attrName === 'xmlns' || attrName.startsWith('xmlns:')) continue;
    const [attrPrefix, local] = splitName(attrName);
    const attrNs = attrPrefix === '' ? undefined : scope.get(attrPrefix);
    if (attrPrefix !== '' && attrNs === undefined) {
      throw new Malformed(`The namespace prefix '${attrPrefix}' of attribute ${attrName} is not declared.`);
    }
    attributes.push({ name: local, ns: attrNs, value: decode(value) });
  }

  const content = (node[qname] as Node[] | undefined) ?? [];
  let text = '';
  let cdata = false;
  const childNodes: { node: Node; local: string }[] = [];
  for (const child of content) {
    const childName = elementName(child);
    if ('#text' in child) text += decode(String(child['#text']));
    else if ('#cdata' in child) {
      cdata = true;
      text += ((child['#cdata'] as Node[])[0]?.['#text'] as string | undefined) ?? '';
    } else if (childName !== undefined) childNodes.push({ node: child, local: splitName(childName)[1] });
  }
  const counts = new Map<string, number>();
  for (const { local } of childNodes) counts.set(local, (counts.get(local) ?? 0) + 1);
  const seen = new Map<string, number>();
  const children = childNodes.map(({ node: child, local }) => {
    const index = (seen.get(local) ?? 0) + 1;
    seen.set(local, index);
    return toElement(child, scope, path, (counts.get(local) ?? 0) > 1 ? `[${index}]` : '');
  });
  return { name, ns, attributes, children, text, cdata, path };
}

const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);|&/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; anything else is not well-formed. */
function decode(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(REFERENCE, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new Malformed("A bare '&' must be written &amp;.");
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!isXmlChar(code)) throw new Malformed(`The character reference ${whole} is not an allowed XML character.`);
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED[ref];
    if (value === undefined)
      throw new Malformed(`The entity ${whole} is not defined (only &amp; &lt; &gt; &quot; &apos;).`);
    return value;
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
