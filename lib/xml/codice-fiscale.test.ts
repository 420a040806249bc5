import {
  checkDigit,
  decodeCodiceFiscale,
  deomocode,
  encodeCodiceFiscale,
  hasValidCheck,
  omocode,
} from './codice-fiscale';

describe('codice fiscale', () => {
  it('computes the check character of personal codes', () => {
    expect(hasValidCheck('RSSMRA85T10A562S')).toBe(true);
    expect(hasValidCheck('RSSMRA85T10A562T')).toBe(false);
  });

  it('encodes a person as the ministerial algorithm does', () => {
    expect(
      encodeCodiceFiscale({ surname: 'Rossi', name: 'Mario', birthDate: '1985-12-10', sex: 'M', birthPlace: 'A562' }),
    ).toBe('RSSMRA85T10A562S');
    // Four or more consonants in the name: first, third and fourth. Women's day of birth plus 40.
    expect(
      encodeCodiceFiscale({
        surname: 'Bianchi',
        name: 'Giovanna',
        birthDate: '1990-03-05',
        sex: 'F',
        birthPlace: 'H501',
      }),
    ).toBe('BNCGNN90C45H501Q');
    // Short surnames are padded with X; accents are dropped; NCCL has four consonants: N, C, L.
    expect(
      encodeCodiceFiscale({
        surname: 'Fo',
        name: 'Niccolò',
        birthDate: '1926-03-24',
        sex: 'M',
        birthPlace: 'E734',
      }).slice(0, 6),
    ).toBe('FOXNCL');
  });

  it('accepts omocodic codes and decodes them back', () => {
    const code = 'RSSMRA85T10A562S';
    for (let n = 1; n <= 7; n++) {
      const omocodic = omocode(code, n);
      expect(hasValidCheck(omocodic)).toBe(true);
      expect(deomocode(omocodic).slice(0, 15)).toBe(code.slice(0, 15));
    }
    expect(omocode(code, 1)).toBe('RSSMRA85T10A56NH');
  });

  it('decodes birth date, sex and place', () => {
    expect(decodeCodiceFiscale('BNCGNN90C45H501Q')).toEqual({
      yearOfCentury: 90,
      month: 3,
      day: 5,
      sex: 'F',
      birthPlace: 'H501',
    });
    expect(decodeCodiceFiscale('RSSMRA85Z10A562S')).toBeUndefined();
  });

  it('checks the digit of 11-digit codes of entities', () => {
    expect(hasValidCheck('00488410010')).toBe(true);
    expect(hasValidCheck('00488410011')).toBe(false);
    expect(checkDigit('8001117050')).toBe('5');
  });
});
