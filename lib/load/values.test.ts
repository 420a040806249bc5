import { codiceFiscaleProblem, readCents, readDate, readDateTime, writeCents, writeDateTime } from './values';
import { dateTimeToMillis, daysToDate } from '../xml/rome-time';

describe('values of the feeds', () => {
  it('reads euro amounts (xs:decimal) as whole cents, exactly', () => {
    const cents = (text: string): number | string => {
      const r = readCents(text);
      return r.ok ? r.value : r.problem;
    };
    expect(['0', '1200.5', '28450.00', '.75', '7.', '+3.10', '-12.340000', '0.10', '90071992547409.91'].map(cents)).toEqual(
      [0, 120050, 2845000, 75, 700, 310, -1234, 10, 9007199254740991],
    ); // prettier-ignore
    expect(cents('12.345')).toMatch(/has more than two decimals/);
    expect(cents('1.200,50')).toMatch(/is not an amount in euro/);
    expect(cents('')).toMatch(/is not an amount in euro/);
    expect(cents('1e3')).toMatch(/is not an amount in euro/);
    expect(cents('90071992547409.92')).toMatch(/is too large an amount/);
  });

  it('writes cents back as euro with two decimals', () => {
    expect([0, 5, 120050, -1234, 9007199254740991].map(writeCents)).toEqual([
      '0.00',
      '0.05',
      '1200.50',
      '-12.34',
      '90071992547409.91',
    ]);
  });

  it('reads dates that exist, with or without an offset, as days', () => {
    expect(readDate('1970-01-01')).toEqual({ ok: true, value: 0 });
    expect(readDate('2024-02-29+01:00')).toEqual({ ok: true, value: 19782 });
    for (const bad of ['2023-02-29', '2026-13-01', '2026-1-01', '01/02/2026', ' 2026-01-01']) {
      expect(readDate(bad)).toMatchObject({ ok: false });
    }
  });

  it("reads date-times as lib/xml/rome-time.ts does, Rome's hours included (every half hour of 2026)", () => {
    for (let day = 20454; day < 20454 + 365; day++) {
      for (let hour = 0; hour < 24; hour++) {
        const text = `${daysToDate(day)}T${String(hour).padStart(2, '0')}:30:15.250`;
        expect(readDateTime(text)).toEqual({ ok: true, value: dateTimeToMillis(text) });
      }
    }
    expect(readDateTime('2026-11-20T09:15:30+05:00')).toEqual({ ok: true, value: Date.UTC(2026, 10, 20, 4, 15, 30) });
    for (const bad of ['2026-11-20', '2026-11-20T24:00:00', '2026-11-20T09:60:00', '2026-02-30T09:00:00']) {
      expect(readDateTime(bad)).toMatchObject({ ok: false });
    }
  });

  it('writes a time back in Rome time, with milliseconds only when it has them', () => {
    expect(writeDateTime(Date.UTC(2026, 10, 20, 8, 15, 30))).toBe('2026-11-20T09:15:30');
    expect(writeDateTime(Date.UTC(2026, 6, 1, 8, 15, 30, 7))).toBe('2026-07-01T10:15:30.007');
  });

  it('checks a codice fiscale by the pattern of the schemas and its check character', () => {
    expect(codiceFiscaleProblem('RSSMRA85T10A562S', false)).toBeUndefined();
    expect(codiceFiscaleProblem('RSSMRA85T10A56NH', false)).toBeUndefined(); // omocodia
    expect(codiceFiscaleProblem('00488410010', true)).toBeUndefined();
    expect(codiceFiscaleProblem('00488410010', false)).toMatch(/is not a codice fiscale: it has 16 characters/);
    expect(codiceFiscaleProblem('RSSMRA85T10A562', true)).toMatch(/16 characters .* or 11 digits/);
  });
});
