import { Destinations, FieldPolicy, PersonalFields, type Destination, type PersonalField } from './policy';
import { subjectHash } from './policy';
import { dispatch } from '../services/dispatcher/dispatch';
import type { ItemVersion } from '../lib/items/items';
import { publicProjection } from '../lib/items/render';
import { euresDocument } from '../lib/eures/hr-open';
import { canonical, Intermediary } from '../test/support/canonical';

/** Where each personal field of the fixtures shows, as text a renderer would write. */
const values: Record<PersonalField, { cv: string[]; vacancy: string[] }> = {
  workerCodiceFiscale: { cv: ['RSSMRA85T10A562S'], vacancy: [] },
  workerName: { cv: ['Rossi', 'Mario'], vacancy: [] },
  workerBirth: { cv: ['1985-12-10'], vacancy: [] },
  workerContacts: { cv: ['Via Cavour 12', '3331234567', 'mario.rossi@example.it'], vacancy: [] },
  workerPlace: { cv: ['H501'], vacancy: [] },
  employerCodiceFiscale: { cv: [], vacancy: ['00488410010'] },
  employerName: { cv: [], vacancy: ['Ristorante Da Gino srl'] },
  employerContacts: { cv: [], vacancy: ['Piazza Maggiore 1', '051123456', 'lavora@dagino.example.it'] },
  intermediaryContact: { cv: [Intermediary.email], vacancy: [Intermediary.email] },
  // Not part of an item: what a message's deliveries carry is held to the policy below.
  messageSender: { cv: [], vacancy: [] },
  messageText: { cv: [], vacancy: [] },
};

const ctx = { now: Date.UTC(2026, 10, 21), hash: (cf: string) => subjectHash('policy-test-key-0123456789', cf) };

/** What each destination receives of an item, as text. */
function rendered(item: ItemVersion): Record<Destination, string> {
  const outputs = dispatch(undefined, { type: 'item', item }, ctx).outputs;
  const of = (pattern: RegExp) =>
    JSON.stringify(outputs.filter((o) => pattern.test(o.topic)).map((o) => (o.value as { data: unknown }).data));
  return {
    node: of(/^nr\.\d\d\.out$/),
    eures: `${euresDocument(item)}${of(/^eures\.out$/)}`,
    public: `${JSON.stringify(publicProjection(item, ctx.now))}${of(/^ncn\.public$/)}`,
    audit: of(/^ncn\.audit$/),
  };
}

describe('the field policy (contracts/policy.ts) is what the renderers do', () => {
  const items = {
    cv: canonical('CANDIDATURA', { scope: '03', intermediary: { visible: true } }),
    vacancy: canonical('VACANCY', { intermediary: { visible: true } }),
  };
  const out = { cv: rendered(items.cv), vacancy: rendered(items.vacancy) };
  const cases = (Object.keys(PersonalFields) as PersonalField[]).flatMap((field) =>
    Object.values(Destinations).map((destination) => [field, destination] as const),
  );

  it.each(cases)('%s → %s', (field, destination) => {
    const allowance = FieldPolicy[field][destination];
    for (const kind of ['cv', 'vacancy'] as const) {
      const text = out[kind][destination];
      // Each destination writes the domicile its own way: the comune code, the ISO region, the region and province.
      const place = { node: ['H501'], eures: ['IT-12'], public: ['"region":"12"', '"province":"RM"'], audit: ['H501'] };
      for (const value of field === 'workerPlace' && kind === 'cv' ? place[destination] : values[field][kind]) {
        if (allowance === 'no' || allowance === 'hash')
          expect({ kind, value, found: text.includes(value) }).toEqual({ kind, value, found: false });
        else expect({ kind, value, found: text.includes(value) }).toEqual({ kind, value, found: true });
      }
      if (allowance === 'hash' && values[field][kind].length > 0) {
        expect(text).toContain(ctx.hash(values[field][kind][0] ?? ''));
      }
    }
  });

  it('shows the intermediary in the public projection only when it asked to be shown', () => {
    const hidden = canonical('VACANCY', { intermediary: { visible: false } });
    expect(JSON.stringify(publicProjection(hidden, ctx.now))).not.toContain(Intermediary.email);
    expect(JSON.stringify(publicProjection(items.vacancy, ctx.now))).toContain(Intermediary.email);
  });
});
