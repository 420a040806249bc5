import type { Random } from '../../lib/gen/random';
import { RawNode, TextNode, type XmlNode } from '../../lib/xml/xml-writer';

/** A mutable copy of an XmlNode tree, for mutation. */
interface M {
  name: string;
  text?: string;
  children?: M[];
  attributes?: Record<string, string>;
}

const copy = (n: XmlNode): M =>
  'text' in n
    ? { name: n.name, text: n.text, ...(n.attributes ? { attributes: { ...n.attributes } } : {}) }
    : { name: n.name, children: n.children.map(copy), ...(n.attributes ? { attributes: { ...n.attributes } } : {}) };

const freeze = (m: M): XmlNode =>
  m.children !== undefined
    ? { name: m.name, children: m.children.map(freeze), ...(m.attributes ? { attributes: m.attributes } : {}) }
    : { name: m.name, text: m.text ?? '', ...(m.attributes ? { attributes: m.attributes } : {}) };

function all(m: M, parent: M | undefined, out: { node: M; parent: M | undefined }[] = []) {
  out.push({ node: m, parent });
  for (const c of m.children ?? []) all(c, m, out);
  return out;
}

const dateValues = [
  '2023-02-29', '2024-02-29', '2023-13-01', '2023-1-01', '20230101', '2023-01-01Z', '2023-01-01+01:00',
  '2023-01-01T10:00:00', '0000-01-01', ' 2023-01-01 ', '2023-04-31', '12023-01-01', '-2023-01-01', '2023-01-01+15:00',
]; // prettier-ignore
const dateTimeValues = [
  '2023-01-01T25:00:00', '2023-01-01T10:00:00Z', '2023-01-01T10:00:00.123', '2023-01-01T10:00', '2023-01-01 10:00:00',
  '2023-01-01T10:00:00+14:30', '2023-01-01T24:00:00', '2023-01-01T10:60:00', ' 2023-01-01T10:00:00 ', '2023-02-30T10:00:00',
  '2023-01-01T10:00:00-05:00', '2023-01-01', '2023-01-01T10:00:00.5Z',
]; // prettier-ignore
const oddStrings = [
  '', ' ', 'àèéìòù', '€', '😀', 'A', 'a', '1', '00', '0000', 'ZZZZ', 'X999', 'M', 'F', 'SI', 'no', '01', '02', '03',
  'B2', 'C3', 'ENG', 'eng', 'WU', '123', '1.2.3.4.5.6', '1.2.3.4.5.67', '1.2.3.4.5', 'a@b', 'a@b.c', '@b.c', 'a b@c.d',
  'x.y@z', 'test@@x', '12345', '1234', '123456', 'RSSMRA85T10A562S', 'rssmra85t10a562s', '12345678901', '47.11.10',
  'A01', 'a01', 'FT', 'Ft', '1,2', 'AB', 'ABC', '9', '99', '100', 'O', 'G', 'Q', 'N',
  'A.01.00', 'B01', 'a.01.00', '2.1.1.4.1', '2.1.1.4.1.0', '2.1.1.4.1.10', 'C031510', 'C0315100001', '25.62.00',
  '25.62', '+012', '1234', '-1', '-0', '4294967295', '4294967296', '1.0', '.5', '1e3', ' 7 ', '1200.50', 'I', 'U',
  'D', 'X', 'AVV', 'PRO', 'CES', 'H501', 'h501', 'Z404', '0000', '00184', '0018', 'NO', 'ab@', '12345678',
]; // prettier-ignore

/**
 * Characters at the edges of the standard's e-mail classes (`[A-Za-z0-9!#-'\*\+\-/=\?\^_`\{-~]`): inside a range
 * or next to one, the escaped ends of `\{-~` and what lies between them, and characters no class takes.
 */
const mailCharacters = [
  '!', '"', '#', '$', '%', '&', "'", '(', ')', '*', '+', ',', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~',
  '.', '@', ' ', '[', ']', '\\', ':', ';', '<', '>', 'é', '€', '\u007f',
]; // prettier-ignore
const mailValues = [
  'a@b', '.a@b.c', 'a.@b.c', 'a..b@c.d', 'a@b..c', 'a@b.', 'a@', '@', 'a@b@c', "o'neil@x.it", "#$%&'@x", '{~}@x',
  'a|b@c.d', 'a}b@c.d', 'a{b@c.d', 'a~b@c.d', 'a"b@c.d', 'a(b@c.d', 'a-b@c-d.it', '`^_@x.y', 'A.B@C.D', 'x@y.z ',
]; // prettier-ignore

/** An e-mail with one character put in, replaced or taken out, or one of the odd addresses above. */
function mutateMail(rng: Random, value: string): string {
  const at = rng.int(0, value.length);
  const c = rng.pick(mailCharacters);
  switch (rng.int(0, 3)) {
    case 0:
      return `${value.slice(0, at)}${c}${value.slice(at)}`;
    case 1:
      return `${value.slice(0, at)}${c}${value.slice(at + 1)}`;
    case 2:
      return `${value.slice(0, at)}${value.slice(at + 1)}`;
    default:
      return rng.pick(mailValues);
  }
}

function mutateValue(rng: Random, value: string): string {
  if (value.includes('@') && rng.chance(0.5)) return mutateMail(rng, value);
  switch (rng.int(0, 10)) {
    case 0:
      return '';
    case 1:
      return ` ${value} `;
    case 2:
      return value + 'X'.repeat(rng.pick([1, 2, 5, 20, 60, 200, 300, 1100, 5100]));
    case 3:
      return rng.pick(oddStrings);
    case 4:
      return value.length > 0 ? value.slice(0, Math.floor(value.length / 2)) : 'X';
    case 5:
      return value.toLowerCase() === value ? value.toUpperCase() : value.toLowerCase();
    case 6:
      return value.replace(/\d/, () => rng.pick(['A', 'L', 'x', '.', ' ']));
    case 7:
      return rng.pick(dateValues);
    case 8:
      return rng.pick(dateTimeValues);
    case 9:
      return value.replace(/[A-Z]/, () => rng.pick(['0', 'a', 'è', '-']));
    default:
      return `${value}${rng.pick(['\t', '\n', 'é', '.', '0'])}`;
  }
}

/** Applies one random structural or value change; the result may or may not stay valid. */
function mutateOnce(rng: Random, root: M): string {
  const nodes = all(root, undefined);
  const inner = nodes.filter((n) => n.parent !== undefined);
  const complex = nodes.filter((n) => n.node.children !== undefined);
  const leaves = nodes.filter((n) => n.node.text !== undefined);
  const { node, parent } = rng.pick(inner);
  const siblings = parent?.children ?? [];
  const at = siblings.indexOf(node);
  /** A declared attribute of some element (namespace declarations aside), to leave out or spoil. */
  const attribute = (): { owner: M; name: string } | undefined => {
    const owners = nodes.filter((n) => Object.keys(n.node.attributes ?? {}).some((a) => !a.startsWith('xmlns')));
    if (owners.length === 0) return undefined;
    const owner = rng.pick(owners).node;
    return { owner, name: rng.pick(Object.keys(owner.attributes ?? {}).filter((a) => !a.startsWith('xmlns'))) };
  };
  switch (rng.int(0, 14)) {
    case 0:
      siblings.splice(at, 1);
      return `remove ${node.name}`;
    case 1:
      siblings.splice(at, 0, copy(freeze(node)));
      return `duplicate ${node.name}`;
    case 2: {
      if (siblings.length < 2) return 'noop';
      const i = rng.int(0, siblings.length - 2);
      const [a, b] = [siblings[i]!, siblings[i + 1]!];
      siblings[i] = b;
      siblings[i + 1] = a;
      return `swap ${a.name} ${b.name}`;
    }
    case 3: {
      const target = rng.pick(complex).node;
      target.children!.splice(rng.int(0, target.children!.length), 0, { name: rng.pick(['extra', 'nota']), text: 'x' });
      return `insert unknown into ${target.name}`;
    }
    case 4: {
      const other = rng.pick(inner).node.name;
      const from = node.name;
      node.name = other;
      return `rename ${from} to ${other}`;
    }
    case 5:
    case 6:
    case 7: {
      const leaf = rng.pick(leaves).node;
      leaf.text = mutateValue(rng, leaf.text ?? '');
      return `value of ${leaf.name}: ${JSON.stringify(leaf.text).slice(0, 40)}`;
    }
    case 8: {
      const attribute = rng.pick([
        ['foo', '1'],
        ['xsi:nil', 'true'],
        ['xsi:schemaLocation', 'http://servizi.lavoro.gov.it/candidatura candidatura.xsd'],
        ['xml:lang', 'it'],
      ] as const);
      root.attributes = { ...root.attributes, 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' };
      node.attributes = { ...node.attributes, [attribute[0]]: attribute[1] };
      return `attribute ${attribute[0]} on ${node.name}`;
    }
    case 9:
      node.attributes = { ...node.attributes, xmlns: rng.pick(['http://example.org/other', '']) };
      return `namespace of ${node.name}`;
    case 10: {
      const target = rng.pick(complex).node;
      target.children!.push({ name: TextNode, text: rng.pick(['testo', ' ', '\n']) });
      return `text in ${target.name}`;
    }
    case 11: {
      const leaf = rng.pick(leaves).node;
      const text = leaf.text ?? '';
      delete leaf.text;
      leaf.children = [{ name: 'valore', text }];
      return `child in ${leaf.name}`;
    }
    case 12: {
      const leaf = rng.pick(leaves).node;
      const raw = rng.pick(['&#65;&#x42;', '<![CDATA[SI]]>', '<!-- nota -->', '&amp;', '&#0;', '&nbsp;', 'S<!-- -->I']);
      const from = leaf.name;
      leaf.children = [{ name: RawNode, text: raw }];
      delete leaf.text;
      return `raw ${raw} in ${from}`;
    }
    case 13: {
      // A declared attribute left out (required ones are then missing).
      const picked = attribute();
      if (picked === undefined) return 'noop';
      const { owner, name } = picked;
      delete owner.attributes?.[name];
      return `remove attribute ${name} of ${owner.name}`;
    }
    default: {
      // An attribute's value out of its type (or, by chance, still in it).
      const picked = attribute();
      if (picked === undefined) return 'noop';
      const { owner, name } = picked;
      const value = mutateValue(rng, owner.attributes?.[name] ?? '');
      owner.attributes = { ...owner.attributes, [name]: value };
      return `attribute ${name} of ${owner.name}: ${JSON.stringify(value).slice(0, 40)}`;
    }
  }
}

/** The document with one to three random changes, and what they were. */
export function mutate(rng: Random, doc: XmlNode): { doc: XmlNode; changes: string[] } {
  const root = copy(doc);
  const changes = Array.from(
    {
      length: rng.weighted([
        [1, 6],
        [2, 3],
        [3, 1],
      ] as const),
    },
    () => mutateOnce(rng, root),
  );
  return { doc: freeze(root), changes };
}
