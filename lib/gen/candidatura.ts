import type { NodeId } from '../../contracts/nodes';
import { el, group, type XmlNode } from '../xml/xml-writer';
import { itemCode } from './item-code';
import { isoDate, person, type Person } from './people';
import type { Random } from './random';
import {
  companyWords,
  contractTypes,
  languageLevels,
  languages,
  professions,
  streets,
  studyLevels,
  workModes,
} from './vocabulary';
import { Namespace } from '../../contracts/xml/schemas';

/** Options of one generated CV. */
export interface CandidaturaOptions {
  readonly node: NodeId;
  readonly sequence: number;
  /** When the CV is sent (datainserimento). */
  readonly at: Date;
  /** 01 regional, 02 national, 03 European; random when not given. */
  readonly scope?: '01' | '02' | '03';
  /** The worker; a new person living in the node's region when not given. */
  readonly worker?: Person;
  /** For an update: the code it replaces. */
  readonly previousCode?: string;
  /** A close (tipocandidatura 02) with this motivochiusura. */
  readonly closeReason?: string;
  /** Sent by an intermediary with this codice fiscale. */
  readonly intermediary?: { readonly codiceFiscale: string; readonly name: string };
}

/** A CV in the ClicLavoro standard (Candidatura, Rev.038), valid against its schema. */
export function generateCandidatura(
  rng: Random,
  options: CandidaturaOptions,
): { code: string; xml: XmlNode; worker: Person } {
  const worker = options.worker ?? person(rng, options.node);
  const code = itemCode(options.node, 'C', isoDate(options.at), options.sequence);
  const profession = rng.pick(professions);
  const experiences = Array.from({ length: rng.int(0, 3) }, () => {
    const start = new Date(Date.UTC(rng.int(2000, 2022), rng.int(0, 11), rng.int(1, 28)));
    const end = rng.chance(0.7) ? new Date(start.getTime() + rng.int(90, 2000) * 86_400_000) : undefined;
    const job = rng.pick(professions);
    return group('EsperienzeLavorative', [
      el('tipoesperienza', rng.pick(contractTypes)),
      el('qualificasvolta', job.code),
      el('descrqualificasvolta', job.label),
      el('principalimansioni', job.duties),
      el('nomedatore', `${rng.pick(companyWords)} ${rng.pick(['srl', 'spa', 'snc'])}`),
      el('datainizio', isoDate(start)),
      el('datafine', end === undefined || end > options.at ? undefined : isoDate(end)),
      el('indirizzodatore', rng.chance(0.5) ? `${rng.pick(streets)} ${rng.int(1, 99)}` : undefined),
    ]);
  });
  const education = Array.from({ length: rng.int(1, 2) }, () =>
    group('Istruzione', [
      el('titolostudio', rng.pick(studyLevels)),
      el('descrizioneistruzione', rng.chance(0.6) ? 'Diploma di istruzione secondaria' : undefined),
      el('votazione', rng.chance(0.4) ? `${rng.int(60, 100)}/100` : undefined),
    ]),
  );
  const spoken = rng
    .some(languages, rng.int(0, 2))
    .map((language) =>
      group('Lingue', [
        el('idlingua', language),
        el('idlivelloletto', rng.pick(languageLevels)),
        el('idlivelloscritto', rng.pick(languageLevels)),
        el('idlivelloparlato', rng.pick(languageLevels)),
      ]),
    );
  const intermediary = options.intermediary;
  const xml = group('Candidatura', [
    group('Lavoratore', [
      group('DatiAnagrafici', [
        el('codicefiscale', worker.codiceFiscale),
        el('cognome', worker.surname),
        el('nome', worker.name),
        el('sesso', worker.sex),
        el('datanascita', worker.birthDate),
        el('idcomune', worker.birthPlace),
        el('idcittadinanza', worker.birthPlace.startsWith('Z') && rng.chance(0.5) ? rng.digits(3) : '000'),
      ]),
      group('Domicilio', [
        el('idcomune', worker.domicile.code),
        el('cap', rng.chance(0.7) ? rng.digits(5) : undefined),
      ]),
      group('Recapiti', [
        el('indirizzo', rng.chance(0.8) ? worker.address : undefined),
        el('telefono', rng.chance(0.2) ? `0${rng.digits(8)}` : undefined),
        el('cellulare', rng.chance(0.7) ? worker.mobile : undefined),
        el('email', worker.email),
      ]),
    ]),
    group('DatiCurriculari', [
      ...experiences,
      ...education,
      ...spoken,
      rng.chance(0.5)
        ? [group('ConoscenzeInformatiche', [el('tipoconoscenza', 'Pacchetto Office'), el('specifiche', 'Word, Excel')])]
        : [],
      rng.chance(0.6) ? [group('AbilitazioniPatenti', [el('idpatenteguida', rng.pick(['02', '04', '05']))])] : [],
      group('ProfessioneDesiderataDisponibilita', [
        el('idprofessione', profession.code),
        el('descrprofessione', profession.label),
        el('descrizioneprofessione', rng.chance(0.5) ? profession.duties : undefined),
        el('esperienzasettore', rng.pick(['SI', 'NO'])),
        el('trasferte', rng.chance(0.5) ? rng.pick(['SI', 'NO']) : undefined),
        ...rng.some(workModes, rng.int(0, 2)).map((mode) => ({ name: 'idmodalitalavorativa', text: mode })),
        ...rng.some(contractTypes, rng.int(0, 2)).map((type) => ({ name: 'idtipologiacontratto', text: type })),
        el('mezzitrasporto', rng.chance(0.5) ? rng.pick(['SI', 'NO']) : undefined),
      ]),
    ]),
    group('DatiSistema', [
      el(
        'ambitodiffusione',
        options.scope ??
          rng.weighted([
            ['01', 3],
            ['02', 5],
            ['03', 2],
          ] as const),
      ),
      el('datainserimento', options.at.toISOString().slice(0, 19)),
      el(
        'datascadenza',
        rng.chance(0.2) ? isoDate(new Date(options.at.getTime() + rng.int(10, 90) * 86_400_000)) : undefined,
      ),
      el('codicefiscaleintermediario', intermediary?.codiceFiscale),
      el('denominazioneintermediario', intermediary?.name),
      el('visibilita', intermediary === undefined ? undefined : rng.pick(['SI', 'NO'])),
      el('tipocandidatura', options.closeReason === undefined ? '01' : '02'),
      el('motivochiusura', options.closeReason),
      el('codicecandidatura', code),
      el('codicecandidaturaprecedente', options.previousCode),
    ]),
  ]);
  return { code, worker, xml: { ...xml, attributes: { xmlns: Namespace.Candidatura } } };
}
