import { xsdPattern } from './xsd-regex';

describe('xsdPattern', () => {
  it('anchors the pattern to the whole value', () => {
    expect(xsdPattern('[0-9]{5}').test('00184')).toBe(true);
    expect(xsdPattern('[0-9]{5}').test('001845')).toBe(false);
    expect(xsdPattern('[0-9]{3}|[A-Z]{3}|WU').test('ENGX')).toBe(false);
  });

  it('reads \\d as any Unicode decimal digit, as XSD does', () => {
    expect(xsdPattern('\\d{2}').test('٣٤')).toBe(true);
    expect(xsdPattern('\\d{2}').test('AB')).toBe(false);
  });

  it('keeps ^ and $ as ordinary characters outside classes', () => {
    expect(xsdPattern('a$b').test('a$b')).toBe(true);
    expect(xsdPattern('[^a]').test('b')).toBe(true);
  });

  it('compiles the standard e-mail pattern', () => {
    const mail = xsdPattern(
      "([A-Za-z0-9!#-'\\*\\+\\-/=\\?\\^_`\\{-~]+(\\.[A-Za-z0-9!#-'\\*\\+\\-/=\\?\\^_`\\{-~]+)*@[A-Za-z0-9!#-'\\*\\+\\-/=\\?\\^_`\\{-~]+(\\.[A-Za-z0-9!#-'\\*\\+\\-/=\\?\\^_`\\{-~]+)*)?",
    );
    expect(mail.test('mario.rossi@example.it')).toBe(true);
    expect(mail.test('mario rossi@example.it')).toBe(false);
    expect(mail.test('')).toBe(true);
  });

  it('reads no range from an escaped character in a class, as libxml2 does: [\\{-~] is { and ~', () => {
    const braces = xsdPattern('[\\{-~]');
    expect(['{', '~', '|', '}', '-'].map((c) => braces.test(c))).toEqual([true, true, false, false, false]);
    expect(xsdPattern('[\\.--]').test('-')).toBe(true);
    expect(xsdPattern('[\\{-]').test('-')).toBe(true);
    expect(xsdPattern('[#-\\*]').test(')')).toBe(true);
  });
});
