import { createHash } from 'node:crypto';
import type { XmlElement } from '../xml/tree';
import { daysToDate } from '../xml/rome-time';
import { el, group, type XmlNode } from '../xml/xml-writer';
import { ElementReader, type ElementShape } from './element-reader';
import { TipoMovimentoSymbols, type RapportoLavoro, type TipoMovimento } from '../../contracts/avro/types';
import type { Mapped } from './records';
import { codiceFiscaleProblem, oneOfProblem, readDate, readDateTime, writeDateTime, type Read } from './values';

/** The regional UNILAV wrapper (contracts/xml/co/unilav_in.xsd): root inputUniLav in the UNILAV namespace. */
export const CoXml = {
  element: 'inputUniLav',
  namespace: 'http://servizi.lavoro.gov.it/unilav',
  schema: 'unilav_in.xsd',
} as const;

/** The element names of unilav_in.xsd where the mapping reads, so that a misspelled one is reported, not lost. */
const shapes = {
  inputUniLav: {
    children: [
      'CodiceFiscale',
      'IdProvincia',
      'DataRichiesta',
      'codTipoMovimento',
      'UniLav',
      'prgMovimentoDaRettificare',
      'prgMovimentoDaProrogare',
    ],
  },
  UniLav: { children: ['DatoreLavoro', 'Lavoratore', 'InizioRapporto', 'Proroga'] },
  DatoreLavoro: {
    children: ['SedeLegale', 'SedeLavoro', 'Settore', 'PubblicaAmministrazione'],
    attributes: ['codiceFiscale', 'denominazione'],
  },
  SedeLavoro: { children: ['Comune', 'cap', 'Indirizzo', 'e-mail', 'telefono', 'fax'] },
  Lavoratore: { children: ['AnagraficaCompleta', 'extraCE', 'IndirizzoLavoratore'] },
  AnagraficaCompleta: { children: ['cognome', 'nome', 'cittadinanza', 'sesso', 'nascita'] },
  nascita: { children: ['comune', 'data'] },
  Contratto: {
    children: [
      'ccnl',
      'livelloInquadramento',
      'legge68',
      'tipoOrario',
      'qualificaProfessionale',
      'RetribuzioneCompenso',
      'PatINAIL',
    ],
    attributes: [
      'lavoroInAgricoltura',
      'dataInizio',
      'dataFine',
      'ggLavorativePreviste',
      'tipoLavorazione',
      'entePrevidenziale',
      'codiceEntePrevidenziale',
      'TipologiaContrattuale',
      'socioLavoratore',
      'codMonoTempo',
      'lavInMobilita',
      'lavoroStagionale',
      'dataFinePeriodoFormativo',
    ],
  },
  tipoOrario: { children: [], attributes: ['codice', 'oreSettimanaliMedie'] },
  Proroga: { children: ['Contratto'], attributes: ['dataFineProroga'] },
} as const satisfies Record<string, ElementShape>;

const readTipo = (text: string): Read<TipoMovimento> => {
  const tipo = TipoMovimentoSymbols.find((t) => t === text);
  return tipo === undefined
    ? {
        ok: false,
        problem: `'${text}' is not a movement type: AVV (start) or PRO (extension), as ${CoXml.schema} lists them, or TRA (transformation) or CES (end).`,
      }
    : { ok: true, value: tipo };
};

/** The rules beyond the Avro types, by field (the NDJSON reader applies them; the XML mapping on the elements). */
export const rapportoChecks: readonly {
  readonly field: keyof RapportoLavoro;
  readonly problem: (value: string) => string | undefined;
}[] = [
  { field: 'codiceFiscaleLavoratore', problem: (v) => codiceFiscaleProblem(v, true) },
  { field: 'codiceFiscaleDatore', problem: (v) => codiceFiscaleProblem(v, true) },
  { field: 'sesso', problem: (v) => oneOfProblem(v, ['M', 'F']) },
];

/**
 * The id of a communication. UNILAV carries none (the Ministry assigns it on receipt), so it is derived from
 * what the record says: `UNILAV-` and 32 hex digits of the SHA-256 of its fields in schema order. Loading the
 * same communication twice gives the same id, however its file was written.
 */
export function communicationId(record: Omit<RapportoLavoro, 'idComunicazione'>): string {
  const fields: readonly (keyof typeof record)[] = [
    'tipoMovimento',
    'dataInvio',
    'codiceFiscaleLavoratore',
    'cognome',
    'nome',
    'sesso',
    'dataNascita',
    'comuneNascita',
    'cittadinanza',
    'codiceFiscaleDatore',
    'denominazioneDatore',
    'settore',
    'comuneSedeLavoro',
    'dataInizio',
    'dataFine',
    'qualificaProfessionale',
    'tipologiaContrattuale',
    'ccnl',
    'tipoOrario',
  ];
  const values = fields.map((f) => record[f]);
  return `UNILAV-${createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32)}`;
}

/**
 * The RapportoLavoro of an inputUniLav. The wrapper's CodiceFiscale is the worker's (DatiLavoratore has none);
 * DataRichiesta is the send time; the relation is InizioRapporto, or Proroga/Contratto for an extension (PRO),
 * whose end is the Proroga's dataFineProroga. codTipoMovimento may also be TRA or CES (the Avro enum has them,
 * the wrapper's schema lists AVV and PRO only). Elements the record has no field for are read past.
 */
export function rapportoFromXml(root: XmlElement): Mapped<RapportoLavoro> {
  const r = new ElementReader(CoXml.namespace, CoXml.schema);
  r.checkShape(root, shapes.inputUniLav);
  const worker = r.text(root, 'CodiceFiscale');
  if (root.children.some((c) => c.name === 'CodiceFiscale')) {
    r.check(`${root.path}/CodiceFiscale`, codiceFiscaleProblem(worker, true));
  }
  const dataInvio = r.value(root, 'DataRichiesta', readDateTime, 0);
  const tipoMovimento = r.value(root, 'codTipoMovimento', readTipo, 'AVV');
  const unilav = r.child(root, 'UniLav');
  if (unilav === undefined) return { ok: false, problems: r.problems };
  r.checkShape(unilav, shapes.UniLav);

  const employer = r.child(unilav, 'DatoreLavoro');
  let codiceFiscaleDatore = '';
  let denominazioneDatore = '';
  let settore: string | null = null;
  let comuneSedeLavoro = '';
  if (employer !== undefined) {
    r.checkShape(employer, shapes.DatoreLavoro);
    codiceFiscaleDatore = r.attribute(employer, 'codiceFiscale') ?? '';
    if (employer.attributes.some((a) => a.name === 'codiceFiscale')) {
      r.check(`${employer.path}/@codiceFiscale`, codiceFiscaleProblem(codiceFiscaleDatore, true));
    }
    denominazioneDatore = r.attribute(employer, 'denominazione') ?? '';
    settore = r.optionalText(employer, 'Settore');
    const workplace = r.child(employer, 'SedeLavoro');
    if (workplace !== undefined) {
      r.checkShape(workplace, shapes.SedeLavoro);
      comuneSedeLavoro = r.text(workplace, 'Comune');
    }
  }

  const person = r.child(unilav, 'Lavoratore');
  const anagrafica = person === undefined ? undefined : r.child(person, 'AnagraficaCompleta');
  if (person !== undefined) r.checkShape(person, shapes.Lavoratore);
  if (anagrafica !== undefined) r.checkShape(anagrafica, shapes.AnagraficaCompleta);
  const birth = anagrafica === undefined ? undefined : r.child(anagrafica, 'nascita');
  if (birth !== undefined) r.checkShape(birth, shapes.nascita);
  const sesso = anagrafica === undefined ? '' : r.text(anagrafica, 'sesso');
  if (anagrafica?.children.some((c) => c.name === 'sesso')) {
    r.check(`${anagrafica.path}/sesso`, oneOfProblem(sesso, ['M', 'F']));
  }

  const start = r.child(unilav, 'InizioRapporto', false);
  const extension = r.child(unilav, 'Proroga', false);
  if (start !== undefined && extension !== undefined) {
    r.problem(`${unilav.path}`, 'holds both InizioRapporto and Proroga; the schema allows one: keep one.');
  } else if (start === undefined && extension === undefined) {
    r.problem(
      `${unilav.path}/InizioRapporto`,
      'is missing: add <InizioRapporto> with the relation (or <Proroga> for an extension, PRO).',
    );
  } else if (tipoMovimento === 'PRO' && extension === undefined) {
    r.problem(
      `${unilav.path}/InizioRapporto`,
      'codTipoMovimento is PRO: write the extension as <Proroga dataFineProroga="…"><Contratto …>, or correct codTipoMovimento.',
    );
  } else if (tipoMovimento !== 'PRO' && extension !== undefined) {
    r.problem(
      `${unilav.path}/Proroga`,
      `codTipoMovimento is ${tipoMovimento}: a Proroga belongs to PRO; correct codTipoMovimento or write <InizioRapporto>.`,
    );
  }
  if (extension !== undefined) r.checkShape(extension, shapes.Proroga);
  const contract = extension === undefined ? start : r.child(extension, 'Contratto');
  let dataInizio = 0;
  let dataFine: number | null = null;
  let qualificaProfessionale = '';
  let tipologiaContrattuale: string | null = null;
  let ccnl: string | null = null;
  let tipoOrario: string | null = null;
  if (contract !== undefined) {
    r.checkShape(contract, shapes.Contratto);
    dataInizio = r.attributeValue(contract, 'dataInizio', readDate, 0);
    dataFine =
      extension === undefined
        ? r.attributeValue(contract, 'dataFine', readDate, null, false)
        : r.attributeValue(extension, 'dataFineProroga', readDate, null);
    qualificaProfessionale = r.text(contract, 'qualificaProfessionale');
    tipologiaContrattuale = r.attribute(contract, 'TipologiaContrattuale', false) ?? null;
    ccnl = r.optionalText(contract, 'ccnl');
    const hours = r.child(contract, 'tipoOrario', false);
    if (hours !== undefined) {
      r.checkShape(hours, shapes.tipoOrario);
      tipoOrario = r.attribute(hours, 'codice') ?? null;
    }
  }

  const record: Omit<RapportoLavoro, 'idComunicazione'> = {
    tipoMovimento,
    dataInvio,
    codiceFiscaleLavoratore: worker,
    cognome: anagrafica === undefined ? '' : r.text(anagrafica, 'cognome'),
    nome: anagrafica === undefined ? '' : r.text(anagrafica, 'nome'),
    sesso,
    dataNascita: birth === undefined ? 0 : r.value(birth, 'data', readDate, 0),
    comuneNascita: birth === undefined ? '' : r.text(birth, 'comune'),
    cittadinanza: anagrafica === undefined ? '' : r.text(anagrafica, 'cittadinanza'),
    codiceFiscaleDatore,
    denominazioneDatore,
    settore,
    comuneSedeLavoro,
    dataInizio,
    dataFine,
    qualificaProfessionale,
    tipologiaContrattuale,
    ccnl,
    tipoOrario,
  };
  return r.result({ idComunicazione: communicationId(record), ...record });
}

/**
 * What unilav_in.xsd requires and a RapportoLavoro does not carry: rapportoToXml writes these so that a
 * document validates (the loader reads past them). Not data: a registered office, a worker's address, an INAIL
 * position and a province are not known from the record.
 */
export const UnilavPlaceholders = {
  idProvincia: '0',
  cap: '00000',
  indirizzo: 'non indicato',
  patInail: '00000000',
  entePrevidenziale: '01',
  no: 'NO',
} as const;

/**
 * The inputUniLav of a RapportoLavoro, in the UNILAV namespace, with placeholders (UnilavPlaceholders) where the
 * schema requires what the record does not carry. An extension (PRO) becomes a Proroga and must have an end.
 * The id is not written: UNILAV has no element for it (communicationId derives it again).
 */
export function rapportoToXml(record: RapportoLavoro): XmlNode {
  const p = UnilavPlaceholders;
  const address = (name: string): XmlNode =>
    group(name, [el('Comune', record.comuneSedeLavoro), el('cap', p.cap), el('Indirizzo', p.indirizzo)]);
  const opt = (value: string | null): string | undefined => value ?? undefined;
  const contractAttributes = (end: boolean): Record<string, string> => ({
    lavoroInAgricoltura: p.no,
    dataInizio: daysToDate(record.dataInizio),
    ...(end && record.dataFine !== null ? { dataFine: daysToDate(record.dataFine) } : {}),
    entePrevidenziale: p.entePrevidenziale,
    ...(record.tipologiaContrattuale === null ? {} : { TipologiaContrattuale: record.tipologiaContrattuale }),
    socioLavoratore: p.no,
    lavInMobilita: p.no,
    lavoroStagionale: p.no,
  });
  const contractChildren = [
    el('ccnl', opt(record.ccnl)),
    ...(record.tipoOrario === null
      ? []
      : [{ name: 'tipoOrario', children: [], attributes: { codice: record.tipoOrario } }]),
    el('qualificaProfessionale', record.qualificaProfessionale),
    el('PatINAIL', p.patInail),
  ];
  let relation: XmlNode;
  if (record.tipoMovimento === 'PRO') {
    if (record.dataFine === null) {
      throw new Error(`${record.idComunicazione}: an extension (PRO) needs dataFine, the end it extends to`);
    }
    relation = {
      name: 'Proroga',
      attributes: { dataFineProroga: daysToDate(record.dataFine) },
      children: [{ name: 'Contratto', attributes: contractAttributes(false), children: contractChildren.flat() }],
    };
  } else {
    relation = { name: 'InizioRapporto', attributes: contractAttributes(true), children: contractChildren.flat() };
  }
  return {
    name: CoXml.element,
    attributes: { xmlns: CoXml.namespace },
    children: [
      ...el('CodiceFiscale', record.codiceFiscaleLavoratore),
      ...el('IdProvincia', p.idProvincia),
      ...el('DataRichiesta', writeDateTime(record.dataInvio)),
      ...el('codTipoMovimento', record.tipoMovimento),
      group('UniLav', [
        {
          name: 'DatoreLavoro',
          attributes: { codiceFiscale: record.codiceFiscaleDatore, denominazione: record.denominazioneDatore },
          children: [
            address('SedeLegale'),
            address('SedeLavoro'),
            ...el('Settore', opt(record.settore)),
            ...el('PubblicaAmministrazione', p.no),
          ],
        },
        group('Lavoratore', [
          group('AnagraficaCompleta', [
            el('cognome', record.cognome),
            el('nome', record.nome),
            el('cittadinanza', record.cittadinanza),
            el('sesso', record.sesso),
            group('nascita', [el('comune', record.comuneNascita), el('data', daysToDate(record.dataNascita))]),
          ]),
          address('IndirizzoLavoratore'),
        ]),
        relation,
      ]),
    ],
  };
}
