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
});

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

class Malformed extends Error {}

/** Parses hardened text (harden.ts) into a tree; a document that is not well-formed gives XML_MALFORMED. */
export function parseTree(text: string): ParsedTree {
  const normalized = text.replace(/\r\n?/g, '\n');
  const declaration = badMarkupDeclaration(normalized);
  if (declaration !== undefined) return malformed(declaration);
  const valid = XMLValidator.validate(normalized);
  if (valid !== true) {
    return malformed(`The XML is not well-formed (line ${valid.err.line}, column ${valid.err.col}): ${valid.err.msg}`);
  }
  try {
    const nodes = parser.parse(normalized) as Node[];
    const elements = nodes.filter((n) => elementName(n) !== undefined);
    const strayText = nodes.some((n) => '#text' in n && String(n['#text']).trim() !== '');
    const [root] = elements;
    if (root === undefined || elements.length !== 1 || strayText) {
      return malformed('The document must have exactly one root element.');
    }
    return { ok: true, root: toElement(root, new Map([['xml', XML_NAMESPACE]]), '') };
  } catch (e) {
    if (e instanceof Malformed) return malformed(e.message);
    throw e;
  }
}

/**
 * What fast-xml-parser's validator lets through: `<!` that opens neither a comment nor a CDATA section
 * (DOCTYPE is refused earlier, by harden), and comments holding `--` or ending in `-` (XML 1.0 §2.5).
 */
function badMarkupDeclaration(text: string): string | undefined {
  for (let i = text.indexOf('<!'); i !== -1; i = text.indexOf('<!', i)) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) return 'A comment is not closed with -->.';
      const body = text.slice(i + 4, end);
      if (body.includes('--') || body.endsWith('-')) return "A comment must not contain '--'.";
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) return 'A CDATA section is not closed with ]]>.';
      i = end + 3;
    } else {
      return `Unexpected markup '${text.slice(i, i + 12)}…': only comments and CDATA sections may start with <!.`;
    }
  }
  return undefined;
}

function malformed(message: string): ParsedTree {
  return { ok: false, issue: error(IssueCode.Malformed, '/', message) };
}

function elementName(node: Node): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata' && k !== '#comment');
}

function splitName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  return colon === -1 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function toElement(node: Node, inherited: ReadonlyMap<string, string>, parentPath: string, position = ''): XmlElement {
  const qname = elementName(node) ?? '';
  const rawAttributes = node[':@'] ?? {};
  const scope = new Map(inherited);
  for (const [name, value] of Object.entries(rawAttributes)) {
    if (name === 'xmlns') scope.set('', decode(value));
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), decode(value));
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
  const childNodes: { node: Node; local: string }[] = [];
  for (const child of content) {
    const childName = elementName(child);
    if ('#text' in child) text += decode(String(child['#text']));
    else if ('#cdata' in child) text += ((child['#cdata'] as Node[])[0]?.['#text'] as string | undefined) ?? '';
    else if (childName !== undefined) childNodes.push({ node: child, local: splitName(childName)[1] });
  }
  const counts = new Map<string, number>();
  for (const { local } of childNodes) counts.set(local, (counts.get(local) ?? 0) + 1);
  const seen = new Map<string, number>();
  const children = childNodes.map(({ node: child, local }) => {
    const index = (seen.get(local) ?? 0) + 1;
    seen.set(local, index);
    return toElement(child, scope, path, (counts.get(local) ?? 0) > 1 ? `[${index}]` : '');
  });
  return { name, ns, attributes, children, text, path };
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
