/**
 * The Avro-ready values `ncn load` publishes: it.ncn.Percettore (contracts/avro/percettore.avsc) and
 * it.ncn.RapportoLavoro (rapporto-lavoro.avsc). Dates are days since 1970-01-01, times epoch milliseconds,
 * amounts euro cents; optional fields are null.
 */
export interface Percettore {
  readonly idComunicazione: string;
  readonly dataInvio: number;
  readonly tipoOperazione: string;
  readonly codiceFiscale: string;
  readonly cognome: string;
  readonly nome: string;
  readonly cittadinanza: string;
  readonly dataDichiarazione: number;
  readonly codiceUnivocoCPI: string;
  readonly protocollo: string;
  readonly telefono: string | null;
  readonly cellulare: string | null;
  readonly email: string | null;
  readonly emailPatronato: string | null;
  readonly dataInizioDisoccupazione: number | null;
  readonly denominazioneAzienda: string;
  readonly codiceFiscalePIVAUltimaAzienda: string | null;
  readonly ultimaQualifica: string | null;
  readonly dataInizioAttivitaAutonoma: number | null;
  readonly dataInizioAttivitaSubord: number | null;
  readonly dataInizioAttivitaParaSub: number | null;
  readonly dataInizioAttivitaAccess: number | null;
  readonly redditoLavoroAutonomoCents: number | null;
  readonly redditoLavoroSubordinatoCents: number | null;
  readonly redditoLavoroParaSubordCents: number | null;
  readonly redditoLavoroAccessCents: number | null;
  readonly codiceComuneDomicilio: string;
  readonly comuneDomicilio: string;
  readonly provinciaDomicilio: string;
  readonly indirizzoDomicilio: string;
  readonly capDomicilio: string;
}

/** The Avro enum TipoMovimento: start, extension, transformation, end of a relation. */
export const TipiMovimento = ['AVV', 'PRO', 'TRA', 'CES'] as const;
export type TipoMovimento = (typeof TipiMovimento)[number];

export interface RapportoLavoro {
  readonly idComunicazione: string;
  readonly tipoMovimento: TipoMovimento;
  readonly dataInvio: number;
  readonly codiceFiscaleLavoratore: string;
  readonly cognome: string;
  readonly nome: string;
  readonly sesso: string;
  readonly dataNascita: number;
  readonly comuneNascita: string;
  readonly cittadinanza: string;
  readonly codiceFiscaleDatore: string;
  readonly denominazioneDatore: string;
  readonly settore: string | null;
  readonly comuneSedeLavoro: string;
  readonly dataInizio: number;
  readonly dataFine: number | null;
  readonly qualificaProfessionale: string;
  readonly tipologiaContrattuale: string | null;
  readonly ccnl: string | null;
  readonly tipoOrario: string | null;
}

/** What is wrong with one field of a record, and how to fix it. */
export interface Problem {
  /** The element path (`/ListaDID/DID/DataDichiarazione`), attribute (`…/@dataInizio`) or NDJSON field (`value.dataInvio`); empty for the whole record. */
  readonly field: string;
  /** A sentence for whoever fixes the file: what is wrong and what to write instead. */
  readonly message: string;
}

/** A record mapped onto its Avro value, or every problem that stopped it. */
export type Mapped<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly Problem[] };
