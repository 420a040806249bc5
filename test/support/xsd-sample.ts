import type { Random } from '../../lib/gen/random';
import type { XmlNode } from '../../lib/xml/xml-writer';
import type { ElementDecl, Group, Particle, SchemaModel, SimpleType } from '../../lib/xml/xsd-model';

/**
 * Random documents of a schema, read from its compiled model: every optional element, attribute and choice branch
 * is taken some of the time, occurrences vary within their bounds, and values are drawn to satisfy their type
 * (patterns by generating from the regular expression). Inputs for the differential tests, not an oracle:
 * libxml2 decides whether each one is valid.
 */
export function sampleDocument(rng: Random, model: SchemaModel, root: string): XmlNode {
  const decl = model.elements.get(root);
  if (decl === undefined) throw new Error(`${root} is not a global element`);
  const doc = sampleElement(rng, decl, model);
  return model.targetNamespace === undefined
    ? doc
    : { ...doc, attributes: { xmlns: model.targetNamespace, ...doc.attributes } };
}

function sampleElement(rng: Random, decl: ElementDecl, model: SchemaModel): XmlNode {
  const content = decl.content;
  if (content.kind === 'simple') return { name: decl.name, text: sampleValue(rng, content.type) };
  const attributes: Record<string, string> = {};
  for (const a of content.attributes) {
    if (a.required || rng.chance(0.5)) attributes[a.name] = sampleValue(rng, a.type);
  }
  return {
    name: decl.name,
    children: sampleGroup(rng, content.group, model),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

/** How many times a particle or group occurs: within its bounds, at most two beyond its minimum. */
const times = (rng: Random, term: { minOccurs: number; maxOccurs: number }): number =>
  rng.int(term.minOccurs, Math.min(term.maxOccurs, term.minOccurs + 2));

function sampleGroup(rng: Random, group: Group, model: SchemaModel): XmlNode[] {
  const out: XmlNode[] = [];
  for (let n = times(rng, group); n > 0; n--) {
    const items = group.kind === 'choice' ? [rng.pick(group.items)] : group.items;
    for (const item of items) out.push(...sampleTerm(rng, item, model));
  }
  return out;
}

function sampleTerm(rng: Random, term: Particle | Group, model: SchemaModel): XmlNode[] {
  if (term.kind !== 'element') return sampleGroup(rng, term, model);
  const decl = term.decl ?? model.elements.get(term.name);
  if (decl === undefined) throw new Error(`${term.name} is not declared`);
  return Array.from({ length: times(rng, term) }, () => sampleElement(rng, decl, model));
}

const words = ['Rossi', 'Via Roma', 'àèìòù', "D'Amico", 'Bianchi & C.', 'x', 'Officine <Romane>', 'ß€'];

/** A value of the type: a few tries until every facet holds (lengths and patterns drawn apart may disagree). */
export function sampleValue(rng: Random, type: SimpleType): string {
  let value = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    value = draw(rng, type);
    const length = [...value].length;
    if (
      length >= (type.minLength ?? 0) &&
      length <= (type.maxLength ?? Infinity) &&
      type.patterns.every((step) => step.some((p) => p.regex.test(value)))
    ) {
      return value;
    }
  }
  return value;
}

function draw(rng: Random, type: SimpleType): string {
  const digits = (n: number): string => Array.from({ length: n }, () => String(rng.int(0, 9))).join('');
  const pad = (n: number): string => String(n).padStart(2, '0');
  const date = (): string => `${rng.int(1950, 2030)}-${pad(rng.int(1, 12))}-${pad(rng.int(1, 28))}`;
  switch (type.base) {
    case 'date':
      return date();
    case 'dateTime':
      return `${date()}T${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}`;
    case 'integer':
      return `${rng.pick(['', '', '+', '-'])}${rng.pick(['', '0'])}${digits(rng.int(1, type.totalDigits ?? 6))}`;
    case 'decimal':
      return rng.pick([
        `${digits(rng.int(1, 6))}.${digits(2)}`,
        `-${digits(rng.int(1, 3))}`,
        `.${digits(1)}`,
        `+${digits(2)}.`,
      ]);
    case 'unsignedInt':
      return String(rng.int(0, 2 ** 31));
    case 'string':
      if (type.enumeration !== undefined) return rng.pick(type.enumeration);
      if (type.patterns.length > 0) return fromPattern(rng, rng.pick(rng.pick(type.patterns)).source);
      return Array.from({ length: rng.int(1, 3) }, () => rng.pick(words))
        .join(' ')
        .slice(0, Math.max(type.maxLength ?? 40, 1));
  }
}

type Node =
  | { readonly kind: 'alt'; readonly options: readonly (readonly Quantified[])[] }
  | { readonly kind: 'chars'; readonly chars: readonly string[] };
interface Quantified {
  readonly node: Node;
  readonly min: number;
  readonly max: number;
}

const range = (from: string, to: string): string[] =>
  Array.from({ length: to.charCodeAt(0) - from.charCodeAt(0) + 1 }, (_, i) =>
    String.fromCharCode(from.charCodeAt(0) + i),
  );
const DIGITS = range('0', '9');
const PRINTABLE = range(' ', '~');

/** A string matching an XSD pattern of the subset the standards use (classes, groups, alternation, quantifiers). */
export function fromPattern(rng: Random, source: string): string {
  let i = 0;
  const escape = (c: string): string[] => (c === 'd' ? DIGITS : c === 's' ? [' '] : c === 'w' ? range('a', 'z') : [c]);
  const parseClass = (): string[] => {
    const negated = source[i] === '^';
    if (negated) i++;
    const chars: string[] = [];
    while (i < source.length && source[i] !== ']') {
      let c = source[i++] ?? '';
      const set = c === '\\' ? escape(source[i++] ?? '') : [c];
      if (set.length === 1 && source[i] === '-' && source[i + 1] !== ']' && source[i + 1] !== undefined) {
        i++;
        c = source[i++] ?? '';
        const to = c === '\\' ? (source[i++] ?? '') : c;
        chars.push(...range(set[0] ?? '', to));
      } else chars.push(...set);
    }
    i++;
    return negated ? PRINTABLE.filter((c) => !chars.includes(c)) : chars;
  };
  const parseAlt = (): Node => {
    const options: Quantified[][] = [[]];
    while (i < source.length && source[i] !== ')') {
      const c = source[i++] ?? '';
      if (c === '|') {
        options.push([]);
        continue;
      }
      let node: Node;
      if (c === '(') {
        node = parseAlt();
        i++;
      } else if (c === '[') node = { kind: 'chars', chars: parseClass() };
      else if (c === '\\') node = { kind: 'chars', chars: escape(source[i++] ?? '') };
      else if (c === '.') node = { kind: 'chars', chars: range('a', 'z') };
      else node = { kind: 'chars', chars: [c] };
      let [min, max] = [1, 1];
      const q = source[i];
      if (q === '?' || q === '*' || q === '+') {
        i++;
        [min, max] = q === '?' ? [0, 1] : q === '*' ? [0, 3] : [1, 3];
      } else if (q === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i)) ?? ['', '1'];
        i += m[0].length;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? min + 3 : Number(m[3]);
      }
      options[options.length - 1]?.push({ node, min, max });
    }
    return { kind: 'alt', options };
  };
  const tree = parseAlt();
  const generate = (node: Node | Quantified): string => {
    if ('node' in node) {
      return Array.from({ length: rng.int(node.min, node.max) }, () => generate(node.node)).join('');
    }
    if (node.kind === 'chars') return rng.pick(node.chars);
    return rng.pick(node.options).map(generate).join('');
  };
  return generate(tree);
}
