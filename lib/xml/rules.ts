import { comune, stato } from '../../contracts/tables/comuni';
import type { Candidatura } from '../../contracts/xml/candidatura.types';
import type { Messaggio } from '../../contracts/xml/messaggio.types';
import type { Vacancy } from '../../contracts/xml/vacancy.types';
import { decodeCodiceFiscale, hasValidCheck } from './codice-fiscale';
import { IssueCode, error, warning, type Issue } from './issues';
import { dateToDays } from './rome-time';

/**
 * The rules beyond the standard's schema ("Modelli e regole" and the tables the fields refer to). They run on
 * documents that passed the schema, so every field has the form the schema gives it.
 */

/** `0000` is the standard's way of saying a comune is not known (comunecheck allows it). */
const NOT_GIVEN = '0000';

function checkCodiceFiscale(code: string | undefined, path: string, issues: Issue[]): void {
  if (code === undefined || hasValidCheck(code)) return;
  const what = /^\d{11}$/.test(code) ? 'check digit' : 'check character';
  issues.push(
    error(
      IssueCode.CodiceFiscaleCheck,
      path,
      /^(\d{11}|[A-Z0-9]{16})$/.test(code)
        ? `The codice fiscale ${code} has a wrong ${what}: check it for a typing error.`
        : `'${code}' is not a codice fiscale (16 characters for a person, 11 digits for an entity).`,
    ),
  );
}

/** A comune (current or suppressed) or, where allowed, a foreign state. */
function checkPlace(code: string | undefined, path: string, issues: Issue[], states: boolean): void {
  if (code === undefined || code === NOT_GIVEN) return;
  if (comune(code) !== undefined || (states && stato(code) !== undefined)) return;
  issues.push(
    error(
      IssueCode.ComuneUnknown,
      path,
      `${code} is not the cadastral (Belfiore) code of any comune${states ? ' or foreign state' : ''}.`,
    ),
  );
}

/** A comune that exists today: where someone lives or an office is. */
function checkCurrentComune(code: string, path: string, issues: Issue[], what: string): void {
  const found = comune(code);
  if (code === NOT_GIVEN || code.startsWith('Z') || (found === undefined && stato(code) !== undefined)) {
    issues.push(error(IssueCode.DomicileAbroad, path, `${what} must be a comune in Italy; ${code} is not.`));
  } else if (found === undefined) {
    issues.push(error(IssueCode.ComuneUnknown, path, `${code} is not the cadastral (Belfiore) code of any comune.`));
  } else if (found.to !== undefined || found.node === undefined) {
    issues.push(
      error(
        IssueCode.ComuneUnknown,
        path,
        `${code} (${found.name}) no longer exists${found.to ? ` since ${found.to}` : ''}.`,
      ),
    );
  }
}

function checkOrder(
  start: string | undefined,
  end: string | undefined,
  path: string,
  issues: Issue[],
  what: string,
): void {
  if (start === undefined || end === undefined) return;
  // Calendar days of a date or a date-time, any year, offsets aside.
  if (dateToDays(end) < dateToDays(start)) {
    issues.push(error(IssueCode.EndBeforeStart, path, `${what}: ${end} is before ${start}.`));
  }
}

function checkClose(type: string, reason: string | undefined, path: string, issues: Issue[]): void {
  if (type === '02' && (reason === undefined || reason.trim() === '')) {
    issues.push(error(IssueCode.CloseWithoutReason, path, 'A close (tipo 02) must give its motivochiusura.'));
  }
}

/** An intermediary that lets itself be contacted (visibilita SI) must give an e-mail to be contacted at. */
function checkIntermediaryContact(
  system: { codicefiscaleintermediario?: string; visibilita?: string; email?: string },
  path: string,
  issues: Issue[],
): void {
  if (system.codicefiscaleintermediario !== undefined && system.visibilita === 'SI' && !system.email) {
    issues.push(
      error(
        IssueCode.EmailRequired,
        `${path}/email`,
        'An intermediary with visibilita SI must give its e-mail for contacts.',
      ),
    );
  }
}

function checkConsistency(
  data: { codicefiscale: string; sesso: string; datanascita: string; idcomune: string },
  path: string,
  issues: Issue[],
): void {
  const decoded = decodeCodiceFiscale(data.codicefiscale);
  if (decoded === undefined) return;
  const [, year = '', month = '', day = ''] = /^-?(\d{4,})-(\d{2})-(\d{2})/.exec(data.datanascita) ?? [];
  const differences: string[] = [];
  if (
    decoded.yearOfCentury !== Number(year.slice(-2)) ||
    decoded.month !== Number(month) ||
    decoded.day !== Number(day)
  ) {
    differences.push(`birth date ${data.datanascita}`);
  }
  if (decoded.sex !== data.sesso) differences.push(`sex ${data.sesso}`);
  if (data.idcomune !== NOT_GIVEN && decoded.birthPlace !== data.idcomune)
    differences.push(`place of birth ${data.idcomune}`);
  if (differences.length > 0) {
    issues.push(
      warning(
        IssueCode.CodiceFiscaleInconsistent,
        path,
        `The codice fiscale ${data.codicefiscale} does not match the ${differences.join(', ')}.`,
      ),
    );
  }
}

export function candidaturaRules(doc: Candidatura): Issue[] {
  const issues: Issue[] = [];
  const base = '/Candidatura';
  const anagrafici = doc.Lavoratore.DatiAnagrafici;
  const pA = `${base}/Lavoratore/DatiAnagrafici`;
  checkCodiceFiscale(anagrafici.codicefiscale, `${pA}/codicefiscale`, issues);
  if (anagrafici.codicefiscale.length === 16 && hasValidCheck(anagrafici.codicefiscale)) {
    checkConsistency(anagrafici, `${pA}/codicefiscale`, issues);
  }
  checkPlace(anagrafici.idcomune, `${pA}/idcomune`, issues, true);
  checkCurrentComune(
    doc.Lavoratore.Domicilio.idcomune,
    `${base}/Lavoratore/Domicilio/idcomune`,
    issues,
    'The domicile',
  );
  doc.DatiCurriculari.EsperienzeLavorative.forEach((e, i, all) => {
    const at = `${base}/DatiCurriculari/EsperienzeLavorative${all.length > 1 ? `[${i + 1}]` : ''}`;
    checkOrder(e.datainizio, e.datafine, `${at}/datafine`, issues, 'The experience ends before it starts');
  });
  doc.DatiCurriculari.Formazione.forEach((f, i, all) => {
    checkPlace(
      f.idsede,
      `${base}/DatiCurriculari/Formazione${all.length > 1 ? `[${i + 1}]` : ''}/idsede`,
      issues,
      true,
    );
  });
  const system = doc.DatiSistema;
  const pS = `${base}/DatiSistema`;
  checkOrder(
    system.datainserimento,
    system.datascadenza,
    `${pS}/datascadenza`,
    issues,
    'The CV expires before it is inserted',
  );
  checkCodiceFiscale(system.codicefiscaleintermediario, `${pS}/codicefiscaleintermediario`, issues);
  checkPlace(system.idcomune, `${pS}/idcomune`, issues, false);
  checkClose(system.tipocandidatura, system.motivochiusura, `${pS}/motivochiusura`, issues);
  checkIntermediaryContact(system, pS, issues);
  return issues;
}

export function vacancyRules(doc: Vacancy): Issue[] {
  const issues: Issue[] = [];
  const base = '/Vacancy';
  checkCodiceFiscale(
    doc.DatoreLavoro.DatiAnagrafici.codicefiscale,
    `${base}/DatoreLavoro/DatiAnagrafici/codicefiscale`,
    issues,
  );
  checkCurrentComune(
    doc.DatoreLavoro.DatiContatto.idcomune,
    `${base}/DatoreLavoro/DatiContatto/idcomune`,
    issues,
    "The employer's address",
  );
  checkPlace(doc.Richiesta.CondizioniOfferte.idcomune, `${base}/Richiesta/CondizioniOfferte/idcomune`, issues, true);
  const durata = doc.Richiesta.DurataRichiesta;
  checkOrder(
    durata.datapubblicazione,
    durata.datascadenza,
    `${base}/Richiesta/DurataRichiesta/datascadenza`,
    issues,
    'The vacancy expires before it is published',
  );
  const system = doc.DatiSistema;
  const pS = `${base}/DatiSistema`;
  checkCodiceFiscale(system.codicefiscaleintermediario, `${pS}/codicefiscaleintermediario`, issues);
  checkPlace(system.idcomune, `${pS}/idcomune`, issues, false);
  checkClose(system.tipoofferta, system.motivochiusura, `${pS}/motivochiusura`, issues);
  checkIntermediaryContact(system, pS, issues);
  return issues;
}

/**
 * A contact message: the item it is about must be named (the schema leaves the element optional, the exchange
 * cannot route without it), a reply (04) must name the message it answers, and the parties' codici fiscali and
 * comuni must be real. Whether the item and the answered message exist is ingest's to check.
 */
export function messaggioRules(doc: Messaggio): Issue[] {
  const issues: Issue[] = [];
  const base = '/Messaggio';
  for (const [party, interlocutore] of [
    ['Mittente', doc.Mittente.Interlocutore],
    ['Destinatario', doc.Destinatario.Interlocutore],
  ] as const) {
    const at = `${base}/${party}/Interlocutore`;
    checkCodiceFiscale(interlocutore.codicefiscale, `${at}/codicefiscale`, issues);
    checkPlace(interlocutore.comune, `${at}/comune`, issues, true);
  }
  if (doc.Destinatario.Interlocutore.codiceoffertacandidatura === undefined) {
    issues.push(
      error(
        IssueCode.MessageItemMissing,
        `${base}/Destinatario/Interlocutore/codiceoffertacandidatura`,
        'A message must name the CV or vacancy it is about (codiceoffertacandidatura of the Destinatario).',
      ),
    );
  }
  const system = doc.DatiSistema;
  if (system.tipocomunicazione === '04' && system.codicemessaggioprecedente === undefined) {
    issues.push(
      error(
        IssueCode.ReplyWithoutPrevious,
        `${base}/DatiSistema/codicemessaggioprecedente`,
        'A reply (tipocomunicazione 04) must name, in codicemessaggioprecedente, the message of interest it answers.',
      ),
    );
  }
  return issues;
}
