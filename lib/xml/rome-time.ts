/**
 * Dates and times of the standard as Avro numbers. An xs:dateTime without an offset is Italian civil time
 * (Europe/Rome, with its daylight saving); one with an offset is that instant.
 */
const DAY_MS = 86_400_000;
const rome = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Rome',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Milliseconds Rome's wall clock is ahead of UTC at an instant, as Intl computes it (slow: a formatter call). */
function romeOffsetOf(instant: number): number {
  const parts = Object.fromEntries(rome.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const wall = utc(
    Number(parts.year),
    Number(parts.month),
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

const HOUR_MS = 3_600_000;
/** Per UTC hour, Rome's offset when it is the same at the hour's first and last millisecond; null when not. */
const offsetByHour = new Map<number, number | null>();

/**
 * Milliseconds Rome's wall clock is ahead of UTC at an instant. Offsets change a few times a year and never twice
 * within an hour, so an hour whose first and last millisecond have the same offset has it throughout: it is
 * kept per hour (a few thousand hours at most). An hour with a change in it is computed at each instant.
 */
function romeOffset(instant: number): number {
  const hour = Math.floor(instant / HOUR_MS);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const first = romeOffsetOf(hour * HOUR_MS);
    offset = first === romeOffsetOf(hour * HOUR_MS + HOUR_MS - 1) ? first : null;
    if (offsetByHour.size >= 50_000) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset ?? romeOffsetOf(instant);
}

/** Milliseconds of a UTC calendar time, for any year (Date.UTC reads years 0-99 as 1900-1999). */
function utc(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const DATE_PART = /^(-?\d{4,})-(\d{2})-(\d{2})/;

/** Days since 1970-01-01 of an xs:date (its offset, if any, is dropped: a date is a calendar day). */
export function dateToDays(value: string): number {
  const m = DATE_PART.exec(value);
  if (m === null) throw new Error(`not an xs:date: ${value}`);
  return Math.round(utc(Number(m[1]), Number(m[2]), Number(m[3])) / DAY_MS);
}

/** The calendar day of a day number, written as xs:date (four-digit years, a sign before BCE years). */
export function daysToDate(days: number): string {
  const d = new Date(days * DAY_MS);
  const year = d.getUTCFullYear();
  const y = `${year < 0 ? '-' : ''}${String(Math.abs(year)).padStart(4, '0')}`;
  return `${y}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Epoch milliseconds of an xs:dateTime; without offset it is Rome time. */
export function dateTimeToMillis(value: string): number {
  const m = DATE_TIME.exec(value);
  if (m === null) throw new Error(`not an xs:dateTime: ${value}`);
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  // Milliseconds are the precision kept: a longer fraction is cut, not rounded (so 59.9996 stays in its second).
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  const wall = utc(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone === 'Z') return wall;
  if (zone !== undefined) {
    const sign = zone.startsWith('-') ? -1 : 1;
    return wall - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  // Rome time: take the offset at the guess, then again at the result (it changes at the DST switch).
  const first = wall - romeOffset(wall);
  return wall - romeOffset(first);
}

/**
 * The xs:dateTime, in Rome time without offset, of an instant, to the second as the standard writes it. An
 * offset the sender gave is not kept: the instant is, written as Italian time.
 */
export function millisToDateTime(millis: number): string {
  const wall = millis + romeOffset(millis);
  return `${daysToDate(Math.floor(wall / DAY_MS))}T${new Date(wall).toISOString().slice(11, 19)}`;
}
