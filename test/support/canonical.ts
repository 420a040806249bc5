import avro from 'avsc';
import { avroSchema } from '../../contracts/avro/schemas';
import type { NodeId } from '../../contracts/nodes';
import { schemaModel } from '../../lib/xml/schemas';
import { comuniOf } from '../../lib/gen/people';
import type { ItemMeta } from '../../contracts/avro/types';
import { itemVersion, type ItemVersion } from '../../lib/items/items';
import { documentToAvro } from '../../lib/xml/to-avro';
import type { DocumentObject } from '../../lib/xml/to-object';
import { validateDocument } from '../../lib/xml/validate';
import { validCandidatura, validVacancy } from './xml-cases';

/** A current comune of a node's region (Bolzano's for 21, Trento's for 22). */
export const comuneOf = (node: NodeId): string => {
  const c = comuniOf(node).find((x) => x.node === node);
  if (c === undefined) throw new Error(`no comune of node ${node}`);
  return c.code;
};

const cvType = avro.Type.forSchema(avroSchema('it.ncn.CandidaturaItem'));
const vacancyType = avro.Type.forSchema(avroSchema('it.ncn.VacancyItem'));

export interface ItemOptions {
  readonly root?: string;
  readonly version?: number;
  readonly node?: NodeId;
  readonly action?: 'SEND' | 'CLOSE';
  readonly scope?: '01' | '02' | '03';
  readonly domicile?: string;
  readonly expiresAt?: number | null;
  readonly percettore?: boolean;
  /** Sent by an accredited intermediary, shown (visibilita SI) or not. */
  readonly intermediary?: { readonly visible: boolean };
}

/** The accredited intermediary the fixtures use: an agency in Rome. */
export const Intermediary = {
  codiceFiscale: '01234567897',
  denominazione: 'Agenzia Lavoro Esempio srl',
  indirizzo: 'Via Nazionale 10',
  idcomune: 'H501',
  cap: '00184',
  telefono: '0612345678',
  fax: null,
  email: 'contatti@agenzia.example.it',
} as const;

const ROOT = '12R0000000000000000000001';

/**
 * A canonical item as ingest would produce it from the hand-written fixtures, carried through its Avro schema
 * (encoded and decoded) so the dispatcher reads exactly what the topic holds.
 */
export function canonical(kind: 'CANDIDATURA' | 'VACANCY', options: ItemOptions = {}): ItemVersion {
  let xml = kind === 'CANDIDATURA' ? validCandidatura : validVacancy;
  if (kind === 'CANDIDATURA') {
    if (options.scope) xml = xml.replace(/<ambitodiffusione>\d\d</, `<ambitodiffusione>${options.scope}<`);
    if (options.domicile) {
      xml = xml.replace(/(<Domicilio>\s*<idcomune>)[A-Z]\d{3}</, `$1${options.domicile}<`);
      xml = xml.replace(/<cap>\d{5}<\/cap>\s*<\/Domicilio>/, '</Domicilio>');
    }
  }
  if (options.intermediary) {
    const i = Intermediary;
    const block =
      `<codicefiscaleintermediario>${i.codiceFiscale}</codicefiscaleintermediario><denominazioneintermediario>${i.denominazione}</denominazioneintermediario>` +
      `<indirizzo>${i.indirizzo}</indirizzo><idcomune>${i.idcomune}</idcomune><cap>${i.cap}</cap><telefono>${i.telefono}</telefono>` +
      `<email>${i.email}</email><visibilita>${options.intermediary.visible ? 'SI' : 'NO'}</visibilita>`;
    xml =
      kind === 'CANDIDATURA'
        ? xml.replace('<tipocandidatura>', `${block}<tipocandidatura>`)
        : xml.replace('<cl:tipoofferta>', `${block.replace(/<(\/?)(\w+)>/g, '<$1cl:$2>')}<cl:tipoofferta>`);
  }
  const verdict = validateDocument(Buffer.from(xml));
  if (!verdict.valid || verdict.submission === undefined) throw new Error(JSON.stringify(verdict.issues));
  const element = kind === 'CANDIDATURA' ? 'Candidatura' : 'Vacancy';
  const document = documentToAvro(
    verdict.submission.document as unknown as DocumentObject,
    element,
    schemaModel(element),
  );
  const version = options.version ?? 1;
  const root = options.root ?? ROOT;
  const meta: ItemMeta = {
    root,
    code: version === 1 ? root : `${root.slice(0, 20)}${String(version).padStart(5, '0')}`,
    previousCode: version === 1 ? null : root,
    version,
    node: options.node ?? '12',
    action: options.action ?? 'SEND',
    receivedAt: Date.UTC(2026, 10, 20, 10),
    expiresAt: options.expiresAt === undefined ? Date.UTC(2027, 0, 19, 10) : options.expiresAt,
    percettore: options.percettore ?? false,
    // The registry's record carries its accreditation dates too (the Avro record needs them).
    intermediario: (options.intermediary
      ? { ...Intermediary, accreditatoDal: 20_000, accreditatoAl: null }
      : null) as ItemMeta['intermediario'],
    warnings: [],
    sha256: 'x',
  };
  const type = kind === 'CANDIDATURA' ? cvType : vacancyType;
  const decoded = type.fromBuffer(type.toBuffer({ meta, document })) as {
    meta: ItemMeta;
    document: Record<string, unknown>;
  };
  return itemVersion(kind, decoded);
}
