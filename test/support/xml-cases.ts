import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The hand-written valid documents of the standard. */
export const validCandidatura = readFileSync(join(__dirname, '../fixtures/xml/candidatura-valid.xml'), 'utf8');
export const validVacancy = readFileSync(join(__dirname, '../fixtures/xml/vacancy-valid.xml'), 'utf8');

/** One invalid document per error class: what was done to a valid one, and the issue it must raise. */
export interface InvalidCase {
  readonly name: string;
  readonly bytes: Buffer;
  readonly code: string;
  readonly path: string;
  readonly severity?: 'warning';
}

function edit(source: string, from: string | RegExp, to: string): string {
  const out = source.replace(from, to);
  if (out === source) throw new Error(`edit did not apply: ${String(from)}`);
  return out;
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const cv = (from: string | RegExp, to: string): Buffer => text(edit(validCandidatura, from, to));
const va = (from: string | RegExp, to: string): Buffer => text(edit(validVacancy, from, to));

const A = '/Candidatura/Lavoratore/DatiAnagrafici';
const S = '/Candidatura/DatiSistema';
const V = '/Vacancy';

/** Classes that any document can hit, shown on a CV. */
export const candidaturaCases: readonly InvalidCase[] = [
  { name: 'too large', bytes: cv('<cognome>Rossi', `<cognome>${'R'.repeat(600_000)}`), code: 'XML_TOO_LARGE', path: '/' },
  { name: 'not UTF-8', bytes: Buffer.concat([text(validCandidatura.slice(0, 300)), Buffer.from([0xe8]), text(validCandidatura.slice(300))]), code: 'XML_INVALID_UTF8', path: '/' },
  { name: 'another encoding', bytes: cv('encoding="UTF-8"', 'encoding="ISO-8859-1"'), code: 'XML_UNSUPPORTED_ENCODING', path: '/' },
  { name: 'a DOCTYPE', bytes: cv('<Candidatura ', '<!DOCTYPE Candidatura [<!ENTITY x "y">]>\n<Candidatura '), code: 'XML_DOCTYPE_FORBIDDEN', path: '/' },
  { name: 'a control character', bytes: cv('<nome>Mario', '<nome>Ma\u0007rio'), code: 'XML_INVALID_CHARACTER', path: '/' },
  { name: 'nesting too deep', bytes: cv('<nome>Mario</nome>', `<nome>${'<x>'.repeat(40)}${'</x>'.repeat(40)}</nome>`), code: 'XML_TOO_DEEP', path: '/' },
  { name: 'not well-formed', bytes: cv('</cognome>', '</cognom>'), code: 'XML_MALFORMED', path: '/' },
  { name: 'an unknown root', bytes: cv(/Candidatura xmlns="[^"]+"/, 'Candidatura xmlns="http://example.org/cv"'), code: 'XSD_UNKNOWN_DOCUMENT', path: '/Candidatura' },
  { name: 'an element out of order', bytes: cv('<cognome>Rossi</cognome>\n      <nome>Mario</nome>', '<nome>Mario</nome>\n      <cognome>Rossi</cognome>'), code: 'XSD_MISSING_ELEMENT', path: `${A}/cognome` },
  { name: 'a required element missing', bytes: cv(/\s*<email>[^<]*<\/email>/, ''), code: 'XSD_MISSING_ELEMENT', path: '/Candidatura/Lavoratore/Recapiti/email' },
  { name: 'an unknown element', bytes: cv('<sesso>M</sesso>', '<sesso>M</sesso><nota>x</nota>'), code: 'XSD_UNEXPECTED_ELEMENT', path: `${A}/nota` },
  { name: 'an attribute', bytes: cv('<nome>', '<nome lang="it">'), code: 'XSD_ATTRIBUTE_NOT_ALLOWED', path: `${A}/nome/@lang` },
  { name: 'text in a complex element', bytes: cv('<Domicilio>', '<Domicilio>via'), code: 'XSD_TEXT_NOT_ALLOWED', path: '/Candidatura/Lavoratore/Domicilio' },
  { name: 'a child in a value', bytes: cv('<nome>Mario</nome>', '<nome><primo>Mario</primo></nome>'), code: 'XSD_CHILD_NOT_ALLOWED', path: `${A}/nome` },
  { name: 'a pattern broken', bytes: cv('<cap>00184</cap>', '<cap>184</cap>'), code: 'XSD_PATTERN', path: '/Candidatura/Lavoratore/Domicilio/cap' },
  { name: 'a value off the list', bytes: cv('<sesso>M</sesso>', '<sesso>X</sesso>'), code: 'XSD_ENUMERATION', path: `${A}/sesso` },
  { name: 'an empty required value', bytes: cv('<cognome>Rossi</cognome>', '<cognome></cognome>'), code: 'XSD_MIN_LENGTH', path: `${A}/cognome` },
  { name: 'a value too long', bytes: cv('<cognome>Rossi', `<cognome>${'R'.repeat(51)}`), code: 'XSD_MAX_LENGTH', path: `${A}/cognome` },
  { name: 'an impossible date', bytes: cv('<datanascita>1985-12-10', '<datanascita>1985-02-30'), code: 'XSD_DATE', path: `${A}/datanascita` },
  { name: 'a bad date-time', bytes: cv('<datainserimento>2026-11-20T09:30:00', '<datainserimento>2026-11-20 09:30'), code: 'XSD_DATETIME', path: `${S}/datainserimento` },
  { name: 'a wrong check character', bytes: cv('RSSMRA85T10A562S', 'RSSMRA85T10A562T'), code: 'CF_CHECK_CHARACTER', path: `${A}/codicefiscale` },
  { name: 'a codice fiscale not matching the birth date (warning only)', bytes: cv('<datanascita>1985-12-10', '<datanascita>1986-12-10'), code: 'CF_INCONSISTENT', path: `${A}/codicefiscale`, severity: 'warning' },
  { name: 'an unknown comune', bytes: cv('<idcomune>A562</idcomune>', '<idcomune>A000</idcomune>'), code: 'COMUNE_UNKNOWN', path: `${A}/idcomune` },
  { name: 'a domicile abroad', bytes: cv('<idcomune>H501</idcomune>', '<idcomune>Z404</idcomune>'), code: 'DOMICILE_NOT_IN_ITALY', path: '/Candidatura/Lavoratore/Domicilio/idcomune' },
  { name: 'an end before the start', bytes: cv('<datafine>2022-06-30', '<datafine>2014-06-30'), code: 'DATE_END_BEFORE_START', path: '/Candidatura/DatiCurriculari/EsperienzeLavorative/datafine' },
  { name: 'a close without its reason', bytes: cv('<tipocandidatura>01', '<tipocandidatura>02'), code: 'CLOSE_WITHOUT_MOTIVOCHIUSURA', path: `${S}/motivochiusura` },
  {
    name: 'a visible intermediary without e-mail',
    bytes: cv('<tipocandidatura>', '<codicefiscaleintermediario>00488410010</codicefiscaleintermediario>\n    <visibilita>SI</visibilita>\n    <tipocandidatura>'),
    code: 'EMAIL_REQUIRED',
    path: `${S}/email`,
  },
]; // prettier-ignore

/** The classes a vacancy can hit beyond the ones any document can. */
export const vacancyCases: readonly InvalidCase[] = [
  { name: 'a required element missing', bytes: va(/\s*<cl:settore>[^<]*<\/cl:settore>/, ''), code: 'XSD_MISSING_ELEMENT', path: `${V}/DatoreLavoro/DatiAnagrafici/settore` },
  { name: 'a pattern broken', bytes: va('<cl:settore>56.10.11', '<cl:settore>56.1.11'), code: 'XSD_PATTERN', path: `${V}/DatoreLavoro/DatiAnagrafici/settore` },
  { name: 'a code of the wrong length', bytes: va('<cl:codiceofferta>08V2026112000000000000001', '<cl:codiceofferta>08V20261120'), code: 'XSD_MIN_LENGTH', path: `${V}/DatiSistema/codiceofferta` },
  { name: 'a wrong check digit', bytes: va('<cl:codicefiscale>00488410010', '<cl:codicefiscale>00488410011'), code: 'CF_CHECK_CHARACTER', path: `${V}/DatoreLavoro/DatiAnagrafici/codicefiscale` },
  { name: 'an unknown comune', bytes: va('<cl:idcomune>A944</cl:idcomune>\n      <cl:cap>', '<cl:idcomune>B000</cl:idcomune>\n      <cl:cap>'), code: 'COMUNE_UNKNOWN', path: `${V}/DatoreLavoro/DatiContatto/idcomune` },
  { name: 'an expiry before publication', bytes: va('<cl:datascadenza>2027-01-15', '<cl:datascadenza>2026-10-15'), code: 'DATE_END_BEFORE_START', path: `${V}/Richiesta/DurataRichiesta/datascadenza` },
  { name: 'a close without its reason', bytes: va('<cl:tipoofferta>01', '<cl:tipoofferta>02'), code: 'CLOSE_WITHOUT_MOTIVOCHIUSURA', path: `${V}/DatiSistema/motivochiusura` },
  {
    name: 'a visible intermediary without e-mail',
    bytes: va('<cl:tipoofferta>', '<cl:codicefiscaleintermediario>RSSMRA85T10A562S</cl:codicefiscaleintermediario>\n    <cl:visibilita>SI</cl:visibilita>\n    <cl:tipoofferta>'),
    code: 'EMAIL_REQUIRED',
    path: `${V}/DatiSistema/email`,
  },
]; // prettier-ignore
