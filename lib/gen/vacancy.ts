import type { NodeId } from '../../contracts/nodes';
import { Namespace } from '../../contracts/xml/schemas';
import { checkDigit } from '../xml/codice-fiscale';
import { el, group, type XmlNode } from '../xml/xml-writer';
import { itemCode } from './item-code';
import { comuniOf, isoDate } from './people';
import type { Random } from './random';
import {
  atecoSectors,
  companyWords,
  contractTypes,
  languageLevels,
  languages,
  professions,
  streets,
  studyLevels,
  workModes,
} from './vocabulary';

/** Options of one generated vacancy. */
export interface VacancyOptions {
  readonly node: NodeId;
  readonly sequence: number;
  /** When it is published (datapubblicazione). */
  readonly at: Date;
  readonly previousCode?: string;
  readonly closeReason?: string;
  readonly intermediary?: { readonly codiceFiscale: string; readonly name: string };
}

/** An 11-digit codice fiscale of a company, with its check digit. */
export function companyCodiceFiscale(rng: Random): string {
  const first10 = `0${rng.digits(9)}`;
  return `${first10}${checkDigit(first10)}`;
}

/** A vacancy in the ClicLavoro standard (Vacancy, Rev.064), valid against its schema. */
export function generateVacancy(rng: Random, options: VacancyOptions): { code: string; xml: XmlNode } {
  const code = itemCode(options.node, 'V', isoDate(options.at), options.sequence);
  const place = rng.pick(comuniOf(options.node));
  const profession = rng.pick(professions);
  const company = `${rng.pick(companyWords)} ${rng.pick(companyWords)} ${rng.pick(['srl', 'spa', 'snc'])}`;
  const intermediary = options.intermediary;
  const xml = group('Vacancy', [
    group('DatoreLavoro', [
      group('DatiAnagrafici', [
        el('codicefiscale', rng.chance(0.9) ? companyCodiceFiscale(rng) : undefined),
        el('denominazione', company),
        el('settore', rng.pick(atecoSectors)),
        el('ampiezza', rng.chance(0.5) ? `0${rng.int(1, 9)}` : undefined),
        el(
          'web',
          rng.chance(0.3) ? `https://www.${company.split(' ')[0]?.toLowerCase() ?? 'azienda'}.example.it` : undefined,
        ),
      ]),
      group('DatiContatto', [
        el('indirizzo', `${rng.pick(streets)} ${rng.int(1, 200)}`),
        el('idcomune', place.code),
        el('cap', rng.chance(0.7) ? rng.digits(5) : undefined),
        el('telefono', rng.chance(0.6) ? `0${rng.digits(8)}` : undefined),
        el('fax', undefined),
        el('email', `selezione${rng.int(1, 99)}@example.it`),
      ]),
    ]),
    group('Richiesta', [
      group('ProfiloRichiesto', [
        el('numerolavoratori', String(rng.int(1, 20))),
        el('idprofessione', profession.code),
        el('descrprofessione', profession.label),
        el('descrizionericerca', `Cerchiamo ${profession.label.toLowerCase()}: ${profession.duties.toLowerCase()}.`),
        el('esperienzarichiesta', rng.pick(['SI', 'NO'])),
        el('descrizioneesperienza', rng.chance(0.4) ? 'Almeno due anni nel ruolo' : undefined),
      ]),
      group('IstruzioneFormazione', [
        ...Array.from({ length: rng.int(0, 2) }, () =>
          group('titolostudio', [el('idtitolostudio', rng.pick(studyLevels)), el('descrizionestudio', undefined)]),
        ),
        ...rng
          .some(languages, rng.int(0, 2))
          .map((language) =>
            group('Lingua', [el('idlingua', language), el('idlivelloparlato', rng.pick(languageLevels))]),
          ),
        el('conoscenzeinformatiche', rng.chance(0.4) ? 'Pacchetto Office, posta elettronica' : undefined),
        el('trasferte', rng.chance(0.5) ? rng.pick(['SI', 'NO']) : undefined),
        rng.chance(0.3) ? [{ name: 'idpatenteguida', text: rng.pick(['02', '04', '05']) }] : [],
      ]),
      group('CondizioniOfferte', [
        el('idcomune', place.code),
        el('idtipologiacontratto', rng.pick(contractTypes)),
        el('durata', rng.chance(0.4) ? `${rng.int(3, 24)} mesi` : undefined),
        el('idmodalitalavoro', rng.chance(0.7) ? rng.pick(workModes) : undefined),
        el('retribuzioneannualorda', rng.chance(0.4) ? String(rng.int(18, 60) * 1000) : undefined),
      ]),
      group('DurataRichiesta', [
        el('datapubblicazione', options.at.toISOString().slice(0, 19)),
        el(
          'datascadenza',
          rng.chance(0.3) ? isoDate(new Date(options.at.getTime() + rng.int(10, 90) * 86_400_000)) : undefined,
        ),
      ]),
    ]),
    group('AltreInformazioni', [el('N.O.', rng.pick(['SI', 'NO']))]),
    group('DatiSistema', [
      el('codicefiscaleintermediario', intermediary?.codiceFiscale),
      el('denominazioneintermediario', intermediary?.name),
      el('visibilita', intermediary === undefined ? undefined : rng.pick(['SI', 'NO'])),
      el('tipoofferta', options.closeReason === undefined ? '01' : '02'),
      el('motivochiusura', options.closeReason),
      el('codiceofferta', code),
      el('codiceoffertaprecedente', options.previousCode),
    ]),
  ]);
  return { code, xml: { ...xml, attributes: { xmlns: Namespace.Vacancy } } };
}
