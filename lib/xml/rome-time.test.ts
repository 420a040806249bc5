import { dateTimeToMillis, dateToDays, daysToDate, millisToDateTime } from './rome-time';

describe('dates and times of the standard as numbers', () => {
  it('counts days from 1970-01-01 and back', () => {
    expect(dateToDays('1970-01-02')).toBe(1);
    expect(dateToDays('2026-11-20')).toBe(20_777);
    expect(daysToDate(20_777)).toBe('2026-11-20');
    expect(dateToDays('1969-12-31')).toBe(-1);
  });

  it('reads a time without offset as Rome time, winter (+01:00) and summer (+02:00)', () => {
    expect(new Date(dateTimeToMillis('2026-01-15T10:00:00')).toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(new Date(dateTimeToMillis('2026-07-15T10:00:00')).toISOString()).toBe('2026-07-15T08:00:00.000Z');
  });

  it('honours an explicit offset and fractions of a second', () => {
    expect(new Date(dateTimeToMillis('2026-07-15T10:00:00Z')).toISOString()).toBe('2026-07-15T10:00:00.000Z');
    expect(new Date(dateTimeToMillis('2026-07-15T10:00:00.250-05:00')).toISOString()).toBe('2026-07-15T15:00:00.250Z');
  });

  it('writes an instant back as Rome time', () => {
    expect(millisToDateTime(Date.parse('2026-01-15T09:00:00Z'))).toBe('2026-01-15T10:00:00');
    expect(millisToDateTime(Date.parse('2026-07-15T08:00:00Z'))).toBe('2026-07-15T10:00:00');
    expect(millisToDateTime(dateTimeToMillis('2026-10-25T01:30:00'))).toBe('2026-10-25T01:30:00');
  });

  it('crosses the daylight-saving switches: the spring gap moves forward, the autumn repeat takes the later hour', () => {
    // 29 March 2026, 02:00 CET becomes 03:00 CEST: 02:30 does not exist on the clock.
    expect(millisToDateTime(dateTimeToMillis('2026-03-29T02:30:00'))).toBe('2026-03-29T03:30:00');
    // 25 October 2026, 03:00 CEST goes back to 02:00 CET: 02:30 happens twice.
    expect(new Date(dateTimeToMillis('2026-10-25T02:30:00')).toISOString()).toBe('2026-10-25T01:30:00.000Z');
  });

  it('handles years before 100 and before the common era', () => {
    expect(daysToDate(dateToDays('0085-12-10'))).toBe('0085-12-10');
    expect(daysToDate(dateToDays('-0044-03-15'))).toBe('-0044-03-15');
    expect(millisToDateTime(dateTimeToMillis('0050-06-01T12:00:00Z')).slice(0, 4)).toBe('0050');
  });

  it("writes every instant as Intl's Europe/Rome clock does, across switches and the 1893 change from Rome's mean time", () => {
    const clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Rome',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    const reference = (t: number): string => {
      const p = Object.fromEntries(clock.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
      return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
    };
    const instants: number[] = [];
    // Every 7 min 13.5 s through three years (the cache per hour is filled and then read), and each second around
    // the switches of 2026 and the change of 1 November 1893 (Rome mean time, +00:49:56, to CET).
    for (let t = Date.parse('2025-01-01T00:00:00Z'); t < Date.parse('2028-01-01T00:00:00Z'); t += 433_500)
      instants.push(t);
    for (const at of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '1893-10-31T23:10:04Z'])
      for (let t = Date.parse(at) - 3_700_000; t < Date.parse(at) + 3_700_000; t += 997) instants.push(t);
    const wrong = instants.filter((t) => millisToDateTime(t) !== reference(t));
    expect(wrong.map((t) => new Date(t).toISOString()).slice(0, 5)).toEqual([]);
  });
});
