import { nearestName } from '../xml/near-name';
import { XSI_NAMESPACE, type XmlElement } from '../xml/tree';
import type { Mapped, Problem } from './records';
import type { Read } from './values';

/** The children and attributes an element of a standard may have (from its XSD), to catch misspelled names. */
export interface ElementShape {
  readonly children: readonly string[];
  readonly attributes?: readonly string[];
}

/**
 * Reads the values of one record's elements, collecting every problem with the element's path and a fix, so a
 * record is reported whole, not one mistake at a time. Elements are matched by local name in the standard's
 * namespace. Missing values come back as placeholders (empty, 0) and are never published: `result` refuses a
 * record with any problem.
 */
export class ElementReader {
  readonly #problems: Problem[] = [];
  readonly #ns: string | undefined;
  readonly #schema: string;

  /** `schema` names the schema file in messages (`did_inps.xsd`); `ns` is its namespace (none for INPS). */
  constructor(ns: string | undefined, schema: string) {
    this.#ns = ns;
    this.#schema = schema;
  }

  get problems(): readonly Problem[] {
    return this.#problems;
  }

  problem(field: string, message: string): void {
    this.#problems.push({ field, message });
  }

  /** The value, when nothing was wrong with the record. */
  result<T>(value: T): Mapped<T> {
    return this.#problems.length === 0 ? { ok: true, value } : { ok: false, problems: [...this.#problems] };
  }

  /** Reports children and attributes the shape does not have, and children in another namespace. */
  checkShape(element: XmlElement, shape: ElementShape): void {
    for (const child of element.children) {
      if (child.ns !== this.#ns) {
        this.problem(
          child.path,
          `is in ${child.ns === undefined ? 'no namespace' : `namespace '${child.ns}'`}; the elements of ${this.#schema} are in ${this.#ns === undefined ? 'no namespace' : `'${this.#ns}'`}: correct its prefix or xmlns.`,
        );
      } else if (!shape.children.includes(child.name)) {
        this.problem(child.path, unknown('element', child.name, element.name, shape.children, this.#schema));
      }
    }
    for (const attribute of element.attributes) {
      if (attribute.ns === XSI_NAMESPACE) continue;
      if (attribute.ns !== undefined || !(shape.attributes ?? []).includes(attribute.name)) {
        this.problem(
          `${element.path}/@${attribute.name}`,
          unknown('attribute', attribute.name, element.name, shape.attributes ?? [], this.#schema),
        );
      }
    }
  }

  /** The child named `name`: missing is a problem when required, more than one always is. */
  child(parent: XmlElement, name: string, required = true): XmlElement | undefined {
    const found = parent.children.filter((c) => c.name === name && c.ns === this.#ns);
    if (found.length > 1) {
      this.problem(`${parent.path}/${name}`, `appears ${found.length} times; ${this.#schema} allows one: keep one.`);
    } else if (found.length === 0 && required) {
      this.problem(`${parent.path}/${name}`, `is missing: add <${name}> to <${parent.name}> (${this.#schema}).`);
    }
    return found[0];
  }

  /** The text of a required child (trimmed); '' when missing. */
  text(parent: XmlElement, name: string): string {
    return this.child(parent, name)?.text.trim() ?? '';
  }

  /** The text of an optional child (trimmed); null when absent. */
  optionalText(parent: XmlElement, name: string): string | null {
    return this.child(parent, name, false)?.text.trim() ?? null;
  }

  /** A required child read by `read`; `fallback` when missing or wrong. */
  value<T, F = T>(parent: XmlElement, name: string, read: (text: string) => Read<T>, fallback: F): T | F {
    const element = this.child(parent, name);
    return element === undefined ? fallback : this.#read(element.path, element.text.trim(), read, fallback);
  }

  /** An optional child read by `read`; null when absent or wrong. */
  optionalValue<T>(parent: XmlElement, name: string, read: (text: string) => Read<T>): T | null {
    const element = this.child(parent, name, false);
    return element === undefined ? null : this.#read(element.path, element.text.trim(), read, null);
  }

  /** An attribute's value (trimmed): missing is a problem when required; undefined when missing. */
  attribute(element: XmlElement, name: string, required = true): string | undefined {
    const value = element.attributes.find((a) => a.name === name && a.ns === undefined)?.value.trim();
    if (value === undefined && required) {
      this.problem(`${element.path}/@${name}`, `is missing: add the attribute ${name}="…" to <${element.name}>.`);
    }
    return value;
  }

  /** An attribute read by `read`; `fallback` when missing or wrong. */
  attributeValue<T, F = T>(
    element: XmlElement,
    name: string,
    read: (text: string) => Read<T>,
    fallback: F,
    required = true,
  ): T | F {
    const text = this.attribute(element, name, required);
    return text === undefined ? fallback : this.#read(`${element.path}/@${name}`, text, read, fallback);
  }

  /** Runs a check giving a problem sentence, or undefined, on a value already read. */
  check(field: string, problem: string | undefined): void {
    if (problem !== undefined) this.problem(field, problem);
  }

  #read<T, F>(field: string, text: string, read: (text: string) => Read<T>, fallback: F): T | F {
    const result = read(text);
    if (result.ok) return result.value;
    this.problem(field, result.problem);
    return fallback;
  }
}

/** "not an element of DID in did_inps.xsd", with the closest allowed name when one is near. */
function unknown(what: string, name: string, parent: string, allowed: readonly string[], schema: string): string {
  const near = nearestName(name, allowed);
  const fix =
    near === undefined ? `remove it (${parent} has: ${allowed.join(', ') || 'none'})` : `did you mean ${near}?`;
  return `is not ${what === 'element' ? 'an element' : 'an attribute'} of ${parent} in ${schema}: ${fix}.`;
}
