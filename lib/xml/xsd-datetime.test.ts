import { isXsdDate, isXsdDateTime } from './xsd-datetime';

describe('xs:date', () => {
  it.each([
    '2024-02-29',
    '2023-12-31',
    '2023-01-01Z',
    '2023-01-01+01:00',
    '2023-01-01-14:00',
    '12023-01-01',
    '-0044-03-15',
  ])('accepts %s', (value) => expect(isXsdDate(value)).toBe(true));
  it.each([
    '2023-02-29',
    '1900-02-29',
    '2023-04-31',
    '2023-13-01',
    '2023-1-01',
    '0000-01-01',
    '02023-01-01',
    '2023-01-01+15:00',
    ' 2023-01-01',
    '',
  ])('refuses %j', (value) => expect(isXsdDate(value)).toBe(false));
});

describe('xs:dateTime', () => {
  it.each(['2023-01-01T10:00:00', '2023-01-01T10:00:00.123Z', '2023-01-01T23:59:59-05:00', '2023-01-01T24:00:00'])(
    'accepts %s',
    (value) => expect(isXsdDateTime(value)).toBe(true),
  );
  it.each([
    '2023-01-01T24:00:01',
    '2023-01-01T10:60:00',
    '2023-01-01T10:00',
    '2023-01-01 10:00:00',
    '2023-01-01',
    '2023-02-30T10:00:00',
  ])('refuses %j', (value) => expect(isXsdDateTime(value)).toBe(false));
});
