import { Namespace, schemaFile, schemaModel, type DocumentKind } from '../../../contracts/xml/schemas';
import { generateCandidatura } from '../../../services/gen/candidatura';
import { Random } from '../../../services/gen/random';
import { generateVacancy } from '../../../services/gen/vacancy';
import type { XmlNode } from '../../../services/xml/xml-writer';
import { differential, differentialCase, expectAgreement, type DifferentialCase } from '../../support/differential';

/** How many documents per kind; NCN_DIFFERENTIAL_DOCS overrides (the issue asks for at least 10,000 in all). */
const perKind = Number(process.env.NCN_DIFFERENTIAL_DOCS ?? 5_000);

function cases(kind: DocumentKind, seed: number): DifferentialCase[] {
  const rng = new Random(seed);
  const at = new Date('2026-11-20T09:30:00Z');
  return Array.from({ length: perKind }, (_, i) => {
    const node = rng.pick(['01', '05', '12', '15', '19', '21', '22'] as const);
    const doc: XmlNode =
      kind === 'Candidatura'
        ? generateCandidatura(rng, { node, sequence: i, at }).xml
        : generateVacancy(rng, { node, sequence: i, at }).xml;
    return differentialCase(rng, doc);
  });
}

describe('the validator against libxml2 (xmllint) on the same schema files', () => {
  for (const [kind, seed] of [
    ['Candidatura', 2026 + Number(process.env.NCN_DIFFERENTIAL_SEED ?? 0)],
    ['Vacancy', 1977 + Number(process.env.NCN_DIFFERENTIAL_SEED ?? 0)],
  ] as const) {
    it(`agrees on every one of ${perKind} generated ${kind} documents, valid and mutated`, async () => {
      const all = cases(kind, seed);
      const result = await differential(`${kind} (${Namespace[kind]})`, all, schemaModel(kind), schemaFile[kind], 500);
      expectAgreement(result, all.length);
    }, 300_000);
  }
});
