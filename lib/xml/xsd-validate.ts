import { IssueCode, error, type Issue } from './issues';
import { nearestName } from './near-name';
import { XSI_NAMESPACE, type XmlElement } from './tree';
import { isXsdDate, isXsdDateTime } from './xsd-datetime';
import type { ElementDecl, Group, Particle, SchemaModel, SequenceContent, SimpleType } from './xsd-model';

/** xsi attributes a validator accepts anywhere: hints about where the schema is. */
const XSI_HINTS = new Set(['schemaLocation', 'noNamespaceSchemaLocation']);

/**
 * Validates a tree against a compiled schema as an XSD validator does for this subset: the root is a global
 * element of the target namespace, every content model holds its elements in order and number, attributes are
 * declared, present when required and of their type, elements with a simple type hold only text that satisfies
 * the type. Every problem is returned, not just the first.
 */
export function validateAgainstSchema(root: XmlElement, model: SchemaModel): Issue[] {
  const issues: Issue[] = [];
  const decl = root.ns === model.targetNamespace ? model.elements.get(root.name) : undefined;
  if (decl === undefined) {
    issues.push(
      error(
        IssueCode.UnknownDocument,
        root.path,
        `The root element ${root.name} in namespace ${root.ns ?? '(none)'} is not declared by the schema of ${model.targetNamespace ?? 'no namespace'}.`,
      ),
    );
    return issues;
  }
  validateElement(root, decl, model, issues);
  return issues;
}

function validateElement(element: XmlElement, decl: ElementDecl, model: SchemaModel, issues: Issue[]): void {
  const content = decl.content;
  checkAttributes(element, decl, issues);
  if (content.kind === 'simple') {
    const [first] = element.children;
    if (first !== undefined) {
      issues.push(
        error(
          IssueCode.ElementNotAllowed,
          element.path,
          `${element.name} holds a value, not elements (found ${first.name}).`,
        ),
      );
      return;
    }
    checkValue(element.text, content.type, element.path, element.name, issues);
    return;
  }
  // Only XML whitespace (space, tab, line feed) may stand between elements: not NBSP, not a CDATA section. An
  // element of empty content (attributes only) holds nothing at all, not even whitespace.
  const empty = content.particles.length === 0;
  if ((empty ? element.text !== '' : /[^ \t\n\r]/.test(element.text)) || element.cdata) {
    issues.push(
      error(
        IssueCode.TextNotAllowed,
        element.path,
        empty
          ? `${element.name} carries attributes only: nothing may stand between its tags ('${clip(element.text)}').`
          : `${element.name} holds elements only, not text ('${clip(element.text.trim())}').`,
      ),
    );
  }
  const matched = checkContent(element, content, model, issues);
  element.children.forEach((child, i) => {
    const particle = matched[i] ?? content.particles.find((p) => p.name === child.name);
    const childDecl =
      child.ns === model.targetNamespace && particle !== undefined ? declOf(particle, model) : undefined;
    if (childDecl !== undefined) validateElement(child, childDecl, model, issues);
  });
}

const declOf = (particle: Particle, model: SchemaModel): ElementDecl | undefined =>
  particle.decl ?? model.elements.get(particle.name);

function checkAttributes(element: XmlElement, decl: ElementDecl, issues: Issue[]): void {
  const declared = decl.content.kind === 'sequence' ? decl.content.attributes : [];
  for (const attribute of element.attributes) {
    if (attribute.ns === XSI_NAMESPACE && XSI_HINTS.has(attribute.name)) continue;
    if (attribute.ns === XSI_NAMESPACE && attribute.name === 'type' && namesOwnType(attribute.value, decl)) continue;
    const at = `${element.path}/@${attribute.name}`;
    const a = attribute.ns === undefined ? declared.find((d) => d.name === attribute.name) : undefined;
    if (a === undefined) {
      const near =
        attribute.ns === undefined
          ? nearestName(
              attribute.name,
              declared.map((d) => d.name),
            )
          : undefined;
      const takes = declared.length === 0 ? 'no attribute' : `no attribute ${attribute.name}`;
      issues.push(
        error(
          IssueCode.AttributeNotAllowed,
          at,
          `${element.name} takes ${takes}${near === undefined ? '' : `: did you mean ${near}?`}.`,
        ),
      );
    } else {
      checkValue(attribute.value, a.type, at, `${element.name}/@${attribute.name}`, issues);
    }
  }
  for (const a of declared) {
    if (a.required && !element.attributes.some((x) => x.ns === undefined && x.name === a.name)) {
      issues.push(
        error(
          IssueCode.MissingAttribute,
          `${element.path}/@${a.name}`,
          `${element.name} is missing the attribute ${a.name}, which is required.`,
        ),
      );
    }
  }
}

/** xsi:type naming the element's own declared type changes nothing, and validators accept it. */
function namesOwnType(value: string, decl: ElementDecl): boolean {
  if (decl.content.kind !== 'simple') return false;
  const local = (name: string): string => name.slice(name.indexOf(':') + 1);
  return local(value.trim()) === local(decl.content.type.name);
}

/**
 * A content model run as an automaton over the children's names: a nondeterministic one built from the groups
 * and occurrences (Thompson's construction), made deterministic state by state as documents need it. Each
 * state knows which names it accepts, through which particle, and which names may come later.
 */
interface State {
  /** The states of the nondeterministic automaton this one stands for. */
  readonly set: readonly number[];
  readonly accepting: boolean;
  /** The names that may come next, in the model's order. */
  readonly expected: readonly string[];
  readonly next: Map<string, { readonly particle: Particle; readonly to: State } | null>;
}

interface Automaton {
  readonly start: State;
  readonly step: (state: State, name: string) => { readonly particle: Particle; readonly to: State } | null;
}

class Nfa {
  readonly epsilon: number[][] = [];
  readonly edges: { particle: Particle; to: number }[][] = [];

  state(): number {
    this.epsilon.push([]);
    this.edges.push([]);
    return this.epsilon.length - 1;
  }

  /** The states after `term`, with its occurrences, starting from `from`. */
  build(term: Particle | Group, from: number): number {
    let at = from;
    for (let i = 0; i < term.minOccurs; i++) at = this.once(term, at);
    if (term.maxOccurs === Infinity) {
      const loop = this.state();
      this.epsilon[at]?.push(loop);
      this.epsilon[this.once(term, loop)]?.push(loop);
      return loop;
    }
    const end = this.state();
    for (let i = term.minOccurs; i < term.maxOccurs; i++) {
      this.epsilon[at]?.push(end);
      at = this.once(term, at);
    }
    this.epsilon[at]?.push(end);
    return end;
  }

  once(term: Particle | Group, from: number): number {
    if (term.kind === 'element') {
      const to = this.state();
      this.edges[from]?.push({ particle: term, to });
      return to;
    }
    if (term.kind === 'sequence') return term.items.reduce((at, item) => this.build(item, at), from);
    const end = this.state();
    if (term.items.length === 0) this.epsilon[from]?.push(end);
    for (const item of term.items) this.epsilon[this.build(item, from)]?.push(end);
    return end;
  }

  closure(states: Iterable<number>): number[] {
    const seen = new Set<number>(states);
    const stack = [...seen];
    for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
      for (const t of this.epsilon[s] ?? []) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  }
}

const automata = new WeakMap<SequenceContent, Automaton>();

function automatonOf(content: SequenceContent): Automaton {
  const known = automata.get(content);
  if (known !== undefined) return known;
  const nfa = new Nfa();
  const start = nfa.state();
  const accept = nfa.build(content.group, start);
  const states = new Map<string, State>();
  const stateOf = (set: number[]): State => {
    const key = set.join(',');
    let state = states.get(key);
    if (state === undefined) {
      const expected = [...new Set(set.flatMap((s) => (nfa.edges[s] ?? []).map((e) => e.particle.name)))];
      state = { set, accepting: set.includes(accept), expected, next: new Map() };
      states.set(key, state);
    }
    return state;
  };
  const step = (state: State, name: string): { particle: Particle; to: State } | null => {
    const cached = state.next.get(name);
    if (cached !== undefined) return cached;
    const edges = state.set.flatMap((s) => (nfa.edges[s] ?? []).filter((e) => e.particle.name === name));
    const [first] = edges;
    const result =
      first === undefined ? null : { particle: first.particle, to: stateOf(nfa.closure(edges.map((e) => e.to))) };
    state.next.set(name, result);
    return result;
  };
  const automaton = { start: stateOf(nfa.closure([start])), step };
  automata.set(content, automaton);
  return automaton;
}

/** How many elements lead from a state to one where `goal` holds (Infinity when none does). */
function distance(from: State, automaton: Automaton, goal: (state: State) => boolean): number {
  const seen = new Set<State>([from]);
  let level = [from];
  for (let d = 0; level.length > 0; d++) {
    if (level.some(goal)) return d;
    const next: State[] = [];
    for (const s of level) {
      for (const name of s.expected) {
        const to = automaton.step(s, name)?.to;
        if (to !== undefined && !seen.has(to)) {
          seen.add(to);
          next.push(to);
        }
      }
    }
    level = next;
  }
  return Infinity;
}

/** The next names on the shortest ways from a state to one where `goal` holds: what is required there. */
function requiredNext(state: State, automaton: Automaton, goal: (state: State) => boolean): string[] {
  const distances = state.expected.map((name) => {
    const to = automaton.step(state, name)?.to;
    return { name, d: to === undefined ? Infinity : distance(to, automaton, goal) };
  });
  const least = Math.min(...distances.map((x) => x.d));
  return least === Infinity ? [] : distances.filter((x) => x.d === least).map((x) => x.name);
}

const named = (names: readonly string[]): string =>
  names.length > 1 ? `one of ${names.join(', ')}` : (names[0] ?? 'an element');

/**
 * Runs the children through the content model; reports the first child that does not fit, or what is missing
 * at the end. Returns, by child, the particle it matched (up to the first that does not fit).
 */
function checkContent(
  element: XmlElement,
  content: SequenceContent,
  model: SchemaModel,
  issues: Issue[],
): (Particle | undefined)[] {
  const automaton = automatonOf(content);
  const matched: (Particle | undefined)[] = [];
  let state = automaton.start;
  for (const child of element.children) {
    const step = child.ns === model.targetNamespace ? automaton.step(state, child.name) : null;
    if (step === null) {
      issues.push(unexpected(child, element, content, model, state, automaton));
      return matched;
    }
    matched.push(step.particle);
    state = step.to;
  }
  if (!state.accepting) {
    const missing = requiredNext(state, automaton, (s) => s.accepting);
    issues.push(
      error(
        IssueCode.MissingElement,
        `${element.path}/${missing[0] ?? ''}`,
        `${element.name} is missing ${named(missing)}, which is required.`,
      ),
    );
  }
  return matched;
}

function unexpected(
  child: XmlElement,
  parent: XmlElement,
  content: SequenceContent,
  model: SchemaModel,
  state: State,
  automaton: Automaton,
): Issue {
  if (child.ns !== model.targetNamespace) {
    return error(
      IssueCode.UnexpectedElement,
      child.path,
      `${child.name} is in namespace ${child.ns ?? '(none)'}; the elements of ${parent.name} are in ${model.targetNamespace ?? 'no namespace'}.`,
    );
  }
  const names = content.particles.map((p) => p.name);
  const near = names.includes(child.name) ? undefined : nearestName(child.name, names);
  if (near !== undefined) {
    return error(
      IssueCode.UnexpectedElement,
      child.path,
      `${child.name} is not an element of ${parent.name}: did you mean ${near}?`,
    );
  }
  // When the child belongs later in the model, what is missing is what comes before it.
  const before = state.accepting ? [] : requiredNext(state, automaton, (s) => automaton.step(s, child.name) !== null);
  if (before.length > 0) {
    return error(
      IssueCode.MissingElement,
      `${parent.path}/${before[0] ?? ''}`,
      `${parent.name} is missing ${named(before)} before ${child.name} (required, in this order).`,
    );
  }
  if (!state.accepting) {
    const needs = named(requiredNext(state, automaton, (s) => s.accepting));
    return error(
      IssueCode.UnexpectedElement,
      child.path,
      `${child.name} is not expected here: ${parent.name} needs ${needs}.`,
    );
  }
  return error(
    IssueCode.UnexpectedElement,
    child.path,
    `${child.name} is not expected here (wrong place, repeated, or unknown in ${parent.name}).`,
  );
}

/** XML's whitespace, which xs:integer, xs:decimal and xs:unsignedInt collapse away around their value. */
const collapse = (value: string): string => value.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');

const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const UNSIGNED_INT_MAX = 4_294_967_295n;

/** The significant digits of an xs:integer or xs:decimal (at least one: 0 has one). */
function totalDigits(value: string): number {
  const [whole = '', fraction = ''] = value.replace(/^[+-]/, '').split('.');
  return Math.max((whole.replace(/^0+/, '') + fraction.replace(/0+$/, '')).length, 1);
}

/** Checks a value (an element's text or an attribute's) against its simple type; `what` names it in messages. */
function checkValue(value: string, type: SimpleType, at: string, what: string, issues: Issue[]): void {
  switch (type.base) {
    case 'date':
      if (!isXsdDate(value)) issues.push(error(IssueCode.Date, at, `'${clip(value)}' is not a date (YYYY-MM-DD).`));
      return;
    case 'dateTime':
      if (!isXsdDateTime(value)) {
        issues.push(error(IssueCode.DateTime, at, `'${clip(value)}' is not a date and time (YYYY-MM-DDThh:mm:ss).`));
      }
      return;
    case 'integer':
    case 'decimal':
    case 'unsignedInt':
      checkNumber(collapse(value), type, at, issues);
      return;
    case 'string':
      checkString(value, type, at, what, issues);
  }
}

function checkNumber(value: string, type: SimpleType, at: string, issues: Issue[]): void {
  const lexical = { integer: INTEGER, decimal: DECIMAL, unsignedInt: INTEGER }[type.base as 'integer'];
  const words = {
    integer: 'a whole number',
    decimal: 'a decimal number (digits, a dot before the decimals)',
    unsignedInt: 'a whole number from 0 to 4294967295',
  }[type.base as 'integer'];
  const negative = value.startsWith('-') && /[1-9]/.test(value);
  if (!lexical.test(value) || (type.base === 'unsignedInt' && (negative || BigInt(value) > UNSIGNED_INT_MAX))) {
    issues.push(error(IssueCode.Number, at, `'${clip(value)}' is not ${words}.`));
    return;
  }
  if (type.totalDigits !== undefined && totalDigits(value) > type.totalDigits) {
    issues.push(
      error(IssueCode.TotalDigits, at, `'${clip(value)}' has more than ${type.totalDigits} digits, the most allowed.`),
    );
  }
  checkPatterns(value, type, at, issues);
}

function checkPatterns(value: string, type: SimpleType, at: string, issues: Issue[]): void {
  const failed = type.patterns.find((step) => !step.some((p) => p.regex.test(value)));
  if (failed !== undefined) {
    issues.push(
      error(
        IssueCode.Pattern,
        at,
        `'${clip(value)}' does not have the form ${ruleOf(type)} requires (${failed.map((p) => p.source).join(' or ')}).`,
      ),
    );
  }
}

function checkString(value: string, type: SimpleType, at: string, what: string, issues: Issue[]): void {
  const length = [...value].length;
  if (type.enumeration !== undefined && !type.enumeration.includes(value)) {
    issues.push(error(IssueCode.Enumeration, at, `'${clip(value)}' is not one of ${type.enumeration.join(', ')}.`));
  }
  checkPatterns(value, type, at, issues);
  const exactly = type.minLength !== undefined && type.minLength === type.maxLength;
  if (type.minLength !== undefined && length < type.minLength) {
    issues.push(
      error(
        IssueCode.MinLength,
        at,
        exactly
          ? `${what} has ${length} characters; ${ruleOf(type)} fixes exactly ${type.minLength}.`
          : length === 0
            ? `${what} is empty.`
            : `'${clip(value)}' is shorter than ${type.minLength} characters.`,
      ),
    );
  }
  if (type.maxLength !== undefined && length > type.maxLength) {
    issues.push(
      error(
        IssueCode.MaxLength,
        at,
        exactly
          ? `${what} has ${length} characters; ${ruleOf(type)} fixes exactly ${type.maxLength}.`
          : `${what} has ${length} characters; at most ${type.maxLength} are allowed.`,
      ),
    );
  }
}

/** The type a rule comes from, as the schema names it. */
const ruleOf = (type: SimpleType): string => (type.name === 'anonymous' ? 'the schema' : type.name);

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 37)}…` : value;
}
