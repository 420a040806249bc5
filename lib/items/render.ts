import { allows, allowsIfVisible } from '../../contracts/policy';
import { comune } from '../../contracts/tables/comuni';
import { schemaModel } from '../xml/schemas';
import { type ItemDocumentKind } from '../../contracts/xml/schemas';
import { renderDocument } from '../xml/render';
import { millisToDateTime } from '../xml/rome-time';
import type { DocumentObject } from '../xml/to-object';
import { documentKindOfItem, type ItemVersion } from './items';

/** The Rome calendar date an item expires on: the last day it is valid (its expiry is the midnight after). */
export const expiryDate = (expiresAt: number): string => millisToDateTime(expiresAt - 1).slice(0, 10);

/** A complex element's data with one child set, kept in the schema's order. */
function withChild(element: string, data: DocumentObject, name: string, value: string, kind: ItemDocumentKind) {
  const decl = schemaModel(kind).elements.get(element);
  if (decl === undefined || decl.content.kind !== 'sequence') throw new Error(`${element} is not a complex element`);
  const out: Record<string, DocumentObject[string]> = {};
  for (const p of decl.content.particles) {
    const v = p.name === name ? value : data[p.name];
    if (v !== undefined) out[p.name] = v;
  }
  return out as DocumentObject;
}

/**
 * An item version as the ClicLavoro XML the regional nodes receive: the document as accepted, with the system
 * fields the node fills (percettore and the intermediary block, set by ingest) and datascadenza: the date the
 * item expires by rule 4, which may be earlier than the sender's own.
 */
export function renderForNodes(item: ItemVersion): string {
  const kind = documentKindOfItem(item.kind);
  let document = item.document as unknown as DocumentObject;
  const expiresAt = item.meta.expiresAt;
  if (expiresAt !== null) {
    const date = expiryDate(expiresAt);
    if (kind === 'Candidatura') {
      const system = withChild('DatiSistema', document.DatiSistema as DocumentObject, 'datascadenza', date, kind);
      document = { ...document, DatiSistema: system };
    } else {
      const request = document.Richiesta as DocumentObject;
      const term = withChild('DurataRichiesta', request.DurataRichiesta as DocumentObject, 'datascadenza', date, kind);
      document = { ...document, Richiesta: { ...request, DurataRichiesta: term } };
    }
  }
  return renderDocument(kind, document);
}

/** The intermediary's contact, when the item is intermediated and the intermediary agreed to be shown. */
function visibleIntermediary(item: ItemVersion) {
  const s = item.document.DatiSistema;
  if (!allowsIfVisible('public', 'intermediaryContact')) return null;
  if (item.meta.intermediario === null || s.visibilita !== 'SI' || s.email === undefined) return null;
  return {
    name: s.denominazioneintermediario ?? item.meta.intermediario.denominazione,
    address: s.indirizzo ?? null,
    phone: s.telefono ?? null,
    email: s.email,
  };
}

/**
 * The anonymous projection of an item version (rule 7): what a portal may publish, as contracts/policy.ts allows
 * it for `public`. No codice fiscale, name, birth date, address or contact of the worker or the employer; the
 * contact is the intermediary (when shown) or the item's code, through the node that holds it.
 */
export function publicProjection(item: ItemVersion, now: number): Record<string, unknown> {
  const base = {
    root: item.meta.root,
    code: item.meta.code,
    version: item.meta.version,
    action: 'PUBLISH',
    kind: item.kind,
    percettore: item.meta.percettore,
    intermediary: visibleIntermediary(item),
    publishedAt: now,
    expiresAt: item.meta.expiresAt,
  };
  if (item.kind === 'CANDIDATURA') {
    const d = item.document;
    const place = allows('public', 'workerPlace') ? comune(d.Lavoratore.Domicilio.idcomune) : undefined;
    const wish = d.DatiCurriculari.ProfessioneDesiderataDisponibilita[0];
    return {
      ...base,
      region: place?.region ?? null,
      province: place?.province ?? null,
      professionCode: wish?.idprofessione ?? '',
      professionLabel: wish?.descrprofessione ?? '',
      description: wish?.descrizioneprofessione ?? null,
      contractTypes: [
        ...new Set(d.DatiCurriculari.ProfessioneDesiderataDisponibilita.flatMap((p) => p.idtipologiacontratto)),
      ],
      languages: d.DatiCurriculari.Lingue.flatMap((l) => (l.idlingua === undefined ? [] : [l.idlingua])),
      scope: d.DatiSistema.ambitodiffusione,
    };
  }
  const d = item.document;
  const place = comune(d.Richiesta.CondizioniOfferte.idcomune);
  const profile = d.Richiesta.ProfiloRichiesto;
  return {
    ...base,
    region: place?.region ?? null,
    province: place?.province ?? null,
    professionCode: profile.idprofessione,
    professionLabel: profile.descrprofessione,
    description: profile.descrizionericerca,
    contractTypes: [d.Richiesta.CondizioniOfferte.idtipologiacontratto],
    languages: d.Richiesta.IstruzioneFormazione.Lingua.map((l) => l.idlingua),
    scope: null,
  };
}

/** The withdrawal of an item from publication (closed, expired, or no longer anyone's to show). */
export function publicWithdrawal(
  item: { kind: 'CANDIDATURA' | 'VACANCY'; root: string; code: string; version: number },
  now: number,
) {
  return {
    root: item.root,
    code: item.code,
    version: item.version,
    action: 'UNPUBLISH',
    kind: item.kind,
    region: null,
    province: null,
    professionCode: '',
    professionLabel: '',
    description: null,
    contractTypes: [],
    languages: [],
    scope: null,
    percettore: false,
    intermediary: null,
    publishedAt: now,
    expiresAt: null,
  };
}
