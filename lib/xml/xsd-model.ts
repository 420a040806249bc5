import { parseTree, type XmlElement } from './tree';
import { xsdPattern } from './xsd-regex';

/**
 * A compiled model of the XML Schema subset the node's standards use (ClicLavoro's Candidatura and Vacancy,
 * INPS's DID, the UNILAV wrapper of the CO feed):
 *
 * - global elements, and local ones declared inside a content model (each with its own type);
 * - complex types, named or anonymous: a content model of xs:sequence and xs:choice with minOccurs/maxOccurs,
 *   element particles by `name` or by `ref` to a global element, xs:group references to named groups, empty
 *   content, attributes (xs:attribute with a simple type and `use` required or optional), and xs:complexContent
 *   extension of a named complex type (the base's content then the extension's, the base's attributes and the
 *   extension's);
 * - simple types, named or anonymous, restricting a built-in (xs:string, xs:date, xs:dateTime, xs:integer,
 *   xs:decimal, xs:unsignedInt) or another simple type of the schema, with the facets pattern, enumeration,
 *   length, minLength, maxLength and totalDigits.
 *
 * Anything else (other constructs, attributes of constructs such as nillable, default or fixed, other built-in
 * types or facets) is refused at compile time, so the validator never silently ignores a constraint.
 * Processing instructions and comments in a schema carry no constraint and are passed over.
 */
export interface SchemaModel {
  /** The schema's targetNamespace; undefined when it has none (its elements are then in no namespace). */
  readonly targetNamespace: string | undefined;
  readonly elements: ReadonlyMap<string, ElementDecl>;
}

export interface ElementDecl {
  readonly name: string;
  readonly content: SequenceContent | SimpleContent;
}

/**
 * The content of a complex type: `group` is its content model; `particles` lists its element particles in
 * document order (for the ClicLavoro schemas, whose complex types are one flat sequence, that is the whole
 * model); `attributes` are those the type declares, its bases' included.
 */
export interface SequenceContent {
  readonly kind: 'sequence';
  readonly particles: readonly Particle[];
  readonly group: Group;
  readonly attributes: readonly AttributeDecl[];
}

export interface SimpleContent {
  readonly kind: 'simple';
  readonly type: SimpleType;
}

export interface Particle {
  readonly kind: 'element';
  readonly name: string;
  readonly minOccurs: number;
  /** Infinity for `unbounded`. */
  readonly maxOccurs: number;
  /** The local declaration; undefined for a reference (`ref`) to the global element of that name. */
  readonly decl: ElementDecl | undefined;
}

/** An xs:sequence or xs:choice with its occurrences. */
export interface Group {
  readonly kind: 'sequence' | 'choice';
  readonly minOccurs: number;
  readonly maxOccurs: number;
  readonly items: readonly (Particle | Group)[];
}

export interface AttributeDecl {
  readonly name: string;
  readonly type: SimpleType;
  readonly required: boolean;
}

export type BuiltinType = 'string' | 'date' | 'dateTime' | 'integer' | 'decimal' | 'unsignedInt';

export interface PatternFacet {
  readonly source: string;
  readonly regex: RegExp;
}

export interface SimpleType {
  /** The schema's type name, the built-in's (`xs:date`), or `anonymous` for a type declared in place. */
  readonly name: string;
  readonly base: BuiltinType;
  /** Pattern facets by restriction step: the value must match at least one pattern of every step. */
  readonly patterns: readonly (readonly PatternFacet[])[];
  /** The allowed values, when a restriction step enumerates them (every step's list must hold the value). */
  readonly enumeration?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  /** At most this many significant digits (xs:integer, xs:decimal). */
  readonly totalDigits?: number;
}

const XS = 'http://www.w3.org/2001/XMLSchema';
const builtins: Record<string, BuiltinType> = {
  string: 'string',
  date: 'date',
  dateTime: 'dateTime',
  integer: 'integer',
  decimal: 'decimal',
  unsignedInt: 'unsignedInt',
};

class SchemaCompileError extends Error {}

/** The names a schema's constructs may carry, by construct; any other attribute is refused. */
const allowedAttributes: Record<string, readonly string[]> = {
  schema: ['targetNamespace', 'elementFormDefault', 'attributeFormDefault'],
  element: ['name', 'ref', 'type', 'minOccurs', 'maxOccurs'],
  complexType: ['name'],
  complexContent: ['mixed'],
  extension: ['base'],
  sequence: ['minOccurs', 'maxOccurs'],
  choice: ['minOccurs', 'maxOccurs'],
  group: ['name', 'ref', 'minOccurs', 'maxOccurs'],
  attribute: ['name', 'type', 'use'],
  simpleType: ['name'],
  restriction: ['base'],
};

/** Compiles schema text; throws with the offending construct when the schema leaves the supported subset. */
export function compileSchema(xsd: string): SchemaModel {
  const parsed = parseTree(xsd);
  if (!parsed.ok) throw new SchemaCompileError(`Schema is not well-formed: ${parsed.issue.message}`);
  const schema = parsed.root;
  if (schema.ns !== XS || schema.name !== 'schema') throw new SchemaCompileError('Root is not xs:schema');
  checkConstruct(schema);
  if (attr(schema, 'elementFormDefault') !== 'qualified') {
    throw new SchemaCompileError('Only elementFormDefault="qualified" is supported');
  }
  if ((attr(schema, 'attributeFormDefault') ?? 'unqualified') !== 'unqualified') {
    throw new SchemaCompileError('Only attributeFormDefault="unqualified" is supported');
  }
  return new Compiler(schema, attr(schema, 'targetNamespace'), prefixesOf(xsd)).compile();
}

/** The namespace declarations of the schema element's start tag (the tree does not keep them). */
function prefixesOf(xsd: string): ReadonlyMap<string, string> {
  const start = /<(?:[A-Za-z_][\w.-]*:)?schema[\s>][^>]*>/.exec(xsd.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, ''));
  const prefixes = new Map<string, string>();
  for (const m of (start?.[0] ?? '').matchAll(/\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*(["'])(.*?)\2/g)) {
    prefixes.set(m[1] ?? '', m[3] ?? '');
  }
  return prefixes;
}

class Compiler {
  readonly #named = { simpleType: new Map<string, XmlElement>(), complexType: new Map<string, XmlElement>() };
  readonly #groups = new Map<string, XmlElement>();
  readonly #simpleTypes = new Map<string, SimpleType>();
  readonly #complexTypes = new Map<string, SequenceContent>();
  /** Named types being compiled, to refuse a type defined by itself. */
  readonly #compiling = new Set<string>();
  readonly #elements = new Map<string, ElementDecl>();
  /** Element references to check once every global element is known. */
  readonly #refs: { from: string; name: string }[] = [];

  constructor(
    private readonly schema: XmlElement,
    private readonly targetNamespace: string | undefined,
    private readonly prefixes: ReadonlyMap<string, string>,
  ) {}

  compile(): SchemaModel {
    for (const child of this.schema.children) {
      if (child.ns !== XS) throw new SchemaCompileError(`Unsupported top-level element ${child.name}`);
      if (child.name === 'simpleType' || child.name === 'complexType') {
        this.#named[child.name].set(required(child, 'name'), child);
      } else if (child.name === 'group') {
        this.#groups.set(required(child, 'name'), child);
      } else if (child.name !== 'element') {
        throw new SchemaCompileError(`Unsupported top-level xs:${child.name}`);
      }
    }
    for (const name of this.#named.simpleType.keys()) this.#simpleType(name);
    for (const name of this.#named.complexType.keys()) this.#complexType(name);
    for (const child of this.schema.children) {
      if (child.name !== 'element') continue;
      if (attr(child, 'ref') !== undefined || attr(child, 'minOccurs') !== undefined || attr(child, 'maxOccurs')) {
        throw new SchemaCompileError(`A global xs:element takes neither ref nor occurrences (${child.path})`);
      }
      const decl = this.#element(child);
      if (this.#elements.has(decl.name)) throw new SchemaCompileError(`Element ${decl.name} is declared twice`);
      this.#elements.set(decl.name, decl);
    }
    for (const ref of this.#refs) {
      if (!this.#elements.has(ref.name)) {
        throw new SchemaCompileError(`${ref.from} refers to undeclared element ${ref.name}`);
      }
    }
    return { targetNamespace: this.targetNamespace, elements: this.#elements };
  }

  /** A QName of the schema: a built-in (`xs:…`) or a name the schema defines (its target namespace). */
  #resolve(qname: string): { builtin: string } | { local: string } {
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    const local = qname.slice(colon + 1);
    const ns = this.prefixes.get(prefix) || undefined;
    if (ns === XS) return { builtin: local };
    if (ns === this.targetNamespace) return { local };
    throw new SchemaCompileError(`${qname} names nothing this schema defines (namespace ${ns ?? '(none)'})`);
  }

  #element(element: XmlElement): ElementDecl {
    checkConstruct(element);
    const name = required(element, 'name');
    const typeName = attr(element, 'type');
    const [inline, ...more] = element.children;
    if (more.length > 0 || (inline !== undefined && typeName !== undefined)) {
      throw new SchemaCompileError(`${element.path}: an element has one type (type or one anonymous type)`);
    }
    if (typeName !== undefined) {
      const ref = this.#resolve(typeName);
      if ('builtin' in ref) return { name, content: { kind: 'simple', type: builtinType(ref.builtin) } };
      if (this.#named.simpleType.has(ref.local)) {
        return { name, content: { kind: 'simple', type: this.#simpleType(ref.local) } };
      }
      if (this.#named.complexType.has(ref.local)) return { name, content: this.#complexType(ref.local) };
      throw new SchemaCompileError(`Unknown type ${typeName}`);
    }
    if (inline?.name === 'simpleType') return { name, content: { kind: 'simple', type: this.#simpleTypeOf(inline) } };
    if (inline?.name === 'complexType') return { name, content: this.#complexTypeOf(inline) };
    throw new SchemaCompileError(`${element.path}: element ${name} without a type (xs:anyType is not supported)`);
  }

  #simpleType(name: string): SimpleType {
    return this.#once('simpleType', name, this.#simpleTypes, (definition) => this.#simpleTypeOf(definition));
  }

  #complexType(name: string): SequenceContent {
    return this.#once('complexType', name, this.#complexTypes, (definition) => this.#complexTypeOf(definition));
  }

  /** A named type compiled once; a type that needs itself to be compiled (a cycle) is refused. */
  #once<T>(
    kind: 'simpleType' | 'complexType',
    name: string,
    done: Map<string, T>,
    compile: (definition: XmlElement) => T,
  ): T {
    const known = done.get(name);
    if (known !== undefined) return known;
    const definition = this.#named[kind].get(name);
    if (definition === undefined) throw new SchemaCompileError(`Unknown ${kind} ${name}`);
    if (this.#compiling.has(`${kind} ${name}`)) throw new SchemaCompileError(`xs:${kind} ${name} refers to itself`);
    this.#compiling.add(`${kind} ${name}`);
    const compiled = compile(definition);
    this.#compiling.delete(`${kind} ${name}`);
    done.set(name, compiled);
    return compiled;
  }

  /** An xs:simpleType: one xs:restriction of a built-in or of a simple type of the schema, and its facets. */
  #simpleTypeOf(simpleType: XmlElement): SimpleType {
    checkConstruct(simpleType);
    const name = attr(simpleType, 'name') ?? 'anonymous';
    const restriction = only(simpleType, 'restriction');
    checkConstruct(restriction);
    const ref = this.#resolve(required(restriction, 'base'));
    const base = 'builtin' in ref ? builtinType(ref.builtin) : this.#simpleType(ref.local);
    const patterns: PatternFacet[] = [];
    const enumeration: string[] = [];
    const facets: { -readonly [K in 'minLength' | 'maxLength' | 'totalDigits']?: number } = {};
    const lengths = base.base === 'string';
    for (const facet of restriction.children) {
      if (facet.ns !== XS) throw new SchemaCompileError(`${name}: unsupported ${facet.name} in a restriction`);
      const [value, ...others] = facet.attributes;
      if (value?.name !== 'value' || value.ns !== undefined || others.length > 0 || facet.children.length > 0) {
        throw new SchemaCompileError(`${name}: xs:${facet.name} takes exactly a value (${facet.path})`);
      }
      const n = (): number => {
        if (!/^\d+$/.test(value.value)) throw new SchemaCompileError(`${name}: xs:${facet.name} is not a number`);
        return Number(value.value);
      };
      if (facet.name === 'pattern') patterns.push({ source: value.value, regex: xsdPattern(value.value) });
      else if (facet.name === 'enumeration' && lengths) enumeration.push(value.value);
      else if (facet.name === 'length' && lengths) facets.minLength = facets.maxLength = n();
      else if (facet.name === 'minLength' && lengths) facets.minLength = n();
      else if (facet.name === 'maxLength' && lengths) facets.maxLength = n();
      else if (facet.name === 'totalDigits' && (base.base === 'integer' || base.base === 'decimal'))
        facets.totalDigits = n();
      else throw new SchemaCompileError(`${name}: unsupported facet xs:${facet.name} on ${base.name}`);
    }
    const narrow = (mine: number | undefined, theirs: number | undefined, pick: (a: number, b: number) => number) =>
      mine === undefined ? theirs : theirs === undefined ? mine : pick(mine, theirs);
    const minLength = narrow(facets.minLength, base.minLength, Math.max);
    const maxLength = narrow(facets.maxLength, base.maxLength, Math.min);
    const totalDigits = narrow(facets.totalDigits, base.totalDigits, Math.min);
    const allowed =
      enumeration.length === 0
        ? base.enumeration
        : enumeration.filter((v) => base.enumeration === undefined || base.enumeration.includes(v));
    return {
      name,
      base: base.base,
      patterns: patterns.length > 0 ? [...base.patterns, patterns] : base.patterns,
      ...(allowed === undefined ? {} : { enumeration: allowed }),
      ...(minLength === undefined ? {} : { minLength }),
      ...(maxLength === undefined ? {} : { maxLength }),
      ...(totalDigits === undefined ? {} : { totalDigits }),
    };
  }

  /**
   * An xs:complexType: a content model (or none: empty content) then attributes, or xs:complexContent with an
   * xs:extension of a named complex type holding the same.
   */
  #complexTypeOf(complexType: XmlElement): SequenceContent {
    checkConstruct(complexType);
    const [first, ...rest] = complexType.children;
    if (first?.name === 'complexContent' && rest.length === 0) {
      checkConstruct(first);
      if ((attr(first, 'mixed') ?? 'false') !== 'false') throw new SchemaCompileError('Mixed content is not supported');
      const extension = only(first, 'extension');
      checkConstruct(extension);
      const ref = this.#resolve(required(extension, 'base'));
      if ('builtin' in ref || !this.#named.complexType.has(ref.local)) {
        throw new SchemaCompileError(`${extension.path}: only extensions of the schema's complex types`);
      }
      const base = this.#complexType(ref.local);
      const own = this.#modelAndAttributes(extension);
      const attributes = [...base.attributes];
      for (const a of own.attributes) {
        if (attributes.some((b) => b.name === a.name)) throw new SchemaCompileError(`Attribute ${a.name} twice`);
        attributes.push(a);
      }
      const group: Group = { kind: 'sequence', minOccurs: 1, maxOccurs: 1, items: [base.group, own.group] };
      return { kind: 'sequence', group, particles: particlesOf(group), attributes };
    }
    const { group, attributes } = this.#modelAndAttributes(complexType);
    return { kind: 'sequence', group, particles: particlesOf(group), attributes };
  }

  /** An optional xs:sequence, xs:choice or xs:group reference, then xs:attribute declarations. */
  #modelAndAttributes(parent: XmlElement): { group: Group; attributes: AttributeDecl[] } {
    const [head] = parent.children;
    const hasModel = head !== undefined && head.ns === XS && ['sequence', 'choice', 'group'].includes(head.name);
    const group: Group = hasModel ? this.#group(head) : { kind: 'sequence', minOccurs: 1, maxOccurs: 1, items: [] };
    const attributes: AttributeDecl[] = [];
    for (const child of parent.children.slice(hasModel ? 1 : 0)) {
      if (child.ns !== XS || child.name !== 'attribute') {
        throw new SchemaCompileError(`Unsupported xs:${child.name} in ${parent.path}`);
      }
      const decl = this.#attribute(child);
      if (attributes.some((a) => a.name === decl.name)) throw new SchemaCompileError(`Attribute ${decl.name} twice`);
      attributes.push(decl);
    }
    return { group, attributes };
  }

  #attribute(attribute: XmlElement): AttributeDecl {
    checkConstruct(attribute);
    const name = required(attribute, 'name');
    const use = attr(attribute, 'use') ?? 'optional';
    if (use !== 'optional' && use !== 'required') throw new SchemaCompileError(`Attribute ${name}: use="${use}"`);
    const typeName = attr(attribute, 'type');
    const [inline, ...more] = attribute.children;
    let type: SimpleType;
    if (typeName !== undefined && inline === undefined) {
      const ref = this.#resolve(typeName);
      type = 'builtin' in ref ? builtinType(ref.builtin) : this.#simpleType(ref.local);
    } else if (typeName === undefined && inline?.name === 'simpleType' && more.length === 0) {
      type = this.#simpleTypeOf(inline);
    } else {
      throw new SchemaCompileError(`${attribute.path}: an attribute has one simple type`);
    }
    return { name, type, required: use === 'required' };
  }

  /** xs:sequence, xs:choice, or xs:group ref (a named group's one sequence or choice, with the ref's occurrences). */
  #group(element: XmlElement): Group {
    checkConstruct(element);
    const occurs = occurrences(element);
    if (element.name === 'group') {
      if (attr(element, 'name') !== undefined) throw new SchemaCompileError('A named xs:group is top-level only');
      const ref = this.#resolve(required(element, 'ref'));
      const definition = 'local' in ref ? this.#groups.get(ref.local) : undefined;
      if (definition === undefined) throw new SchemaCompileError(`Unknown group ${required(element, 'ref')}`);
      const [model, ...more] = definition.children;
      if (model === undefined || more.length > 0 || (model.name !== 'sequence' && model.name !== 'choice')) {
        throw new SchemaCompileError(`Group ${required(element, 'ref')}: one xs:sequence or xs:choice`);
      }
      if (attr(model, 'minOccurs') !== undefined || attr(model, 'maxOccurs') !== undefined) {
        throw new SchemaCompileError(`Group ${required(element, 'ref')}: occurrences go on the reference`);
      }
      return { ...this.#group(model), ...occurs };
    }
    if (element.name !== 'sequence' && element.name !== 'choice') {
      throw new SchemaCompileError(`Unsupported xs:${element.name} in a content model`);
    }
    const items = element.children.map((item): Particle | Group => {
      if (item.ns !== XS) throw new SchemaCompileError(`Unsupported ${item.name} in a content model`);
      if (item.name !== 'element') return this.#group(item);
      const ref = attr(item, 'ref');
      if (ref === undefined) {
        const decl = this.#element(item);
        return { kind: 'element', name: decl.name, ...occurrences(item), decl };
      }
      if (attr(item, 'name') !== undefined || attr(item, 'type') !== undefined || item.children.length > 0) {
        throw new SchemaCompileError(`${item.path}: an element reference takes only ref and occurrences`);
      }
      const target = this.#resolve(ref);
      if ('builtin' in target) throw new SchemaCompileError(`${ref} is not an element of this schema`);
      this.#refs.push({ from: element.path, name: target.local });
      return { kind: 'element', name: target.local, ...occurrences(item), decl: undefined };
    });
    return { kind: element.name, ...occurs, items };
  }
}

/** The element particles of a content model, in document order. */
function particlesOf(group: Group): Particle[] {
  return group.items.flatMap((item) => (item.kind === 'element' ? [item] : particlesOf(item)));
}

function occurrences(element: XmlElement): { minOccurs: number; maxOccurs: number } {
  const min = attr(element, 'minOccurs') ?? '1';
  const max = attr(element, 'maxOccurs') ?? '1';
  if (!/^\d+$/.test(min) || !(/^\d+$/.test(max) || max === 'unbounded')) {
    throw new SchemaCompileError(`${element.path}: occurrences ${min}..${max}`);
  }
  const minOccurs = Number(min);
  const maxOccurs = max === 'unbounded' ? Infinity : Number(max);
  if (maxOccurs < minOccurs || maxOccurs === 0) {
    throw new SchemaCompileError(`${element.path}: occurrences ${min}..${max}`);
  }
  return { minOccurs, maxOccurs };
}

function builtinType(local: string): SimpleType {
  const base = builtins[local];
  if (base === undefined) throw new SchemaCompileError(`Unsupported built-in type xs:${local}`);
  return { name: `xs:${local}`, base, patterns: [] };
}

/** A construct of the XSD namespace carrying only the attributes the subset understands. */
function checkConstruct(element: XmlElement): void {
  const allowed = allowedAttributes[element.name];
  if (element.ns !== XS || allowed === undefined) throw new SchemaCompileError(`Unsupported ${element.path}`);
  for (const a of element.attributes) {
    if (a.ns !== undefined || !allowed.includes(a.name)) {
      throw new SchemaCompileError(`Unsupported attribute ${a.name} of xs:${element.name} at ${element.path}`);
    }
  }
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
  if (child === undefined || element.children.length !== 1 || child.name !== name || child.ns !== XS) {
    throw new SchemaCompileError(`${element.path}: expected exactly one xs:${name}`);
  }
  return child;
}
