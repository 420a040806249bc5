import { dateTimeToMillis, dateToDays, daysToDate, millisToDateTime } from '../../../services/xml/rome-time';

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
});
