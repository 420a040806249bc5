import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';
import { comune } from '../../contracts/tables/comuni';
import { dateToDays } from '../xml/rome-time';
import type { Person } from './people';
import { companyCodiceFiscale } from './vacancy';
import type { Random } from './random';
import { atecoSectors, coContractTypes, companyWords, professions } from './vocabulary';

/** Avro-ready values of it.ncn.Percettore and it.ncn.RapportoLavoro (dates as days, times as milliseconds). */
export type AvroRecord = Record<string, string | number | null>;

/**
 * An INPS record of an income-support recipient, valid against did_inps.xsd once written as XML (percettoreToXml);
 * `ultimaQualifica` is left empty most of the time, as INPS does, and is CP2011's six-level code when given.
 */
export function generatePercettore(rng: Random, who: Person, at: Date, sequence: number): Percettore {
  const declared = new Date(at.getTime() - rng.int(1, 120) * 86_400_000);
  const domicile = who.domicile;
  return {
    idComunicazione: `INPS${at.getUTCFullYear()}${String(sequence).padStart(12, '0')}`,
    dataInvio: dateToDays(at.toISOString().slice(0, 10)),
    tipoOperazione: 'I',
    codiceFiscale: who.codiceFiscale,
    cognome: who.surname,
    nome: who.name,
    cittadinanza: '000',
    dataDichiarazione: dateToDays(declared.toISOString().slice(0, 10)),
    // The schema fixes 11 characters (CodiceCPI_MLPS); the Ministry's list of CPI codes is not carried.
    codiceUnivocoCPI: `C${rng.digits(10)}`,
    protocollo: `INPS.${rng.digits(10)}`,
    telefono: null,
    cellulare: who.mobile,
    email: rng.chance(0.6) ? who.email : null,
    emailPatronato: null,
    dataInizioDisoccupazione: dateToDays(declared.toISOString().slice(0, 10)),
    denominazioneAzienda: `${rng.pick(companyWords)} ${rng.pick(['srl', 'spa'])}`,
    codiceFiscalePIVAUltimaAzienda: rng.chance(0.7) ? companyCodiceFiscale(rng) : null,
    ultimaQualifica: rng.chance(0.2) ? rng.pick(professions).code : null,
    dataInizioAttivitaAutonoma: null,
    dataInizioAttivitaSubord: null,
    dataInizioAttivitaParaSub: null,
    dataInizioAttivitaAccess: null,
    redditoLavoroAutonomoCents: null,
    redditoLavoroSubordinatoCents: null,
    redditoLavoroParaSubordCents: null,
    redditoLavoroAccessCents: null,
    codiceComuneDomicilio: domicile.code,
    comuneDomicilio: domicile.name,
    provinciaDomicilio: domicile.province,
    indirizzoDomicilio: who.address,
    capDomicilio: rng.digits(5),
  };
}

/**
 * A mandatory employment communication of a relation of the person, valid against unilav_in.xsd once written as
 * XML (rapportoToXml): a start (AVV), open-ended or with its planned end, or an extension (PRO) to a new end.
 * The wrapper knows no other movement type, so none is generated.
 */
export function generateRapporto(rng: Random, who: Person, at: Date, sequence: number): RapportoLavoro {
  const start = new Date(Date.UTC(rng.int(2015, 2026), rng.int(0, 11), rng.int(1, 28)));
  const begin = start > at ? at : start;
  const ends = rng.chance(0.5);
  const movimento = ends ? rng.pick(['AVV', 'PRO'] as const) : 'AVV';
  const workplace = rng.chance(0.8) ? who.domicile.code : (comune('F205')?.code ?? who.domicile.code);
  return {
    idComunicazione: `CO${at.getUTCFullYear()}${String(sequence).padStart(12, '0')}`,
    tipoMovimento: movimento,
    dataInvio: at.getTime(),
    codiceFiscaleLavoratore: who.codiceFiscale,
    cognome: who.surname,
    nome: who.name,
    sesso: who.sex,
    dataNascita: dateToDays(who.birthDate),
    comuneNascita: who.birthPlace,
    cittadinanza: '000',
    codiceFiscaleDatore: companyCodiceFiscale(rng),
    denominazioneDatore: `${rng.pick(companyWords)} ${rng.pick(['srl', 'spa', 'snc'])}`,
    settore: rng.pick(atecoSectors),
    comuneSedeLavoro: workplace,
    dataInizio: dateToDays(begin.toISOString().slice(0, 10)),
    dataFine: ends
      ? dateToDays(new Date(begin.getTime() + rng.int(30, 900) * 86_400_000).toISOString().slice(0, 10))
      : null,
    // CP2011 at the six levels the CO standard wants (QualificaProfessionale).
    qualificaProfessionale: rng.pick(professions).code,
    tipologiaContrattuale: rng.pick(coContractTypes),
    ccnl: null,
    tipoOrario: rng.pick(['F', 'P']),
  };
}
