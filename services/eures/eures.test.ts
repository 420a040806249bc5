import { XMLValidator } from 'fast-xml-parser';
import { CircuitBreaker } from './breaker';
import { euresDocument } from '../../lib/eures/hr-open';
import { checkDocument } from '../../lib/eures/stub';
import { findCodiciFiscali } from '../../test/support/personal-data';
import { canonical } from '../../test/support/canonical';

describe('the HR-Open documents for EURES', () => {
  const cv = euresDocument(canonical('CANDIDATURA', { scope: '03' }));
  const vacancy = euresDocument(canonical('VACANCY'));

  it('are well-formed, carry the elements EURES requires, and pass the receiver checks', () => {
    for (const [kind, doc] of [
      ['CANDIDATURA', cv],
      ['VACANCY', vacancy],
    ] as const) {
      expect(XMLValidator.validate(doc)).toBe(true);
      expect(checkDocument(kind, doc)).toBeUndefined();
    }
    expect(cv).toContain('<JobCategoryCode listName="ISCO2008" listVersionID="major-group"');
    expect(vacancy).toContain('<CountryCode>IT</CountryCode>');
  });

  it('never carry a codice fiscale, a name or a contact of the worker or employer (rule 7)', () => {
    for (const doc of [cv, vacancy]) {
      expect(findCodiciFiscali(doc)).toEqual([]);
      for (const personal of ['Rossi', 'Mario', '1985-12-10', 'mario.rossi@example.it', '3331234567', 'lavora@dagino'])
        expect(doc).not.toContain(personal);
    }
  });

  it('the receiver refuses a document without its required elements, in another namespace, or with a codice fiscale', () => {
    expect(checkDocument('CANDIDATURA', '<Candidate')).toMatch(/well-formed/);
    expect(checkDocument('CANDIDATURA', cv.replace('http://www.hr-xml.org/3', 'urn:x'))).toMatch(/namespace/);
    expect(checkDocument('VACANCY', vacancy.replace(/<JobCategoryCode[^>]*>[^<]*<\/JobCategoryCode>/, ''))).toMatch(
      /JobCategoryCode/,
    );
    expect(
      checkDocument('CANDIDATURA', cv.replace('</DocumentID>', '</DocumentID><Note>RSSMRA85T10A562S</Note>')),
    ).toMatch(/codice fiscale/);
    expect(checkDocument('VACANCY', cv)).toMatch(/PositionOpening/);
  });
});

describe('the circuit breaker', () => {
  const settings = { failures: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 };

  it('opens after consecutive failures, lets one probe through after the cooldown, closes on success', () => {
    const b = new CircuitBreaker(settings);
    b.failure(0);
    b.failure(0);
    expect(b.state).toBe('closed');
    expect(b.waitMs(0)).toBe(0);
    b.failure(10);
    expect(b.state).toBe('open');
    expect(b.waitMs(500)).toBe(510);
    expect(b.waitMs(1_010)).toBe(0);
    expect(b.state).toBe('half-open');
    expect(b.waitMs(1_010)).toBeGreaterThan(0);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.waitMs(1_011)).toBe(0);
  });

  it('doubles the cooldown when the probe fails, up to the maximum, and a success resets it', () => {
    const b = new CircuitBreaker(settings);
    for (let i = 0; i < 3; i++) b.failure(0);
    let now = 0;
    for (const cooldown of [2_000, 4_000, 4_000]) {
      now += 10_000;
      expect(b.waitMs(now)).toBe(0);
      b.failure(now);
      expect(b.waitMs(now)).toBe(cooldown);
    }
    now += 10_000;
    b.waitMs(now);
    b.success();
    for (let i = 0; i < 3; i++) b.failure(now);
    expect(b.waitMs(now)).toBe(1_000);
  });

  it('a success in between resets the count of consecutive failures', () => {
    const b = new CircuitBreaker(settings);
    b.failure(0);
    b.failure(0);
    b.success();
    b.failure(0);
    b.failure(0);
    expect(b.state).toBe('closed');
  });
});
