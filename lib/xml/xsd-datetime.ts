/**
 * Lexical and value checks of xs:date and xs:dateTime (XSD 1.0 Part 2, §3.2.7 and §3.2.9): a year of four or
 * more digits (not 0000), month and day that exist (29 February only in leap years), time 00:00:00 to
 * 23:59:59.999…, an optional time zone Z or ±hh:mm up to 14:00.
 *
 * Whitespace: XSD gives these types whiteSpace=collapse, so ' 2023-01-01 ' would be a valid date; libxml2
 * (xmllint) refuses it. ncn follows libxml2, the validator the differential test compares against, so that a
 * regional system and the node give the same verdict: no whitespace around a date.
 */
const DATE = /^(-?)(\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^(-?)(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function leap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, leap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** libxml2 keeps years in 32 bits: beyond ±2147483647 it refuses the value, and so does ncn. */
function validYear(digits: string): boolean {
  return !(digits.length > 4 && digits.startsWith('0')) && Number(digits) !== 0 && Number(digits) <= 2_147_483_647;
}

function validZone(zone: string | undefined): boolean {
  if (zone === undefined || zone === 'Z') return true;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  return minutes <= 59 && (hours < 14 || (hours === 14 && minutes === 0));
}

export function isXsdDate(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const [, sign, year, month, day, zone] = m;
  const y = Number(year) * (sign === '-' ? -1 : 1);
  return validYear(year ?? '') && validDay(Math.abs(y), Number(month), Number(day)) && validZone(zone);
}

export function isXsdDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (m === null) return false;
  const [, sign, year, month, day, hour, minute, second, fraction, zone] = m;
  const y = Number(year) * (sign === '-' ? -1 : 1);
  const endOfDay = hour === '24' && minute === '00' && second === '00' && Number(fraction ?? '0') === 0;
  return (
    validYear(year ?? '') &&
    validDay(Math.abs(y), Number(month), Number(day)) &&
    (endOfDay || (Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59)) &&
    validZone(zone)
  );
}
