import { comune } from '../../contracts/tables/comuni';
import { hasValidCheck } from '../xml/codice-fiscale';
import { dateTimeToMillis, dateToDays, daysToDate, millisToDateTime } from '../xml/rome-time';

/** A value read from its text, or a sentence saying what is wrong and what to write instead. */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const problem = <T>(text: string): Read<T> => ({ ok: false, problem: text });

// xs:date with an optional offset (dropped: a date is a calendar day). did_inps.xsd's Data is the plain form.
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/;

/** An xs:date as days since 1970-01-01; the day must exist (2026-02-30 does not). */
export function readDate(text: string): Read<number> {
  const m = DATE.exec(text);
  if (m !== null) {
    const days = dateToDays(text);
    if (daysToDate(days) === `${m[1]}-${m[2]}-${m[3]}`) return ok(days);
  }
  return problem(`'${text}' is not a date: write it as YYYY-MM-DD, a day that exists (e.g. 2026-02-28).`);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Rome-time hours already converted (`2026-11-20T09` → its epoch milliseconds), bounded. */
const romeHours = new Map<string, number>();

/**
 * An xs:dateTime without offset as epoch milliseconds. Rome's offset changes only on the hour, so each hour is
 * converted once (the time-zone lookup is slow) and the minutes, seconds and fraction added.
 */
function romeMillis(hour: string, minute: number, second: number, fraction: string | undefined): number {
  let base = romeHours.get(hour);
  if (base === undefined) {
    if (romeHours.size >= 10_000) romeHours.clear();
    base = dateTimeToMillis(`${hour}:00:00`);
    romeHours.set(hour, base);
  }
  return (
    base + (minute * 60 + second) * 1000 + (fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000))
  );
}

/** An xs:dateTime as epoch milliseconds; without an offset it is Italian time (Europe/Rome). */
export function readDateTime(text: string): Read<number> {
  const m = DATE_TIME.exec(text);
  if (m !== null && readDate(`${m[1]}-${m[2]}-${m[3]}`).ok && Number(m[4]) < 24 && Number(m[5]) < 60) {
    if (Number(m[6]) >= 60) return problem(dateTimeProblem(text));
    if (m[8] !== undefined) return ok(dateTimeToMillis(text));
    return ok(romeMillis(text.slice(0, 13), Number(m[5]), Number(m[6]), m[7]));
  }
  return problem(dateTimeProblem(text));
}

function dateTimeProblem(text: string): string {
  return `'${text}' is not a date-time: write it as YYYY-MM-DDThh:mm:ss, Italian time (e.g. 2026-11-20T09:15:30), or with an offset (…+01:00).`;
}

/** Writes epoch milliseconds as an xs:dateTime in Italian time, with milliseconds when there are any. */
export function writeDateTime(millis: number): string {
  const ms = ((millis % 1000) + 1000) % 1000;
  return ms === 0 ? millisToDateTime(millis) : `${millisToDateTime(millis)}.${String(ms).padStart(3, '0')}`;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** An xs:decimal amount in euro as whole cents; more than two decimals (other than zeros) cannot be kept. */
export function readCents(text: string): Read<number> {
  const m = DECIMAL.exec(text);
  const [, sign = '', whole = '', fraction = ''] = m ?? [];
  if (m === null || whole + fraction === '') {
    return problem(`'${text}' is not an amount in euro: write digits with a dot before the cents (e.g. 1200.50).`);
  }
  if (/[1-9]/.test(fraction.slice(2))) {
    return problem(`'${text}' has more than two decimals: amounts are kept in euro cents, round it to two decimals.`);
  }
  const cents = Number(`${sign}${whole || '0'}${fraction.slice(0, 2).padEnd(2, '0')}`);
  if (!Number.isSafeInteger(cents)) return problem(`'${text}' is too large an amount.`);
  return ok(cents === 0 ? 0 : cents);
}

/** Writes cents as an xs:decimal in euro with two decimals. */
export function writeCents(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

// The pattern of the schemas: a personal code, omocodic letters allowed where digits go.
const PERSONAL = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;
const NUMERIC = /^\d{11}$/;

/**
 * Why a text is not an acceptable codice fiscale, or undefined when it is: the schema's pattern, then the check
 * character (lib/xml/codice-fiscale.ts). `numeric` also accepts 11 digits (a company, or a person's
 * provisional code).
 */
export function codiceFiscaleProblem(text: string, numeric: boolean): string | undefined {
  const shapes = numeric
    ? '16 characters (e.g. RSSMRA85T10A562S) or 11 digits'
    : '16 characters (e.g. RSSMRA85T10A562S)';
  if (PERSONAL.test(text.toUpperCase()) && text !== text.toUpperCase()) {
    return `'${text}' must be written in capital letters.`;
  }
  if (!PERSONAL.test(text) && !(numeric && NUMERIC.test(text))) {
    return `'${text}' is not a codice fiscale: it has ${shapes}.`;
  }
  if (!hasValidCheck(text)) {
    return `'${text}' fails its ${text.length === 11 ? 'check digit' : 'check character'}: a character is mistyped, correct the code.`;
  }
  return undefined;
}

/** Why a Belfiore code is not a comune's, or undefined when it is (contracts/tables/comuni). */
export function comuneProblem(code: string): string | undefined {
  return comune(code) === undefined
    ? `'${code}' is not the Belfiore code of a comune (e.g. H501 for Roma): the domicile decides which node receives the record.`
    : undefined;
}

/** Why a text is not one of the values allowed, or undefined when it is. */
export function oneOfProblem(text: string, allowed: readonly string[]): string | undefined {
  return allowed.includes(text) ? undefined : `'${text}' is not one of ${allowed.join(', ')}.`;
}
