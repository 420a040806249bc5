import { IssueCode, error, type Issue } from './issues';
import { XSI_NAMESPACE, type XmlElement } from './tree';
import { isXsdDate, isXsdDateTime } from './xsd-datetime';
import type { ElementDecl, Particle, SchemaModel, SequenceContent, SimpleType } from './xsd-model';

/** xsi attributes a validator accepts anywhere: hints about where the schema is. */
const XSI_HINTS = new Set(['schemaLocation', 'noNamespaceSchemaLocation']);

/**
 * Validates a tree against a compiled schema as an XSD validator does for this subset: the root is a global
 * element of the target namespace, every sequence holds its elements in order and number, elements with a
 * simple type hold only text that satisfies the type. Every problem is returned, not just the first.
 */
export function validateAgainstSchema(root: XmlElement, model: SchemaModel): Issue[] {
  const issues: Issue[] = [];
  const decl = root.ns === model.targetNamespace ? model.elements.get(root.name) : undefined;
  if (decl === undefined) {
    issues.push(
      error(
        IssueCode.UnknownDocument,
        root.path,
        `The root element ${root.name} in namespace ${root.ns ?? '(none)'} is not declared by the schema of ${model.targetNamespace}.`,
      ),
    );
    return issues;
  }
  validateElement(root, decl, model, issues);
  return issues;
}

function validateElement(element: XmlElement, decl: ElementDecl, model: SchemaModel, issues: Issue[]): void {
  for (const attribute of element.attributes) {
    if (attribute.ns === XSI_NAMESPACE && XSI_HINTS.has(attribute.name)) continue;
    if (attribute.ns === XSI_NAMESPACE && attribute.name === 'type' && namesOwnType(attribute.value, decl)) continue;
    issues.push(
      error(
        IssueCode.AttributeNotAllowed,
        `${element.path}/@${attribute.name}`,
        `${element.name} takes no attribute ${attribute.name}.`,
      ),
    );
  }
  if (decl.content.kind === 'simple') {
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
    checkValue(element, decl.content.type, issues);
    return;
  }
  // Only XML whitespace (space, tab, line feed) may stand between elements: not NBSP, not a CDATA section.
  if (/[^ \t\n\r]/.test(element.text) || element.cdata) {
    issues.push(
      error(
        IssueCode.TextNotAllowed,
        element.path,
        `${element.name} holds elements only, not text ('${clip(element.text.trim())}').`,
      ),
    );
  }
  checkSequence(element, decl.content, model, issues);
  for (const child of element.children) {
    const childDecl = child.ns === model.targetNamespace ? model.elements.get(child.name) : undefined;
    if (childDecl !== undefined) validateElement(child, childDecl, model, issues);
  }
}

/** xsi:type naming the element's own declared type changes nothing, and validators accept it. */
function namesOwnType(value: string, decl: ElementDecl): boolean {
  if (decl.content.kind !== 'simple') return false;
  const local = (name: string): string => name.slice(name.indexOf(':') + 1);
  return local(value.trim()) === local(decl.content.type.name);
}

/** Matches children against the sequence greedily (the standard's sequences name each element once). */
function checkSequence(element: XmlElement, content: SequenceContent, model: SchemaModel, issues: Issue[]): void {
  const particles = content.particles;
  let index = 0;
  let count = 0;
  for (const child of element.children) {
    for (;;) {
      const particle = particles[index];
      if (particle === undefined) {
        issues.push(unexpected(child, element, model, undefined));
        return;
      }
      if (child.ns === model.targetNamespace && child.name === particle.name && count < particle.maxOccurs) {
        count++;
        break;
      }
      if (count < particle.minOccurs) {
        // The child belongs later in the sequence: what is missing is this particle. Otherwise the child is
        // what does not belong.
        const later = particles.slice(index + 1).some((p) => p.name === child.name);
        issues.push(unexpected(child, element, model, later ? particle : undefined, particle));
        return;
      }
      index++;
      count = 0;
    }
  }
  for (const particle of particles.slice(index)) {
    if (count < particle.minOccurs) {
      issues.push(
        error(
          IssueCode.MissingElement,
          `${element.path}/${particle.name}`,
          `${element.name} is missing ${particle.name}, which is required.`,
        ),
      );
      return;
    }
    count = 0;
  }
}

function unexpected(
  child: XmlElement,
  parent: XmlElement,
  model: SchemaModel,
  missing: Particle | undefined,
  expected?: Particle,
): Issue {
  if (child.ns !== model.targetNamespace) {
    return error(
      IssueCode.UnexpectedElement,
      child.path,
      `${child.name} is in namespace ${child.ns ?? '(none)'}; the elements of ${parent.name} are in ${model.targetNamespace}.`,
    );
  }
  if (missing !== undefined) {
    return error(
      IssueCode.MissingElement,
      `${parent.path}/${missing.name}`,
      `${parent.name} is missing ${missing.name} before ${child.name} (required, in this order).`,
    );
  }
  if (expected !== undefined) {
    return error(
      IssueCode.UnexpectedElement,
      child.path,
      `${child.name} is not expected here: ${parent.name} needs ${expected.name}.`,
    );
  }
  return error(
    IssueCode.UnexpectedElement,
    child.path,
    `${child.name} is not expected here (wrong place, repeated, or unknown in ${parent.name}).`,
  );
}

function checkValue(element: XmlElement, type: SimpleType, issues: Issue[]): void {
  const value = element.text;
  const at = element.path;
  if (type.base === 'date') {
    if (!isXsdDate(value)) issues.push(error(IssueCode.Date, at, `'${clip(value)}' is not a date (YYYY-MM-DD).`));
    return;
  }
  if (type.base === 'dateTime') {
    if (!isXsdDateTime(value)) {
      issues.push(error(IssueCode.DateTime, at, `'${clip(value)}' is not a date and time (YYYY-MM-DDThh:mm:ss).`));
    }
    return;
  }
  const length = [...value].length;
  if (type.enumeration !== undefined && !type.enumeration.includes(value)) {
    issues.push(error(IssueCode.Enumeration, at, `'${clip(value)}' is not one of ${type.enumeration.join(', ')}.`));
  }
  if (type.patterns.length > 0 && !type.patterns.some((p) => p.regex.test(value))) {
    issues.push(
      error(
        IssueCode.Pattern,
        at,
        `'${clip(value)}' does not have the form ${type.name} requires (${type.patterns.map((p) => p.source).join(' or ')}).`,
      ),
    );
  }
  if (type.minLength !== undefined && length < type.minLength) {
    issues.push(
      error(
        IssueCode.MinLength,
        at,
        length === 0 ? `${element.name} is empty.` : `'${clip(value)}' is shorter than ${type.minLength} characters.`,
      ),
    );
  }
  if (type.maxLength !== undefined && length > type.maxLength) {
    issues.push(
      error(
        IssueCode.MaxLength,
        at,
        `${element.name} has ${length} characters; at most ${type.maxLength} are allowed.`,
      ),
    );
  }
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 37)}…` : value;
}
