import { parseTree, type XmlElement } from './tree';
import { xsdPattern } from './xsd-regex';

/**
 * A compiled model of the XML Schema subset the ClicLavoro standard uses: global elements, complex types that
 * are sequences of element references with minOccurs/maxOccurs, and simple types restricting xs:string
 * (pattern, enumeration, minLength, maxLength) or built-in xs:date / xs:dateTime. Anything else in a schema
 * file is refused at compile time, so the validator never silently ignores a constraint.
 */
export interface SchemaModel {
  readonly targetNamespace: string;
  readonly elements: ReadonlyMap<string, ElementDecl>;
}

export interface ElementDecl {
  readonly name: string;
  readonly content: SequenceContent | SimpleContent;
}

export interface SequenceContent {
  readonly kind: 'sequence';
  readonly particles: readonly Particle[];
}

export interface SimpleContent {
  readonly kind: 'simple';
  readonly type: SimpleType;
}

export interface Particle {
  readonly name: string;
  readonly minOccurs: number;
  /** Infinity for `unbounded`. */
  readonly maxOccurs: number;
}

export type BuiltinType = 'string' | 'date' | 'dateTime';

export interface SimpleType {
  /** The schema's type name, or the built-in's. */
  readonly name: string;
  readonly base: BuiltinType;
  /** Pattern facets of one restriction step: the value must match at least one. */
  readonly patterns: readonly { readonly source: string; readonly regex: RegExp }[];
  readonly enumeration?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
}

const XS = 'http://www.w3.org/2001/XMLSchema';
const builtins: Record<string, BuiltinType> = { string: 'string', date: 'date', dateTime: 'dateTime' };

class SchemaCompileError extends Error {}

/** Compiles schema text; throws with the offending construct when the schema leaves the supported subset. */
export function compileSchema(xsd: string): SchemaModel {
  const parsed = parseTree(xsd);
  if (!parsed.ok) throw new SchemaCompileError(`Schema is not well-formed: ${parsed.issue.message}`);
  const schema = parsed.root;
  if (schema.ns !== XS || schema.name !== 'schema') throw new SchemaCompileError('Root is not xs:schema');
  const targetNamespace = attr(schema, 'targetNamespace') ?? '';
  if (attr(schema, 'elementFormDefault') !== 'qualified') {
    throw new SchemaCompileError('Only elementFormDefault="qualified" is supported');
  }
  const simpleTypes = new Map<string, SimpleType>();
  for (const child of schema.children) {
    if (child.name === 'simpleType') simpleTypes.set(required(child, 'name'), compileSimpleType(child));
  }
  const elements = new Map<string, ElementDecl>();
  for (const child of schema.children) {
    if (child.name === 'simpleType') continue;
    if (child.name !== 'element') throw new SchemaCompileError(`Unsupported top-level xs:${child.name}`);
    const name = required(child, 'name');
    elements.set(name, { name, content: compileElementContent(child, simpleTypes) });
  }
  for (const decl of elements.values()) {
    if (decl.content.kind !== 'sequence') continue;
    for (const p of decl.content.particles) {
      if (!elements.has(p.name)) throw new SchemaCompileError(`${decl.name} refers to undeclared element ${p.name}`);
    }
  }
  return { targetNamespace, elements };
}

function compileElementContent(
  element: XmlElement,
  simpleTypes: ReadonlyMap<string, SimpleType>,
): ElementDecl['content'] {
  const typeName = attr(element, 'type');
  if (typeName !== undefined) {
    const local = typeName.slice(typeName.indexOf(':') + 1);
    const type = typeName.startsWith('xs:') ? builtinType(local) : simpleTypes.get(local);
    if (type === undefined) throw new SchemaCompileError(`Unknown type ${typeName}`);
    return { kind: 'simple', type };
  }
  const complex = only(element, 'complexType');
  const sequence = only(complex, 'sequence');
  const particles = sequence.children.map((particle): Particle => {
    if (particle.name !== 'element') throw new SchemaCompileError(`Unsupported xs:${particle.name} in a sequence`);
    const ref = required(particle, 'ref');
    const max = attr(particle, 'maxOccurs') ?? '1';
    return {
      name: ref.slice(ref.indexOf(':') + 1),
      minOccurs: Number(attr(particle, 'minOccurs') ?? '1'),
      maxOccurs: max === 'unbounded' ? Infinity : Number(max),
    };
  });
  return { kind: 'sequence', particles };
}

function builtinType(local: string): SimpleType {
  const base = builtins[local];
  if (base === undefined) throw new SchemaCompileError(`Unsupported built-in type xs:${local}`);
  return { name: `xs:${local}`, base, patterns: [] };
}

function compileSimpleType(simpleType: XmlElement): SimpleType {
  const name = required(simpleType, 'name');
  const restriction = only(simpleType, 'restriction');
  if (required(restriction, 'base') !== 'xs:string')
    throw new SchemaCompileError(`${name}: only xs:string restrictions`);
  const patterns: { source: string; regex: RegExp }[] = [];
  const enumeration: string[] = [];
  let minLength: number | undefined;
  let maxLength: number | undefined;
  for (const facet of restriction.children) {
    const value = required(facet, 'value');
    if (facet.name === 'pattern') patterns.push({ source: value, regex: xsdPattern(value) });
    else if (facet.name === 'enumeration') enumeration.push(value);
    else if (facet.name === 'minLength') minLength = Number(value);
    else if (facet.name === 'maxLength') maxLength = Number(value);
    else throw new SchemaCompileError(`${name}: unsupported facet xs:${facet.name}`);
  }
  return {
    name,
    base: 'string',
    patterns,
    ...(enumeration.length > 0 ? { enumeration } : {}),
    ...(minLength === undefined ? {} : { minLength }),
    ...(maxLength === undefined ? {} : { maxLength }),
  };
}

function attr(element: XmlElement, name: string): string | undefined {
  return element.attributes.find((a) => a.name === name && a.ns === undefined)?.value;
}

function required(element: XmlElement, name: string): string {
  const value = attr(element, name);
  if (value === undefined) throw new SchemaCompileError(`xs:${element.name} without ${name} at ${element.path}`);
  return value;
}

function only(element: XmlElement, name: string): XmlElement {
  const [child] = element.children;
  if (child === undefined || element.children.length !== 1 || child.name !== name) {
    throw new SchemaCompileError(`${element.path}: expected exactly one xs:${name}`);
  }
  return child;
}
