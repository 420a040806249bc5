import { validateDocument } from './validate';
import { candidaturaCases, validCandidatura, validVacancy, vacancyCases } from '../../test/support/xml-cases';

describe('validateDocument', () => {
  it('accepts the hand-written CV and vacancy of the standard as typed data', () => {
    const cv = validateDocument(Buffer.from(validCandidatura));
    expect(cv).toMatchObject({ valid: true, kind: 'Candidatura', issues: [] });
    expect(cv.submission?.kind === 'Candidatura' && cv.submission.document.Lavoratore.DatiAnagrafici.cognome).toBe(
      'Rossi',
    );
    expect(cv.submission?.kind === 'Candidatura' && cv.submission.document.DatiCurriculari.Lingue).toHaveLength(1);

    const vacancy = validateDocument(Buffer.from(validVacancy));
    expect(vacancy).toMatchObject({ valid: true, kind: 'Vacancy', issues: [] });
    expect(vacancy.submission?.kind === 'Vacancy' && vacancy.submission.document.AltreInformazioni['N.O.']).toBe('SI');
  });

  describe.each([
    ['CV', candidaturaCases],
    ['vacancy', vacancyCases],
  ] as const)('a %s with', (_, cases) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s is flagged with its code and path', (_name, c) => {
      const verdict = validateDocument(c.bytes);
      const issue = verdict.issues.find((i) => i.code === c.code);
      expect(issue).toMatchObject({ code: c.code, path: c.path, severity: c.severity ?? 'error' });
      expect(issue?.message.length).toBeGreaterThan(10);
      expect(verdict.valid).toBe(c.severity === 'warning');
    });
  });

  it('returns every schema error, not just the first', () => {
    const twoErrors = validCandidatura
      .replace('<sesso>M</sesso>', '<sesso>X</sesso>')
      .replace('<cap>00184</cap>', '<cap>1</cap>');
    expect(validateDocument(Buffer.from(twoErrors)).issues.map((i) => i.code)).toEqual([
      'XSD_ENUMERATION',
      'XSD_PATTERN',
    ]);
  });
});
