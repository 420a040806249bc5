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

/** Milliseconds Rome's wall clock is ahead of UTC at an instant. */
function romeOffset(instant: number): number {
  const parts = Object.fromEntries(rome.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

/** Days since 1970-01-01 of an xs:date (its offset, if any, is dropped: a date is a calendar day). */
export function dateToDays(value: string): number {
  const [y, m, d] = value
    .slice(value.startsWith('-') ? 1 : 0)
    .split('-')
    .map((p) => parseInt(p, 10));
  const sign = value.startsWith('-') ? -1 : 1;
  return Math.round(Date.UTC(sign * (y ?? 0), (m ?? 1) - 1, d ?? 1) / DAY_MS);
}

export function daysToDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

const DATE_TIME = /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Epoch milliseconds of an xs:dateTime; without offset it is Rome time. */
export function dateTimeToMillis(value: string): number {
  const m = DATE_TIME.exec(value);
  if (m === null) throw new Error(`not an xs:dateTime: ${value}`);
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const ms = fraction === undefined ? 0 : Math.round(Number(`0${fraction}`) * 1000);
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone === 'Z') return wall;
  if (zone !== undefined) {
    const sign = zone.startsWith('-') ? -1 : 1;
    return wall - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  // Rome time: take the offset at the guess, then again at the result (it changes at the DST switch).
  const first = wall - romeOffset(wall);
  return wall - romeOffset(first);
}

/** The xs:dateTime, in Rome time without offset, of an instant (seconds precision, as the standard writes). */
export function millisToDateTime(millis: number): string {
  return new Date(millis + romeOffset(millis)).toISOString().slice(0, 19);
}
