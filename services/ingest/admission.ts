import { Topic } from '../../contracts/topics';
import type { Candidatura } from '../../contracts/xml/candidatura.types';
import { schemaModel } from '../../lib/xml/schemas';
import type { Vacancy } from '../../contracts/xml/vacancy.types';
import type { OutputRecord } from '../runtime/runner/types';
import {
  codeIn,
  duplicate,
  receipt,
  reject,
  sha256,
  type Decision,
  type ReceiptKind,
  type SubmissionInput,
} from './decision';
import type { HardeningLimits } from '../../lib/xml/harden';
import { IssueCode, error } from '../../lib/xml/issues';
import { documentToAvro } from '../../lib/xml/to-avro';
import type { DocumentObject } from '../../lib/xml/to-object';
import { validateDocument, type Submission } from '../../lib/xml/validate';
import { dateTimeToMillis, dateToDays } from '../../lib/xml/rome-time';
import { decideMessage } from './messages';
import type { Intermediario } from '../../contracts/avro/types';
import type { CodeRecord, StateView } from './state';

export type { Decision, SubmissionInput } from './decision';

const DAY_MS = 86_400_000;

/** Settings of the rules; defaults in brackets. */
export interface IngestSettings {
  /** Days an item stays valid after its latest send [60] (rule 4). */
  readonly validityDays: number;
  readonly limits: HardeningLimits;
  /**
   * The keyed hash of a codice fiscale (contracts/policy.ts subjectHash with the node's audit key): the item's
   * person as the audit trail of its contact messages names them. Without it the messages name no one.
   */
  readonly subjectHash?: (codiceFiscale: string) => string;
}

interface Fields {
  readonly code: string;
  readonly previous: string | undefined;
  readonly close: boolean;
  readonly closeReason: string | undefined;
  readonly intermediaryCf: string | undefined;
  readonly expiryDate: string | undefined;
  readonly workerCf: string | undefined;
  /** Whom the item is about: the worker (CV) or the employer (vacancy). */
  readonly subjectCf: string | undefined;
  readonly system: string;
}

function fieldsOf(submission: Exclude<Submission, { kind: 'Messaggio' }>): Fields {
  if (submission.kind === 'Candidatura') {
    const s = submission.document.DatiSistema;
    return {
      code: s.codicecandidatura,
      previous: s.codicecandidaturaprecedente,
      close: s.tipocandidatura === '02',
      closeReason: s.motivochiusura,
      intermediaryCf: s.codicefiscaleintermediario,
      expiryDate: s.datascadenza,
      workerCf: submission.document.Lavoratore.DatiAnagrafici.codicefiscale,
      subjectCf: submission.document.Lavoratore.DatiAnagrafici.codicefiscale,
      system: '/Candidatura/DatiSistema',
    };
  }
  const s = submission.document.DatiSistema;
  return {
    code: s.codiceofferta,
    previous: s.codiceoffertaprecedente,
    close: s.tipoofferta === '02',
    closeReason: s.motivochiusura,
    intermediaryCf: s.codicefiscaleintermediario,
    expiryDate: submission.document.Richiesta.DurataRichiesta.datascadenza,
    workerCf: undefined,
    subjectCf: submission.document.DatoreLavoro.DatiAnagrafici.codicefiscale,
    system: '/Vacancy/DatiSistema',
  };
}

/** Rule 4: min(datascadenza, the end of which is midnight Rome time after it; latest send + validity). */
export function effectiveExpiry(receivedAt: Date, expiryDate: string | undefined, validityDays: number): number {
  const byValidity = receivedAt.getTime() + validityDays * DAY_MS;
  if (expiryDate === undefined) return byValidity;
  const nextDay = new Date((dateToDays(expiryDate) + 1) * DAY_MS).toISOString().slice(0, 10);
  return Math.min(byValidity, dateTimeToMillis(`${nextDay}T00:00:00`));
}

/**
 * The ingest rules, for one submission: validate it; resolve its chain (an update extends its predecessor's
 * item, only the owner may update or close it, a close needs a predecessor); drop exact repeats (rule 9); fill
 * the system fields (percettore, intermediary, expiry: `meta.expiresAt`); and say what to produce: the canonical
 * item, the receipt, and the changelog record. The expiry schedule is the dispatcher's to write, once the version
 * is delivered (so an item never falls due before its holders have it). Rejected submissions get a receipt with
 * every issue and their bytes in the dead-letter topic.
 */
export function decideSubmission(
  input: SubmissionInput,
  view: StateView,
  settings: IngestSettings,
  options: { predecessorTimedOut?: boolean } = {},
): Decision {
  const hash = sha256(input.bytes);
  const verdict = validateDocument(input.bytes, settings.limits);
  const docKind: ReceiptKind =
    verdict.kind === 'Candidatura'
      ? 'CANDIDATURA'
      : verdict.kind === 'Vacancy'
        ? 'VACANCY'
        : verdict.kind === 'Messaggio'
          ? 'MESSAGGIO'
          : 'UNKNOWN';
  const submission = verdict.submission;
  if (!verdict.valid || submission === undefined) {
    const code = codeIn(input.bytes);
    return reject(input, hash, verdict.issues, { ...(code ? { code } : {}), kind: docKind });
  }
  if (submission.kind === 'Messaggio') {
    return decideMessage(input, submission.document, view, { hash, warnings: verdict.issues });
  }
  const f = fieldsOf(submission);
  const kind = submission.kind === 'Candidatura' ? 'C' : 'V';
  const contentHash = sha256(JSON.stringify(submission.document));
  const warnings = verdict.issues;
  const base = { code: f.code, kind: docKind } as const;

  const existing = view.code(f.code);
  if (existing !== undefined) {
    if (existing.node === input.node && (existing.sha256 === hash || existing.contentHash === contentHash)) {
      return duplicate(input, hash, { ...base, root: existing.root });
    }
    return reject(
      input,
      hash,
      [
        error(
          IssueCode.CodeReused,
          `${f.system}/${kind === 'C' ? 'codicecandidatura' : 'codiceofferta'}`,
          `The code ${f.code} was already used for another submission: every send needs a new code.`,
        ),
      ],
      base,
    );
  }

  let root = f.code;
  let version = 1;
  const previousPath = `${f.system}/${kind === 'C' ? 'codicecandidaturaprecedente' : 'codiceoffertaprecedente'}`;
  if (f.previous !== undefined) {
    const predecessor = view.code(f.previous);
    if (predecessor === undefined) {
      if (!options.predecessorTimedOut) return { kind: 'wait', predecessor: f.previous, code: f.code };
      return reject(
        input,
        hash,
        [
          error(
            IssueCode.PredecessorUnknown,
            previousPath,
            `The item ${f.previous} this submission updates is not known to the node.`,
          ),
        ],
        base,
      );
    }
    const item = view.item(predecessor.root);
    if (item === undefined || item.node !== input.node) {
      return reject(
        input,
        hash,
        [
          error(
            IssueCode.NotOwner,
            previousPath,
            `The item ${f.previous} belongs to node ${item?.node ?? predecessor.node}: only the node that created an item may update or close it.`,
          ),
        ],
        base,
      );
    }
    if (item.kind !== kind) {
      return reject(
        input,
        hash,
        [
          error(
            IssueCode.KindMismatch,
            previousPath,
            `${f.previous} is a ${item.kind === 'C' ? 'CV' : 'vacancy'}, not a ${kind === 'C' ? 'CV' : 'vacancy'}.`,
          ),
        ],
        base,
      );
    }
    if (item.closed) {
      return reject(
        input,
        hash,
        [
          error(
            IssueCode.ItemClosed,
            previousPath,
            `The item ${item.root} is closed: it cannot be updated or closed again.`,
          ),
        ],
        base,
      );
    }
    if (item.latestCode !== f.previous) {
      return reject(
        input,
        hash,
        [
          error(
            IssueCode.PredecessorSuperseded,
            previousPath,
            `${f.previous} is not the latest version of its item (that is ${item.latestCode}): update the latest.`,
          ),
        ],
        base,
      );
    }
    root = item.root;
    version = item.version + 1;
  } else if (f.close) {
    return reject(
      input,
      hash,
      [error(IssueCode.CloseWithoutPredecessor, previousPath, 'A close must name the code of the item it closes.')],
      base,
    );
  }

  let intermediary: Intermediario | undefined;
  if (f.intermediaryCf !== undefined) {
    intermediary = view.intermediary(f.intermediaryCf);
    if (intermediary === undefined) {
      return reject(
        input,
        hash,
        [
          error(
            IssueCode.IntermediaryUnknown,
            `${f.system}/codicefiscaleintermediario`,
            `The intermediary ${f.intermediaryCf} is not in the accreditation registry.`,
          ),
        ],
        { ...base, root },
      );
    }
  }

  const percettore = f.workerCf !== undefined && view.isPercettore(f.workerCf);
  const expiresAt = f.close ? null : effectiveExpiry(input.receivedAt, f.expiryDate, settings.validityDays);
  const model = schemaModel(submission.kind);
  const document = documentToAvro(
    withSystemFields(submission, percettore, intermediary) as unknown as DocumentObject,
    submission.kind,
    model,
  );
  const meta = {
    root,
    code: f.code,
    previousCode: f.previous ?? null,
    version,
    node: input.node,
    action: f.close ? 'CLOSE' : 'SEND',
    receivedAt: input.receivedAt.getTime(),
    expiresAt,
    percettore,
    intermediario: intermediary ?? null,
    warnings: warnings.map((w) => w.code),
    sha256: hash,
  };
  const change: CodeRecord = {
    code: f.code,
    root,
    version,
    node: input.node,
    kind,
    action: f.close ? 'CLOSE' : 'SEND',
    sha256: hash,
    contentHash,
    expiresAt,
    intermediary:
      intermediary === undefined
        ? null
        : { codiceFiscale: intermediary.codiceFiscale, denominazione: intermediary.denominazione },
    subjectHash:
      f.subjectCf === undefined || settings.subjectHash === undefined ? null : settings.subjectHash(f.subjectCf),
  };
  const outputs: OutputRecord[] = [
    {
      topic: kind === 'C' ? Topic.candidature : Topic.vacancies,
      key: root,
      value: { avro: kind === 'C' ? 'it.ncn.CandidaturaItem' : 'it.ncn.VacancyItem', data: { meta, document } },
    },
    { topic: Topic.ingestItems, key: f.code, value: Buffer.from(JSON.stringify(change)) },
    receipt(input, 'ACCEPTED', { ...base, root, issues: warnings, hash }),
  ];
  return { kind: 'done', outcome: 'ACCEPTED', outputs, change };
}

/** The document with the node's system fields: percettore (CV), and the intermediary block from the registry (rule 6). */
function withSystemFields(
  submission: Exclude<Submission, { kind: 'Messaggio' }>,
  percettore: boolean,
  intermediary: Intermediario | undefined,
): Candidatura | Vacancy {
  const block =
    intermediary === undefined
      ? {}
      : {
          denominazioneintermediario: intermediary.denominazione,
          indirizzo: intermediary.indirizzo,
          idcomune: intermediary.idcomune,
          ...(intermediary.cap ? { cap: intermediary.cap } : {}),
          ...(intermediary.telefono ? { telefono: intermediary.telefono } : {}),
          ...(intermediary.fax ? { fax: intermediary.fax } : {}),
          email: intermediary.email,
        };
  if (submission.kind === 'Candidatura') {
    const d = submission.document;
    return {
      ...d,
      DatiSistema: reorder(
        { ...d.DatiSistema, ...block, percettore: percettore ? 'SI' : 'NO' },
        systemOrder('Candidatura'),
      ),
    } as Candidatura;
  }
  const d = submission.document;
  return { ...d, DatiSistema: reorder({ ...d.DatiSistema, ...block }, systemOrder('Vacancy')) } as Vacancy;
}

/** The order of DatiSistema's elements, as the document's schema gives it. */
function systemOrder(kind: 'Candidatura' | 'Vacancy'): string[] {
  const content = schemaModel(kind).elements.get('DatiSistema')?.content;
  return content?.kind === 'sequence' ? content.particles.map((p) => p.name) : [];
}

/** Keeps the schema's order of the system fields, so the document renders valid. */
function reorder<T extends object>(fields: T, order: readonly string[]): T {
  const record = fields as Record<string, unknown>;
  return Object.fromEntries(order.filter((k) => record[k] !== undefined).map((k) => [k, record[k]])) as T;
}
