import type { Candidatura } from '../../contracts/xml/candidatura.types';
import { schemaModel } from './schemas';
import { documentKindOf, type DocumentKind } from '../../contracts/xml/schemas';
import type { Messaggio } from '../../contracts/xml/messaggio.types';
import type { Vacancy } from '../../contracts/xml/vacancy.types';
import { defaultLimits, harden, type HardeningLimits } from './harden';
import { IssueCode, error, type Issue } from './issues';
import { candidaturaRules, messaggioRules, vacancyRules } from './rules';
import { toObject } from './to-object';
import { parseTree } from './tree';
import { validateAgainstSchema } from './xsd-validate';

/** A parsed document of the standard. */
export type Submission =
  | { readonly kind: 'Candidatura'; readonly document: Candidatura }
  | { readonly kind: 'Vacancy'; readonly document: Vacancy }
  | { readonly kind: 'Messaggio'; readonly document: Messaggio };

/** The verdict on one document: valid when no issue is an error (warnings travel with it). */
export interface Verdict {
  readonly valid: boolean;
  /** The kind of document, once its root is known. */
  readonly kind: DocumentKind | undefined;
  /** Every problem found, errors and warnings, in document order within each stage. */
  readonly issues: readonly Issue[];
  /** The document as typed data, when it is valid. */
  readonly submission: Submission | undefined;
}

function verdict(kind: DocumentKind | undefined, issues: Issue[], submission?: Submission): Verdict {
  const valid = !issues.some((i) => i.severity === 'error');
  return { valid, kind, issues, submission: valid ? submission : undefined };
}

/**
 * Hardens, parses and validates a document of the standard: first what must never reach a parser, then
 * well-formedness, then the schema (every error), then the rules beyond it (when the schema holds).
 */
export function validateDocument(bytes: Uint8Array, limits: HardeningLimits = defaultLimits): Verdict {
  const hardened = harden(bytes, limits);
  if (!hardened.ok) return verdict(undefined, [hardened.issue]);
  const tree = parseTree(hardened.text);
  if (!tree.ok) return verdict(undefined, [tree.issue]);
  const kind = documentKindOf(tree.root.name, tree.root.ns);
  if (kind === undefined) {
    return verdict(undefined, [
      error(
        IssueCode.UnknownDocument,
        tree.root.path,
        `Expected a Candidatura, a Vacancy or a Messaggio of the ClicLavoro standard (with its namespace), found ${tree.root.name} in ${tree.root.ns ?? 'no namespace'}.`,
      ),
    ]);
  }
  const model = schemaModel(kind);
  const schemaIssues = validateAgainstSchema(tree.root, model);
  if (schemaIssues.length > 0) return verdict(kind, schemaIssues);
  const data = toObject(tree.root, model);
  if (kind === 'Candidatura') {
    const document = data as unknown as Candidatura;
    return verdict(kind, candidaturaRules(document), { kind, document });
  }
  if (kind === 'Vacancy') {
    const document = data as unknown as Vacancy;
    return verdict(kind, vacancyRules(document), { kind, document });
  }
  const document = data as unknown as Messaggio;
  return verdict(kind, messaggioRules(document), { kind, document });
}
