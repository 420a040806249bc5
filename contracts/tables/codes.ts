/**
 * Code lists the standard's schemas fix themselves (enumerations in contracts/xml/*.xsd) and their meaning
 * from "Modelli e regole" and the rules of the exchange. Lists the schemas only constrain by pattern (titolo di studio,
 * modalità di lavoro, tipologie contrattuali, patenti, abilitazioni) are the Ministry's and are not carried:
 * see SOURCES.md.
 */

/** ambitodiffusione: who may see a CV (rule 1). */
export const AmbitoDiffusione = { '01': 'regionale', '02': 'nazionale', '03': 'europeo' } as const;
export type AmbitoDiffusione = keyof typeof AmbitoDiffusione;

/** The ambitodiffusione codes by what they mean, for the rules that route by them. */
export const Scope = { regional: '01', national: '02', european: '03' } as const satisfies Record<
  string,
  AmbitoDiffusione
>;

/** tipocandidatura / tipoofferta: a send (insert or update) or a close (needs motivochiusura). */
export const TipoComunicazione = { '01': 'invio', '02': 'chiusura' } as const;
export type TipoComunicazione = keyof typeof TipoComunicazione;

/** Si-No in every field that takes it. */
export const SiNo = ['SI', 'NO'] as const;

/** sesso. */
export const Sesso = { M: 'maschio', F: 'femmina' } as const;

/** idtipologiadurata of a training course (TipologiaDurata): hours, days, months, years. */
export const TipologiaDurata = { O: 'ore', G: 'giorni', M: 'mesi', A: 'anni' } as const;

/** idattestazione of a training course (attestazionecheck): the codes the schema allows; meanings are the Ministry's. */
export const Attestazione = ['N', 'F', 'Q', 'S', 'C', 'T'] as const;

/** Language levels (livellolinguacheck [A-C][1-2]): the six levels of the Common European Framework (CEFR). */
export const LivelloLingua = {
  A1: 'base',
  A2: 'elementare',
  B1: 'intermedio',
  B2: 'intermedio superiore',
  C1: 'avanzato',
  C2: 'padronanza',
} as const;
