import { Topic } from '../../contracts/topics';
import { generateTraffic } from '../gen/traffic';
import { countRecords, detectFormat, readRecords, type ReadItem } from './read-records';
import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';
import { renderBatch } from './render-batch';
import { CoStandard, InpsStandard, type LoadStandard } from './standards';
import { fixture, readAll } from '../../test/support/load-fixture';

const traffic = [...generateTraffic({ seed: 5, candidature: 30, vacancies: 10, inps: 40, co: 60 })];
const ndjson = traffic.map((r) => `${JSON.stringify(r)}\n`).join('');
const valuesOf = (kind: 'inps' | 'co'): unknown[] => traffic.flatMap((r) => (r.kind === kind ? [r.value] : []));

const summary = <T>(items: readonly ReadItem<T>[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
  return counts;
};

const unilav = fixture('co/unilav.xml');

describe('reading a file of a feed', () => {
  it('tells XML from NDJSON by the first character that is not whitespace', () => {
    expect(detectFormat('\uFEFF \n <?xml')).toBe('xml');
    expect(detectFormat('\n{"topic"')).toBe('ndjson');
    expect(detectFormat('  \n')).toBeUndefined();
    expect(detectFormat('[{}]')).toEqual({ unknown: '[' });
  });

  it("takes the feed's lines of an `ncn gen` file, keyed by codice fiscale, and ignores the others", async () => {
    const inps = await readAll(InpsStandard, ndjson);
    expect(summary(inps)).toEqual({ record: 40, ignored: 100 });
    const records = inps.flatMap((i) => (i.kind === 'record' ? [i] : []));
    expect(records.map((r) => r.value)).toEqual(valuesOf('inps'));
    expect(records.map((r) => r.key)).toEqual(records.map((r) => (r.value as Percettore).codiceFiscale));
    expect(records[0]?.where).toEqual({ record: 1, line: traffic.findIndex((r) => r.kind === 'inps') + 1 });

    const co = await readAll(CoStandard, ndjson, 1_000);
    expect(summary(co)).toEqual({ record: 60, ignored: 80 });
    const rapporti = co.flatMap((i) => (i.kind === 'record' ? [i.value] : []));
    expect(rapporti).toEqual(valuesOf('co'));
    expect(co.flatMap((i) => (i.kind === 'record' ? [i.key] : []))).toEqual(
      (rapporti as RapportoLavoro[]).map((r) => r.codiceFiscaleLavoratore),
    );
  });

  it('reports a bad NDJSON line with its line number and the field, and goes on', async () => {
    const [first, second] = valuesOf('inps') as Percettore[];
    const line = (value: unknown, extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ topic: Topic.inpsPercettori, key: (value as Percettore).codiceFiscale, value, ...extra });
    const text = [
      line(first),
      '{"topic": "inps.percettori", "value": {',
      line({ ...second, dataInvio: '2026-11-20', nome: null, cognme: 'Rossi' }),
      line({ ...second, codiceFiscale: 'RSSMRA85T10A562X' }),
      line(second, { key: 'RSSMRA85T10A562S' }),
      '',
      line(second),
    ].join('\n');
    const items = await readAll(InpsStandard, text);
    expect(items.map((i) => (i.kind === 'skipped' ? [i.where, i.problems] : i.kind))).toEqual([
      'record',
      [{ record: 2, line: 2 }, [{ field: '', message: expect.stringMatching(/^is not JSON \(.*\): write one JSON object per line\.$/) }]], // prettier-ignore
      [
        { record: 3, line: 3 },
        [
          { field: 'value.cognme', message: 'is not a field of it.ncn.Percettore: remove it or correct its name.' },
          { field: 'value.dataInvio', message: '"2026-11-20" is not a date as days since 1970-01-01 (an int).' },
          { field: 'value.nome', message: 'null is not a string.' },
        ],
      ],
      [
        { record: 4, line: 4 },
        [
          {
            field: 'value.codiceFiscale',
            message: "'RSSMRA85T10A562X' fails its check character: a character is mistyped, correct the code.",
          },
        ],
      ],
      [
        { record: 5, line: 5 },
        [{ field: 'key', message: `'RSSMRA85T10A562S' is not the record's codice fiscale '${second!.codiceFiscale}': correct it.` }], // prettier-ignore
      ],
      'record',
    ]);
    expect(items[5]).toMatchObject({ where: { record: 6, line: 7 } });
  });

  it('refuses an NDJSON value whose XML is not its official standard, naming the field', async () => {
    const [percettore] = valuesOf('inps') as Percettore[];
    const [rapporto] = valuesOf('co') as RapportoLavoro[];
    const inps = JSON.stringify({ topic: Topic.inpsPercettori, value: { ...percettore, codiceUnivocoCPI: 'C031510' } });
    const co = (change: Partial<RapportoLavoro>): string =>
      JSON.stringify({ topic: Topic.coRapporti, value: { ...rapporto, ...change } });
    const problems = async <T>(standard: LoadStandard<T>, text: string): Promise<string[]> =>
      (await readAll(standard, text)).flatMap((i) => (i.kind === 'skipped' ? i.problems.map((p) => `${p.field} ${p.message}`) : [])); // prettier-ignore
    expect(await problems(InpsStandard, inps)).toEqual([
      'value.codiceUnivocoCPI CodiceUnivocoCPI has 7 characters; CodiceCPI_MLPS fixes exactly 11 (XSD_MIN_LENGTH, did_inps.xsd).',
    ]);
    const lines = [
      co({ settore: null }),
      co({ tipologiaContrattuale: 'B01' }),
      co({ qualificaProfessionale: '2.1.1.4.1' }),
      co({ tipoMovimento: 'CES' }),
    ];
    expect(await problems(CoStandard, lines.join('\n'))).toEqual([
      'value.settore DatoreLavoro is missing Settore before PubblicaAmministrazione (required, in this order) (XSD_MISSING_ELEMENT, unilav_in.xsd).',
      "value.tipologiaContrattuale 'B01' does not have the form the schema requires ([A-Z]{1}(\\.[0-9]{2}){2}) (XSD_PATTERN, unilav_in.xsd).",
      "value.qualificaProfessionale '2.1.1.4.1' does not have the form QualificaProfessionale requires (([0-9]\\.){5}[0-9]{1,2}) (XSD_PATTERN, unilav_in.xsd).",
      "value.tipoMovimento 'CES' is not one of AVV, PRO (XSD_ENUMERATION, unilav_in.xsd).",
    ]);
  });

  it('reads the records of an XML file around a broken one, numbering each', async () => {
    const [a, b] = valuesOf('inps') as Percettore[];
    const text = renderBatch(InpsStandard, [a!, b!, a!]).replace(/<\/Nome>/, '</Name>');
    const items = await readAll(InpsStandard, text, 4_096);
    expect(items.map((i) => i.kind)).toEqual(['skipped', 'record', 'record']);
    expect(items[0]).toMatchObject({
      where: { record: 1, line: 3 },
      problems: [{ field: '', message: expect.stringMatching(/^The XML is not well-formed \(line 10, column \d+\): Expected closing tag 'Nome'/) }], // prettier-ignore
    });
    const secondAt = text.split('\n').findIndex((l, i) => i > 2 && l.trim() === '<ListaDID>') + 1;
    expect(items[1]).toMatchObject({ where: { record: 2, line: secondAt } });
  });

  it('says which command reads a file of the other feed', async () => {
    expect(await readAll(InpsStandard, unilav)).toEqual([
      {
        kind: 'stopped',
        line: 4,
        message: 'the file holds <inputUniLav>, a record of co.rapporti: load it with `ncn load co`.',
      },
    ]);
    const batch = renderBatch(CoStandard, valuesOf('co').slice(0, 2) as RapportoLavoro[]);
    const items = await readAll(InpsStandard, batch);
    expect(items).toHaveLength(2);
    expect(items[1]).toEqual({
      kind: 'skipped',
      where: { record: 2, line: expect.any(Number) },
      problems: [
        {
          field: '',
          message: '<inputUniLav> is not <ListaDID>: it is a record of co.rapporti: load it with `ncn load co`.',
        },
      ],
    });
  });

  it('stops at bytes that are not UTF-8, keeping the records before', async () => {
    const [a] = valuesOf('inps') as Percettore[];
    const good = Buffer.from(renderBatch(InpsStandard, [a!]).replace('</Lotto>\n', ''));
    const latin1 = Buffer.from('  <ListaDID><IdComunicazione>caff\u00e8</IdComunicazione></ListaDID>\n', 'latin1');
    const items: ReadItem<Percettore>[] = [];
    for await (const item of readRecords(InpsStandard, [good, latin1])) items.push(item);
    expect(items.map((i) => i.kind)).toEqual(['record', 'stopped']);
    expect(items[1]).toMatchObject({
      message: expect.stringMatching(
        /^the file is not valid UTF-8 \(in bytes \d+–\d+\), after line 3: save it as UTF-8/,
      ),
    });
  });

  it('stops at an empty file and at one that is neither XML nor NDJSON', async () => {
    expect(await readAll(InpsStandard, ' \n')).toEqual([
      { kind: 'stopped', line: 1, message: 'the file is empty: nothing to load.' },
    ]);
    expect(await readAll(InpsStandard, 'codice;nome\n')).toEqual([
      {
        kind: 'stopped',
        line: 1,
        message:
          'the file starts with \'c\': expected XML (<ListaDID> records) or NDJSON lines written by `ncn gen` ({"topic": …}).',
      },
    ]);
  });

  it('counts the records of a file for the progress bar', async () => {
    const inps = valuesOf('inps') as Percettore[];
    const xml = renderBatch(InpsStandard, inps);
    const chunks = (text: string): string[] => text.match(/[\s\S]{1,1000}/g)!;
    expect(await countRecords(InpsStandard, chunks(xml))).toBe(40);
    expect(await countRecords(InpsStandard, chunks(ndjson))).toBe(40);
    expect(await countRecords(CoStandard, chunks(ndjson))).toBe(60);
    expect(await countRecords(CoStandard, [unilav])).toBe(1);
  });
});
