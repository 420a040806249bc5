import type { NodeId } from '../../contracts/nodes';
import type { Messaggio } from '../../contracts/xml/messaggio.types';
import { schemaFile } from '../../contracts/xml/schemas';
import { itemCode } from './item-code';
import { generateMessaggio, type MessaggioOptions } from './messaggio';
import { Random } from './random';
import { hasValidCheck } from '../xml/codice-fiscale';
import { validateDocument } from '../xml/validate';
import { writeXml } from '../xml/xml-writer';
import { xmllintVerdicts } from '../../test/support/xmllint';

const nodes: readonly NodeId[] = ['01', '03', '05', '08', '12', '15', '19', '21', '22'];
const at = new Date('2026-11-20T15:42:07Z');

/** A 03 and, half of the time, a 04 answering it from another node, about a random CV or vacancy. */
function* conversations(seed: number, n: number): Generator<{ options: MessaggioOptions; xml: string }> {
  const rng = new Random(seed);
  for (let i = 0; i < n; i++) {
    const kind = rng.pick(['C', 'V'] as const);
    const owner = rng.pick(nodes);
    const about = { code: itemCode(owner, kind, '2026-11-20', rng.int(1, 5000)), kind };
    const interest: MessaggioOptions = { node: rng.pick(nodes), tipo: '03', about, at, sequence: 2 * i };
    const first = generateMessaggio(rng, interest);
    yield { options: interest, xml: writeXml(first.xml) };
    if (rng.chance(0.5)) {
      const reply: MessaggioOptions = {
        node: owner,
        tipo: '04',
        about,
        previousCode: first.code,
        to: first.from,
        at: new Date(at.getTime() + 3_600_000),
        sequence: 2 * i + 1,
      };
      yield { options: reply, xml: writeXml(generateMessaggio(rng, reply).xml) };
    }
  }
}

const documentOf = (xml: string): Messaggio => {
  const verdict = validateDocument(Buffer.from(xml));
  if (verdict.submission?.kind !== 'Messaggio') throw new Error(`not a valid Messaggio: ${xml}`);
  return verdict.submission.document;
};

describe('generateMessaggio', () => {
  it('writes every message valid against the schema and the rules, with no issue at all', () => {
    let count = 0;
    for (const { xml } of conversations(11, 3_000)) {
      const verdict = validateDocument(Buffer.from(xml));
      expect({ valid: verdict.valid, kind: verdict.kind, issues: verdict.issues }).toEqual({
        valid: true,
        kind: 'Messaggio',
        issues: [],
      });
      count++;
    }
    expect(count).toBeGreaterThan(4_000);
  });

  it('writes every message valid for libxml2 (xmllint) too, on the same schema file', async () => {
    const documents = [...conversations(14, 1_000)].map((c) => c.xml);
    const verdicts = await xmllintVerdicts(schemaFile.Messaggio, documents);
    expect(documents.filter((_, i) => !verdicts[i])).toEqual([]);
  }, 60_000);

  it('names the item, answers the 03 in a 04, and codes the message as its kind', () => {
    for (const { options, xml } of conversations(12, 500)) {
      const doc = documentOf(xml);
      expect(doc.Destinatario.Interlocutore.codiceoffertacandidatura).toBe(options.about.code);
      expect(doc.DatiSistema.tipocomunicazione).toBe(options.tipo);
      expect(doc.DatiSistema.codicemessaggioprecedente).toBe(options.previousCode);
      expect(doc.DatiSistema.codicemessaggio).toMatch(new RegExp(`^${options.node}${options.tipo[1]}20261120\\d{14}$`));
      expect(doc.DatiSistema.data).toBe(
        (options.tipo === '03' ? at : new Date(at.getTime() + 3_600_000)).toISOString().slice(0, 19),
      );
      if (options.tipo === '04') {
        expect(doc.Destinatario.Interlocutore.codicefiscale).toBe(options.to?.codiceFiscale);
      } else {
        expect(doc.Corpo.contattopositivo).toBeUndefined();
      }
      expect([...doc.Corpo.testomessaggio].length).toBeLessThanOrEqual(2_000);
    }
  });

  it('has a worker write about a vacancy and an employer or intermediary about a CV, and the other side reply', () => {
    const senders = new Map<string, Set<string>>();
    const positive = new Set<string | undefined>();
    for (const { options, xml } of conversations(13, 1_000)) {
      const doc = documentOf(xml);
      const from = doc.Mittente.Interlocutore;
      const key = `${options.tipo} ${options.about.kind}`;
      senders.set(key, (senders.get(key) ?? new Set()).add(doc.Mittente.tiposoggetto));
      expect(hasValidCheck(from.codicefiscale ?? '')).toBe(true);
      expect(from.codicefiscale?.length).toBe(doc.Mittente.tiposoggetto === '1' ? 16 : 11);
      expect(from.codiceintermediario !== undefined).toBe(doc.Mittente.tiposoggetto === '3');
      expect([from.denominazione, from.indirizzo, from.comune, from.telefono, from.email]).not.toContain(undefined);
      if (options.tipo === '04') positive.add(doc.Corpo.contattopositivo);
    }
    expect(Object.fromEntries([...senders].map(([k, v]) => [k, [...v].sort()]))).toEqual({
      '03 V': ['1'],
      '03 C': ['2', '3'],
      '04 V': ['2', '3'],
      '04 C': ['1'],
    });
    expect(positive).toEqual(new Set(['SI', 'NO', undefined]));
  });

  it('refuses a 04 without the 03 it answers, and a 03 that names one', () => {
    const about = { code: itemCode('12', 'V', '2026-11-20', 1), kind: 'V' as const };
    expect(() => generateMessaggio(new Random(1), { node: '05', tipo: '04', about, at, sequence: 1 })).toThrow(/04/);
    expect(() =>
      generateMessaggio(new Random(1), { node: '05', tipo: '03', about, previousCode: about.code, at, sequence: 1 }),
    ).toThrow(/04/);
  });
});
