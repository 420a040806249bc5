import { feedSchemaFile } from '../../contracts/xml/schemas';
import { daysAgo, generateTraffic, type MessageRecord, type TrafficMix, type TrafficRecord } from './traffic';
import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';
import { renderBatch } from '../load/render-batch';
import { CoStandard, InpsStandard, type LoadStandard } from '../load/standards';
import { XmlSplitter } from '../load/xml-splitter';
import { hasValidCheck } from '../xml/codice-fiscale';
import { validateDocument } from '../xml/validate';
import { xmllintVerdicts } from '../../test/support/xmllint';

/** The records of a batch file as `ncn gen --inps-xml/--co-xml` writes it, each split out as its own document. */
function splitBatch<T>(standard: LoadStandard<T>, values: readonly T[]): string[] {
  const splitter = new XmlSplitter(standard.xml.element);
  const pieces = [...splitter.push(renderBatch(standard, values)), ...splitter.end()];
  return pieces.flatMap((p) => (p.kind === 'element' ? [p.text] : []));
}

const take = (seed: number, invalid = 0): TrafficRecord[] => [
  ...generateTraffic({ seed, candidature: 300, vacancies: 150, inps: 40, co: 60, invalid }),
];

describe('generateTraffic', () => {
  it('gives the same records for the same seed and others for another', () => {
    expect(take(1)).toEqual(take(1));
    expect(take(2)).not.toEqual(take(1));
  });

  it('gives days of two seeds on the same date codes of their own, so one node can take both', () => {
    const codes = (seed: number) =>
      [...generateTraffic({ seed, candidature: 300, vacancies: 150, inps: 0, co: 0, messages: 40 })]
        .filter((r) => 'xml' in r)
        .map((r) => r.key);
    const [one, other] = [codes(1), codes(2)];
    expect(one.every((c) => /^\d{25}$/.test(c))).toBe(true);
    expect(one.filter((c) => other.includes(c))).toEqual([]);
    expect(codes(1)).toEqual(one);
  });

  it('produces exactly the mix asked for, with updates and closes', () => {
    const records = take(3);
    const count = (kind: string): number => records.filter((r) => r.kind === kind).length;
    expect([count('candidatura'), count('vacancy'), count('inps'), count('co')]).toEqual([300, 150, 40, 60]);
    const notes = new Set(records.map((r) => r.note));
    expect(notes).toEqual(new Set(['new', 'update', 'close', 'percettore', 'rapporto']));
  });

  it('writes every submission valid against the standard and the rules, unless broken on purpose', () => {
    for (const r of take(4, 0.1)) {
      if (!('xml' in r)) continue;
      const verdict = validateDocument(Buffer.from(r.xml));
      expect({ note: r.note, valid: verdict.valid }).toEqual({ note: r.note, valid: r.note !== 'invalid' });
    }
  });

  it('chains updates and closes to earlier items of the same node', () => {
    const records = take(5);
    const codes = new Set<string>();
    for (const r of records) {
      if (!('xml' in r)) continue;
      const previous = /<codice(?:candidatura|offerta)precedente>([^<]+)</.exec(r.xml)?.[1];
      if (r.note === 'update' || r.note === 'close') {
        expect(previous !== undefined && codes.has(previous)).toBe(true);
        expect(previous?.slice(0, 2)).toBe(r.topic.slice(3, 5));
      }
      codes.add(r.key);
    }
  });

  it('gives INPS and CO records valid codici fiscali, partly of people who sent a CV', () => {
    const records = take(6);
    const cvWorkers = new Set(records.flatMap((r) => ('xml' in r ? [/<codicefiscale>([^<]+)</.exec(r.xml)?.[1]] : [])));
    const people = records.filter((r) => r.kind === 'inps' || r.kind === 'co');
    expect(people.every((r) => hasValidCheck(r.key))).toBe(true);
    expect(people.filter((r) => cvWorkers.has(r.key)).length).toBeGreaterThan(10);
  });

  it('gives most INPS recipients a CO relation in the same traffic, before or after, and some none', () => {
    for (const candidature of [0, 3000]) {
      const records = [...generateTraffic({ seed: 5, candidature, vacancies: 0, inps: 800, co: 1500 })];
      const inps = new Set(records.filter((r) => r.kind === 'inps').map((r) => r.key));
      const co = new Set(records.filter((r) => r.kind === 'co').map((r) => r.key));
      const withCo = [...inps].filter((cf) => co.has(cf)).length;
      // The enricher needs CO data to fill the qualification in; a recipient without any goes out as unknown.
      expect(withCo / inps.size).toBeGreaterThan(0.6);
      expect(withCo).toBeLessThan(inps.size);
      // A CO relation of someone whose INPS record comes later: the enricher then fills it in at once.
      const firstInps = new Map<string, number>();
      const firstCo = new Map<string, number>();
      records.forEach((r, i) => {
        if (r.kind === 'inps' && !firstInps.has(r.key)) firstInps.set(r.key, i);
        if (r.kind === 'co' && !firstCo.has(r.key)) firstCo.set(r.key, i);
      });
      const coFirst = [...firstInps].filter(([cf, i]) => (firstCo.get(cf) ?? Infinity) < i).length;
      expect(coFirst).toBeGreaterThan(0);
      expect(coFirst).toBeLessThan(withCo);
    }
  });

  it('dates traffic days before a given moment, at midnight UTC, and uses that day', () => {
    const now = Date.UTC(2026, 11, 2, 5, 30);
    expect(daysAgo(15, now).toISOString()).toBe('2026-11-17T00:00:00.000Z');
    expect(daysAgo(0, now).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    const [first] = [
      ...generateTraffic({ seed: 4, candidature: 1, vacancies: 0, inps: 0, co: 0, day: daysAgo(15, now) }),
    ];
    expect(first !== undefined && 'xml' in first ? first.xml : '').toContain('<datainserimento>2026-11-17T');
  });

  it('writes every INPS and CO record of a day valid against its official schema, by libxml2', async () => {
    const day = [...generateTraffic({ seed: 8, candidature: 300, vacancies: 0, inps: 1_000, co: 2_000 })];
    const values = (kind: string): unknown[] => day.flatMap((r) => (r.kind === kind && 'value' in r ? [r.value] : []));
    const inps = splitBatch(InpsStandard, values('inps') as Percettore[]);
    const co = splitBatch(CoStandard, values('co') as RapportoLavoro[]);
    expect([inps.length, co.length]).toEqual([1_000, 2_000]);
    const invalid = async (schema: string, documents: string[]): Promise<string[]> =>
      (await xmllintVerdicts(schema, documents)).flatMap((ok, i) => (ok ? [] : [documents[i] ?? '']));
    expect(await invalid(feedSchemaFile.inps, inps)).toEqual([]);
    expect(await invalid(feedSchemaFile.co, co)).toEqual([]);
    // Qualifications at CP2011's six levels, as unilav_in.xsd's QualificaProfessionale wants them.
    expect(co.every((d) => /<qualificaProfessionale>([0-9]\.){5}[0-9]{1,2}</.test(d))).toBe(true);
  }, 60_000);

  describe('with messages', () => {
    const mix: TrafficMix = { seed: 9, candidature: 400, vacancies: 200, inps: 30, co: 50, messages: 300 };
    const messagesOf = (records: readonly TrafficRecord[]): MessageRecord[] =>
      records.flatMap((r) => (r.kind === 'messaggio' ? [r] : []));
    const nodeOf = (topic: string): string => topic.slice(3, 5);

    /** The items as the node accepts them, walked from the records: owner, latest code, closed. */
    function acceptedItems(
      records: readonly TrafficRecord[],
    ): Map<string, { owner: string; latest: string; closed: boolean }> {
      const byCode = new Map<string, { owner: string; latest: string; closed: boolean }>();
      for (const r of records) {
        if ((r.kind !== 'candidatura' && r.kind !== 'vacancy') || r.note === 'invalid') continue;
        if (r.note === 'new') {
          byCode.set(r.key, { owner: nodeOf(r.topic), latest: r.key, closed: false });
          continue;
        }
        const previous = /<codice(?:candidatura|offerta)precedente>([^<]+)</.exec(r.xml)?.[1] ?? '';
        const item = byCode.get(previous);
        if (item === undefined || item.closed || item.latest !== previous) continue;
        item.latest = r.key;
        item.closed = r.note === 'close';
        byCode.set(r.key, item);
      }
      return byCode;
    }

    it('leaves every record before them as it was: the same items, INPS and CO records as without messages', () => {
      const without = [...generateTraffic({ ...mix, messages: 0 })];
      expect([...generateTraffic({ ...mix, messages: undefined })]).toEqual(without);
      const withMessages = [...generateTraffic(mix)];
      expect(withMessages.slice(0, without.length)).toEqual(without);
      expect(messagesOf(withMessages)).toHaveLength(withMessages.length - without.length);
      expect([...generateTraffic(mix)]).toEqual(withMessages);
    });

    it('sends the 03s after every item record, then about half as many 04s, all valid', () => {
      const records = [...generateTraffic(mix)];
      const first = records.findIndex((r) => r.kind === 'messaggio');
      expect(records.slice(first).every((r) => r.kind === 'messaggio')).toBe(true);
      const notes = messagesOf(records).map((m) => m.note);
      expect(notes.filter((n) => n === '03')).toHaveLength(300);
      expect(notes.lastIndexOf('03')).toBeLessThan(notes.indexOf('04'));
      const replies = notes.filter((n) => n === '04').length;
      expect(replies).toBeGreaterThan(120);
      expect(replies).toBeLessThan(180);
      // Sent after the last item of the day, in order, within the day.
      const lastItem = records
        .slice(0, first)
        .flatMap((r) => ('xml' in r ? [/<data(?:inserimento|pubblicazione)>([^<]+)</.exec(r.xml)?.[1] ?? ''] : []))
        .sort()
        .at(-1);
      const times = messagesOf(records).map((m) => /<data>([^<]+)</.exec(m.xml)?.[1] ?? '');
      expect(times).toEqual([...times].sort());
      expect(times[0]! >= lastItem!).toBe(true);
      expect(times.at(-1)! < '2026-11-21').toBe(true);
      for (const m of messagesOf(records)) {
        const verdict = validateDocument(Buffer.from(m.xml));
        expect({ key: m.key, valid: verdict.valid, kind: verdict.kind }).toEqual({
          key: m.key,
          valid: true,
          kind: 'Messaggio',
        });
        expect(m.xml).toContain(`<codicemessaggio>${m.key}</codicemessaggio>`);
        expect(m.xml).toContain(`<codiceoffertacandidatura>${m.about}</codiceoffertacandidatura>`);
      }
    });

    it('has a 03 sent by another node about an item open at the end of the day, and the owner reply to its sender', () => {
      const records = [...generateTraffic({ ...mix, seed: 10 })];
      const items = acceptedItems(records);
      const interests = new Map(
        messagesOf(records)
          .filter((m) => m.note === '03')
          .map((m) => [m.key, m]),
      );
      for (const m of messagesOf(records)) {
        const item = items.get(m.about);
        expect({ about: m.about, latest: item?.latest, closed: item?.closed, owner: item?.owner }).toEqual({
          about: m.about,
          latest: m.about,
          closed: false,
          owner: m.owner,
        });
        if (m.note === '03') {
          expect(nodeOf(m.topic)).not.toBe(m.owner);
          expect(nodeOf(m.topic)).not.toBe('00');
          expect([m.replyTo, m.replyNode]).toEqual([undefined, undefined]);
        } else {
          const interest = interests.get(m.replyTo ?? '');
          expect(interest?.about).toBe(m.about);
          expect(nodeOf(m.topic)).toBe(m.owner);
          expect(m.replyNode).toBe(interest === undefined ? 'none' : nodeOf(interest.topic));
          expect(m.xml).toContain(`<codicemessaggioprecedente>${m.replyTo}</codicemessaggioprecedente>`);
        }
      }
    });

    it('breaks a share of messages on purpose when asked, and answers no broken 03', () => {
      const records = [...generateTraffic({ ...mix, seed: 11, invalid: 0.1 })];
      const messages = messagesOf(records);
      const broken = messages.filter((m) => m.note === 'invalid');
      expect(broken.length).toBeGreaterThan(10);
      for (const m of messages) expect(validateDocument(Buffer.from(m.xml)).valid).toBe(m.note !== 'invalid');
      const brokenKeys = new Set(broken.map((m) => m.key));
      expect(messages.filter((m) => m.replyTo !== undefined && brokenKeys.has(m.replyTo))).toEqual([]);
    });

    it('makes no message when no item is open', () => {
      expect([
        ...generateTraffic({ seed: 1, candidature: 0, vacancies: 0, inps: 5, co: 5, messages: 10 }),
      ]).toHaveLength(10);
    });
  });
});
