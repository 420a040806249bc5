import type { NodeId } from '../../contracts/nodes';
import { Namespace } from '../../contracts/xml/schemas';
import { el, group, type XmlNode } from '../xml/xml-writer';
import { messageCode } from './item-code';
import { comuniOf, isoDate, person } from './people';
import type { Random } from './random';
import { companyCodiceFiscale } from './vacancy';
import { companyWords, professions, streets } from './vocabulary';

/** tiposoggetto of the standard: who writes. */
export type TipoSoggetto = '1' | '2' | '3';

/** One side of a message (the standard's Interlocutore, the item code aside) and what kind of party it is. */
export interface Party {
  /** 1 a worker, 2 an employer, 3 an intermediary. */
  readonly tiposoggetto: TipoSoggetto;
  readonly codiceFiscale: string;
  /** An intermediary's code (Stringa11). */
  readonly codiceIntermediario?: string;
  readonly denominazione: string;
  readonly indirizzo: string;
  /** Belfiore code of a current comune. */
  readonly comune: string;
  readonly telefono: string;
  readonly email: string;
}

/** Options of one generated message. */
export interface MessaggioOptions {
  /** The node that sends it. */
  readonly node: NodeId;
  /** 03 a message of interest, 04 a reply to one. */
  readonly tipo: '03' | '04';
  /** The item it is about: its code (25 digits) and kind (C a CV, V a vacancy). */
  readonly about: { readonly code: string; readonly kind: 'C' | 'V' };
  /** For a 04: the code of the 03 it answers (codicemessaggioprecedente). Required for a 04, refused for a 03. */
  readonly previousCode?: string;
  /** For a 04: the sender of the 03, written as the Destinatario's details. */
  readonly to?: Party;
  /** When it is sent (data). */
  readonly at: Date;
  readonly sequence: number;
}

/** The standard's limit on testomessaggio (Stringa2000). */
const MAX_TEXT = 2000;

function worker(rng: Random, node: NodeId): Party {
  const who = person(rng, node);
  return {
    tiposoggetto: '1',
    codiceFiscale: who.codiceFiscale,
    denominazione: `${who.name} ${who.surname}`,
    indirizzo: who.address,
    comune: who.domicile.code,
    telefono: who.mobile,
    email: who.email,
  };
}

/** An employer (2) or an employment agency acting for one (3), with an office in the node's region. */
function organisation(rng: Random, node: NodeId, tiposoggetto: '2' | '3'): Party {
  const codiceFiscale = companyCodiceFiscale(rng);
  const name =
    tiposoggetto === '2'
      ? `${rng.pick(companyWords)} ${rng.pick(companyWords)} ${rng.pick(['srl', 'spa', 'snc'])}`
      : `${rng.pick(['Agenzia', 'Centro'])} ${rng.pick(['Lavoro', 'Impiego', 'Risorse'])} ${rng.pick(companyWords)} srl`;
  const word = (name.split(' ')[0] ?? 'azienda').toLowerCase().replace(/[^a-z]/g, '');
  return {
    tiposoggetto,
    codiceFiscale,
    ...(tiposoggetto === '3' ? { codiceIntermediario: codiceFiscale } : {}),
    denominazione: name,
    indirizzo: `${rng.pick(streets)} ${rng.int(1, 200)}`,
    comune: rng.pick(comuniOf(node)).code,
    telefono: `0${rng.digits(rng.int(8, 9))}`,
    email: `${rng.pick(['selezione', 'personale', 'info', 'hr'])}${rng.int(1, 99)}@${word}.example.it`,
  };
}

/**
 * Who writes: a 03 about a vacancy comes from a worker, about a CV from an employer or an intermediary; a 04 comes
 * from the other side, the item's own: an employer or intermediary for a vacancy, the worker for a CV.
 */
function sender(rng: Random, options: MessaggioOptions): Party {
  const fromWorker = (options.tipo === '03') === (options.about.kind === 'V');
  return fromWorker ? worker(rng, options.node) : organisation(rng, options.node, rng.chance(0.75) ? '2' : '3');
}

const greetings = ['Buongiorno', 'Gentili signori', 'Salve', 'Spettabile azienda'];
const closings = ['Cordiali saluti', 'Distinti saluti', 'Un cordiale saluto', 'Grazie per l’attenzione'];

function text(rng: Random, options: MessaggioOptions, from: Party, positive: boolean | undefined): string {
  const job = rng.pick(professions).label.toLowerCase();
  const code = options.about.code;
  const sign = from.denominazione;
  const lines: string[] = [];
  if (options.tipo === '03' && options.about.kind === 'V') {
    lines.push(
      `${rng.pick(greetings)}, sono ${sign} e ho letto con interesse la vostra offerta ${code}.`,
      `Ho ${rng.int(1, 15)} anni di esperienza come ${job} e sono disponibile da subito${rng.chance(0.5) ? ', anche per trasferte' : ''}.`,
      rng.chance(0.5)
        ? 'Allego i miei recapiti e resto a disposizione per un colloquio.'
        : 'Posso inviare il curriculum aggiornato su richiesta.',
    );
  } else if (options.tipo === '03') {
    lines.push(
      `${rng.pick(['Buongiorno', 'Gentile candidato', 'Gentile candidata'])}, scriviamo per conto di ${sign}.`,
      `Il suo profilo (${code}) ci interessa per una posizione di ${job}${rng.chance(0.5) ? ' con contratto a tempo indeterminato' : ''}.`,
      'Se è interessato, ci contatti ai recapiti indicati per fissare un colloquio conoscitivo.',
    );
  } else if (positive === false) {
    lines.push(
      options.about.kind === 'V'
        ? 'La ringraziamo per l’interesse: la posizione è già stata coperta, terremo i suoi dati per future selezioni.'
        : 'Grazie per il contatto: al momento non sono più disponibile per nuove offerte.',
    );
  } else {
    lines.push(
      options.about.kind === 'V'
        ? `Grazie per la candidatura. La invitiamo a un colloquio il ${rng.int(1, 28)} del mese prossimo alle ore ${rng.int(9, 17)}.`
        : 'Grazie per l’interesse: sono disponibile per un colloquio, anche telefonico, nei prossimi giorni.',
      rng.chance(0.5) ? 'Ci sentiamo ai recapiti indicati.' : 'Resto in attesa di conferma.',
    );
  }
  lines.push(`${rng.pick(closings)},`, sign);
  return lines.join('\n').slice(0, MAX_TEXT);
}

const interlocutore = (party: Party | undefined, itemCode?: string): XmlNode =>
  group('Interlocutore', [
    el('codicefiscale', party?.codiceFiscale),
    el('codiceintermediario', party?.codiceIntermediario),
    el('denominazione', party?.denominazione),
    el('indirizzo', party?.indirizzo),
    el('comune', party?.comune),
    el('telefono', party?.telefono),
    el('email', party?.email),
    el('codiceoffertacandidatura', itemCode),
  ]);

/**
 * A contact message in the ClicLavoro standard (Messaggio, Allegato 4 Rev.038), valid against its schema and the
 * rules: the Destinatario names the item it is about, a reply names the message it answers.
 */
export function generateMessaggio(rng: Random, options: MessaggioOptions): { code: string; xml: XmlNode; from: Party } {
  if ((options.tipo === '04') !== (options.previousCode !== undefined)) {
    throw new Error('a reply (04), and only a reply, names the message it answers (previousCode)');
  }
  const code = messageCode(options.node, options.tipo, isoDate(options.at), options.sequence);
  const from = sender(rng, options);
  const positive = options.tipo === '04' && rng.chance(0.7) ? rng.chance(0.6) : undefined;
  const xml = group('Messaggio', [
    group('Mittente', [el('tiposoggetto', from.tiposoggetto), interlocutore(from)]),
    group('Destinatario', [interlocutore(options.to, options.about.code)]),
    group('Corpo', [
      el('testomessaggio', text(rng, options, from, positive)),
      el('contattopositivo', positive === undefined ? undefined : positive ? 'SI' : 'NO'),
    ]),
    group('DatiSistema', [
      el('tipocomunicazione', options.tipo),
      el('data', options.at.toISOString().slice(0, 19)),
      el('codicemessaggio', code),
      el('codicemessaggioprecedente', options.previousCode),
    ]),
  ]);
  return { code, from, xml: { ...xml, attributes: { xmlns: Namespace.Messaggio } } };
}
