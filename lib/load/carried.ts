import type { Feed } from '../../contracts/xml/schemas';
import { didFields } from './inps-xml';
import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';

/**
 * Where every value of the two feeds' standards goes: each element with a value and each attribute of
 * did_inps.xsd and unilav_in.xsd (paths from the root, attributes as `@name`) is either carried into a field of
 * its Avro record or named below as not carried, with the reason. A test walks the schemas and holds the two
 * lists to exactly the standards' values, so nothing is dropped without saying so.
 */
export interface FeedValues<T> {
  readonly carried: Readonly<Record<string, keyof T>>;
  readonly notCarried: readonly { readonly paths: readonly string[]; readonly reason: string }[];
}

/** INPS's DID: every value is carried (it.ncn.Percettore was made from it), by the mapping's own table. */
export const inpsValues: FeedValues<Percettore> = {
  carried: Object.fromEntries([
    ['ListaDID/IdComunicazione', 'idComunicazione'],
    ['ListaDID/DataInvio', 'dataInvio'],
    ...didFields.map((f) => [`ListaDID/DID/${f.element}`, f.field] as const),
  ]),
  notCarried: [],
};

const unilav = 'inputUniLav/UniLav';
const employer = `${unilav}/DatoreLavoro`;
const worker = `${unilav}/Lavoratore`;
const contract = (at: string): Record<string, keyof RapportoLavoro> => ({
  [`${at}/@dataInizio`]: 'dataInizio',
  [`${at}/@TipologiaContrattuale`]: 'tipologiaContrattuale',
  [`${at}/ccnl`]: 'ccnl',
  [`${at}/tipoOrario/@codice`]: 'tipoOrario',
  [`${at}/qualificaProfessionale`]: 'qualificaProfessionale',
});
/** The terms of a contract the node has no use for, in a start (InizioRapporto) and in an extension. */
const contractTerms = (at: string): string[] => [
  `${at}/livelloInquadramento`,
  `${at}/legge68/@dataNullaOsta`,
  `${at}/legge68/@numeroAtto`,
  `${at}/tipoOrario/@oreSettimanaliMedie`,
  `${at}/RetribuzioneCompenso`,
  `${at}/PatINAIL`,
  `${at}/@lavoroInAgricoltura`,
  `${at}/@ggLavorativePreviste`,
  `${at}/@tipoLavorazione`,
  `${at}/@entePrevidenziale`,
  `${at}/@codiceEntePrevidenziale`,
  `${at}/@socioLavoratore`,
  `${at}/@codMonoTempo`,
  `${at}/@lavInMobilita`,
  `${at}/@lavoroStagionale`,
  `${at}/@dataFinePeriodoFormativo`,
];
const office = (at: string, comune: boolean): string[] => [
  ...(comune ? [`${at}/Comune`] : []),
  `${at}/cap`,
  `${at}/Indirizzo`,
  `${at}/e-mail`,
  `${at}/telefono`,
  `${at}/fax`,
];

/**
 * UNILAV: the relation's parties, dates, qualification and contract type are carried; what the enricher and the
 * regions do not use is left out, personal data above all (rule 7: no more personal data than the purpose needs).
 */
export const coValues: FeedValues<RapportoLavoro> = {
  carried: {
    'inputUniLav/CodiceFiscale': 'codiceFiscaleLavoratore',
    'inputUniLav/DataRichiesta': 'dataInvio',
    'inputUniLav/codTipoMovimento': 'tipoMovimento',
    [`${employer}/@codiceFiscale`]: 'codiceFiscaleDatore',
    [`${employer}/@denominazione`]: 'denominazioneDatore',
    [`${employer}/Settore`]: 'settore',
    [`${employer}/SedeLavoro/Comune`]: 'comuneSedeLavoro',
    [`${worker}/AnagraficaCompleta/cognome`]: 'cognome',
    [`${worker}/AnagraficaCompleta/nome`]: 'nome',
    [`${worker}/AnagraficaCompleta/cittadinanza`]: 'cittadinanza',
    [`${worker}/AnagraficaCompleta/sesso`]: 'sesso',
    [`${worker}/AnagraficaCompleta/nascita/comune`]: 'comuneNascita',
    [`${worker}/AnagraficaCompleta/nascita/data`]: 'dataNascita',
    ...contract(`${unilav}/InizioRapporto`),
    [`${unilav}/InizioRapporto/@dataFine`]: 'dataFine',
    [`${unilav}/Proroga/@dataFineProroga`]: 'dataFine',
    ...contract(`${unilav}/Proroga/Contratto`),
  },
  notCarried: [
    {
      paths: ['inputUniLav/IdProvincia'],
      reason: 'the province whose office sent the communication: the node routes by the domicile INPS gives',
    },
    {
      paths: ['inputUniLav/prgMovimentoDaRettificare', 'inputUniLav/prgMovimentoDaProrogare'],
      reason:
        "the Ministry's number of an earlier communication this one corrects or extends: the enricher keeps the last relation by start date and send time, not chains of communications",
    },
    {
      paths: [...office(`${employer}/SedeLegale`, true), ...office(`${employer}/SedeLavoro`, false)],
      reason: "the employer's offices and contacts: of the workplace only its comune is carried",
    },
    {
      paths: [`${employer}/PubblicaAmministrazione`],
      reason: 'whether the employer is a public administration: no rule of the node uses it',
    },
    {
      paths: ['dataScadenzaPS', 'motivoPermesso', 'tipoDocumento', 'numeroDocumento', 'questura'].map(
        (a) => `${worker}/extraCE/@${a}`,
      ),
      reason: "a non-EU worker's residence permit: personal data no recipient of the node needs",
    },
    {
      paths: office(`${worker}/IndirizzoLavoratore`, true).slice(0, 3),
      reason: "the worker's address: the domicile that routes a person comes from INPS, and is not kept twice",
    },
    {
      paths: [...contractTerms(`${unilav}/InizioRapporto`), ...contractTerms(`${unilav}/Proroga/Contratto`)],
      reason:
        'terms of the contract (grade, hours, pay, insurance and social-security positions, protected hiring, agriculture, seasonality): the node passes on the qualification and the contract type only',
    },
    {
      paths: [`${unilav}/Proroga/Contratto/@dataFine`],
      reason: "an extended contract's earlier end: the relation now ends at dataFineProroga, which is carried",
    },
  ],
};

/** The lists by feed. */
export const feedValues: { readonly [F in Feed]: FeedValues<F extends 'inps' ? Percettore : RapportoLavoro> } = {
  inps: inpsValues,
  co: coValues,
};
