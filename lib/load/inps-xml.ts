import type { XmlElement } from '../xml/tree';
import { el, group, type XmlNode } from '../xml/xml-writer';
import { daysToDate } from '../xml/rome-time';
import { ElementReader } from './element-reader';
import type { Percettore } from '../../contracts/avro/types';
import type { Mapped } from './records';
import {
  codiceFiscaleProblem,
  comuneProblem,
  oneOfProblem,
  readCents,
  readDate,
  writeCents,
  type Read,
} from './values';

/** INPS's DID record (contracts/xml/inps/did_inps.xsd): root ListaDID, no namespace, one DID. */
export const InpsXml = { element: 'ListaDID', namespace: undefined, schema: 'did_inps.xsd' } as const;

/** INPS's operation types: insert, update, delete (Tipo_Operazione). */
export const TipiOperazione = ['I', 'U', 'D'] as const;

type FieldKind = 'text' | 'date' | 'cents';

/**
 * DID's elements in the schema's order and the Percettore field each one fills: the mapping both ways. The
 * amounts (xs:decimal, euro) become cents; the dates (aaaa-mm-gg) days. Optional here means nullable in Avro:
 * Telefono and Cellulare are read as two optional elements (the schema wants at least one).
 */
export const didFields: readonly { element: string; field: keyof Percettore; kind: FieldKind; optional: boolean }[] = [
  { element: 'TipoOperazione', field: 'tipoOperazione', kind: 'text', optional: false },
  { element: 'CodiceFiscale', field: 'codiceFiscale', kind: 'text', optional: false },
  { element: 'Cognome', field: 'cognome', kind: 'text', optional: false },
  { element: 'Nome', field: 'nome', kind: 'text', optional: false },
  { element: 'Cittadinanza', field: 'cittadinanza', kind: 'text', optional: false },
  { element: 'DataDichiarazione', field: 'dataDichiarazione', kind: 'date', optional: false },
  { element: 'CodiceUnivocoCPI', field: 'codiceUnivocoCPI', kind: 'text', optional: false },
  { element: 'Protocollo', field: 'protocollo', kind: 'text', optional: false },
  { element: 'Telefono', field: 'telefono', kind: 'text', optional: true },
  { element: 'Cellulare', field: 'cellulare', kind: 'text', optional: true },
  { element: 'Email', field: 'email', kind: 'text', optional: true },
  { element: 'EmailPatronato', field: 'emailPatronato', kind: 'text', optional: true },
  { element: 'DataInizioDisoccupazione', field: 'dataInizioDisoccupazione', kind: 'date', optional: true },
  { element: 'DenominazioneAzienda', field: 'denominazioneAzienda', kind: 'text', optional: false },
  { element: 'CodiceFiscalePIVAUltimaAzienda', field: 'codiceFiscalePIVAUltimaAzienda', kind: 'text', optional: true },
  { element: 'UltimaQualifica', field: 'ultimaQualifica', kind: 'text', optional: true },
  { element: 'DataInizioAttivitaAutonoma', field: 'dataInizioAttivitaAutonoma', kind: 'date', optional: true },
  { element: 'DataInizioAttivitaSubord', field: 'dataInizioAttivitaSubord', kind: 'date', optional: true },
  { element: 'DataInizioAttivitaParaSub', field: 'dataInizioAttivitaParaSub', kind: 'date', optional: true },
  { element: 'DataInizioAttivitaAccess', field: 'dataInizioAttivitaAccess', kind: 'date', optional: true },
  { element: 'RedditoLavoroAutonoma', field: 'redditoLavoroAutonomoCents', kind: 'cents', optional: true },
  { element: 'RedditoLavoroSubordinato', field: 'redditoLavoroSubordinatoCents', kind: 'cents', optional: true },
  { element: 'RedditoLavoroParaSubord', field: 'redditoLavoroParaSubordCents', kind: 'cents', optional: true },
  { element: 'RedditoLavoroAccess', field: 'redditoLavoroAccessCents', kind: 'cents', optional: true },
  { element: 'CodiceComuneDomicilio', field: 'codiceComuneDomicilio', kind: 'text', optional: false },
  { element: 'ComuneDomicilio', field: 'comuneDomicilio', kind: 'text', optional: false },
  { element: 'ProvinciaDomicilio', field: 'provinciaDomicilio', kind: 'text', optional: false },
  { element: 'IndirizzoDomicilio', field: 'indirizzoDomicilio', kind: 'text', optional: false },
  { element: 'CapDomicilio', field: 'capDomicilio', kind: 'text', optional: false },
]; // prettier-ignore

const readText = (text: string): Read<string> => ({ ok: true, value: text });
const readers: Record<FieldKind, (text: string) => Read<string | number>> = {
  text: readText,
  date: readDate,
  cents: readCents,
};
const writers: Record<FieldKind, (value: string | number) => string> = {
  text: String,
  date: (days) => daysToDate(Number(days)),
  cents: (cents) => writeCents(Number(cents)),
};

/** The rules beyond the Avro types, by field and the element it comes from (the NDJSON reader applies them too). */
export const percettoreChecks: readonly {
  readonly element: string;
  readonly field: keyof Percettore;
  readonly problem: (value: string) => string | undefined;
}[] = [
  { element: 'TipoOperazione', field: 'tipoOperazione', problem: (v) => oneOfProblem(v, TipiOperazione) },
  { element: 'CodiceFiscale', field: 'codiceFiscale', problem: (v) => codiceFiscaleProblem(v, false) },
  {
    element: 'CodiceFiscalePIVAUltimaAzienda',
    field: 'codiceFiscalePIVAUltimaAzienda',
    problem: (v) => codiceFiscaleProblem(v, true),
  },
  { element: 'CodiceComuneDomicilio', field: 'codiceComuneDomicilio', problem: comuneProblem },
];

const listaShape = { children: ['IdComunicazione', 'DataInvio', 'DID'] };
const didShape = { children: didFields.map((f) => f.element) };

/**
 * The Percettore of a ListaDID, with every problem found: missing or repeated elements, elements the schema
 * does not have, dates that do not exist, amounts that are not euro with cents, an unknown operation type, a
 * codice fiscale that fails its check character, a domicile that is not a comune's Belfiore code.
 */
export function percettoreFromXml(root: XmlElement): Mapped<Percettore> {
  const r = new ElementReader(InpsXml.namespace, InpsXml.schema);
  r.checkShape(root, listaShape);
  const dids = root.children.filter((c) => c.name === 'DID' && c.ns === InpsXml.namespace);
  if (dids.length > 1) {
    r.problem(
      `${root.path}/DID`,
      `appears ${dids.length} times; ${InpsXml.schema} allows one DID per ListaDID: give each DID its own ListaDID.`,
    );
  }
  const did = dids.length > 1 ? dids[0] : r.child(root, 'DID');
  const fields: Record<string, string | number | null> = {
    idComunicazione: r.text(root, 'IdComunicazione'),
    dataInvio: r.value(root, 'DataInvio', readDate, 0),
  };
  if (did !== undefined) {
    r.checkShape(did, didShape);
    for (const f of didFields) {
      fields[f.field] = f.optional
        ? r.optionalValue(did, f.element, readers[f.kind])
        : r.value(did, f.element, readers[f.kind], f.kind === 'text' ? '' : 0);
    }
    for (const { element, field, problem } of percettoreChecks) {
      const value = fields[field];
      const present = did.children.some((c) => c.name === element && c.ns === InpsXml.namespace);
      if (present && typeof value === 'string') r.check(`${did.path}/${element}`, problem(value));
    }
  }
  // Every field is set from the table above and the value is checked against the Avro schema before publishing.
  return r.result(fields as unknown as Percettore);
}

/** The ListaDID of a Percettore (one DID), elements in the schema's order, optional ones left out when null. */
export function percettoreToXml(record: Percettore): XmlNode {
  const did = didFields.flatMap((f) => {
    const value = record[f.field];
    return value === null ? [] : el(f.element, writers[f.kind](value));
  });
  return group(InpsXml.element, [
    el('IdComunicazione', record.idComunicazione),
    el('DataInvio', daysToDate(record.dataInvio)),
    group('DID', did),
  ]);
}
