import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumedRecord } from '../runtime/kafka';
import { Topic } from '../../contracts/topics';
import { generateTraffic } from '../../lib/gen/traffic';
import { communicationId } from '../../lib/load/co-xml';
import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';
import { renderBatch } from '../../lib/load/render-batch';
import { CoStandard, InpsStandard } from '../../lib/load/standards';
import { AvroSerde } from '../runtime/avro-serde';
import { runNcn } from '../../test/support/cli';
import { testConfig, testKafka } from '../../test/support/clients';
import { consumeUntil, endOffsets } from '../../test/support/consume';
import { catalogueReady } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';
import { fixture } from '../../test/support/load-fixture';

const dir = mkdtempSync(join(tmpdir(), 'ncn-load-int-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** A seed of its own, so that this run's people are not other runs' (records are keyed by codice fiscale). */
const seed = Math.floor(Math.random() * 1_000_000);
const traffic = [...generateTraffic({ seed, candidature: 20, vacancies: 5, inps: 150, co: 250 })];
const generated = <T>(kind: 'inps' | 'co'): T[] =>
  traffic.flatMap((r) => (r.kind === kind ? [r.value as unknown as T] : []));

describe('ncn load through the real Kafka and schema registry', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);

  beforeAll(async () => {
    await catalogueReady(kafka);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The messages of a topic since `from` whose value holds one of the ids, decoded, once all have arrived. */
  async function published<T>(
    topic: string,
    from: Awaited<ReturnType<typeof endOffsets>>,
    ids: ReadonlySet<string>,
    idPattern: RegExp,
  ): Promise<{ key: string; value: T }[]> {
    const ours = (m: ConsumedRecord): boolean =>
      [...(m.value?.toString('latin1').matchAll(idPattern) ?? [])].some((x) => ids.has(x[0]));
    const messages = await consumeUntil(kafka, topic, (all) => all.filter(ours).length >= ids.size, {
      from,
      timeoutMs: 30_000,
    });
    return Promise.all(
      messages
        .filter(ours)
        .map(async (m) => ({ key: m.key?.toString() ?? '', value: await serde.decode<T>(m.value!) })),
    );
  }

  it('publishes INPS records from XML and from `ncn gen` NDJSON to inps.percettori, keyed by codice fiscale', async () => {
    const run = unique('LOAD').toUpperCase();
    const fromXml = generated<Percettore>('inps')
      .slice(0, 100)
      .map((r, i) => ({ ...r, idComunicazione: `${run}-X${i}` }));
    const hand = fixture('inps/did.xml').replace('INPS-2026-000000000123', `${run}-HAND`);
    const ndjson = traffic
      .map((r, i) => (r.kind === 'inps' ? { ...r, value: { ...r.value, idComunicazione: `${run}-N${i}` } } : r))
      .map((r) => `${JSON.stringify(r)}\n`)
      .join('');
    const fromNdjson = traffic.flatMap((r, i) =>
      r.kind === 'inps' ? [{ ...(r.value as unknown as Percettore), idComunicazione: `${run}-N${i}` }] : [],
    );
    const expected = [...fromXml, ...fromNdjson];
    const marks = await endOffsets(kafka, [Topic.inpsPercettori]);

    const load = await runNcn([
      'load',
      'inps',
      file('hand.xml', hand),
      file('inps.xml', renderBatch(InpsStandard, fromXml)),
      file('day.ndjson', ndjson),
    ]);
    expect(load.stdout).toMatch(
      new RegExp(
        `^inps: ${expected.length + 1} records read from 3 files, ${expected.length + 1} published to inps\\.percettori, 0 skipped, ${traffic.length - 150} lines for other topics ignored; in `,
        'm',
      ),
    );
    expect(load.status).toBe(0);

    const ids = new Set([...expected.map((r) => r.idComunicazione), `${run}-HAND`]);
    const records = await published<Percettore>(Topic.inpsPercettori, marks, ids, new RegExp(`${run}-\\w+`, 'g'));
    expect(records).toHaveLength(ids.size);
    const byId = new Map(records.map((r) => [r.value.idComunicazione, r]));
    for (const record of expected) {
      expect(byId.get(record.idComunicazione)).toEqual({ key: record.codiceFiscale, value: record });
    }
    expect(byId.get(`${run}-HAND`)).toMatchObject({
      key: 'BNCGLI90C54F205V',
      value: { codiceFiscale: 'BNCGLI90C54F205V', redditoLavoroAutonomoCents: 120050, dataDichiarazione: 20731 },
    });
  });

  it("publishes CO records from UNILAV XML and NDJSON to co.rapporti, keyed by the worker's codice fiscale", async () => {
    const rapporti = generated<RapportoLavoro>('co');
    const fromXml = rapporti.slice(0, 150).map((r) => ({ ...r, idComunicazione: communicationId(r) }));
    const run = unique('LOAD').toUpperCase();
    const fromNdjson = traffic.flatMap((r, i) =>
      r.kind === 'co' ? [{ ...(r.value as unknown as RapportoLavoro), idComunicazione: `${run}-N${i}` }] : [],
    );
    const ndjson = fromNdjson.map((value) =>
      JSON.stringify({ topic: Topic.coRapporti, key: value.codiceFiscaleLavoratore, kind: 'co', note: '', value }),
    );
    const marks = await endOffsets(kafka, [Topic.coRapporti]);

    const load = await runNcn([
      'load',
      'co',
      file('co.xml', renderBatch(CoStandard, fromXml)),
      file('co.ndjson', `${ndjson.join('\n')}\n`),
    ]);
    expect(load.stdout).toMatch(/^co: 400 records read from 2 files, 400 published to co\.rapporti, 0 skipped; in /m);
    expect(load.status).toBe(0);

    const expected = [...fromXml, ...fromNdjson];
    const ids = new Set(expected.map((r) => r.idComunicazione));
    const records = await published<RapportoLavoro>(
      Topic.coRapporti,
      marks,
      ids,
      new RegExp(`UNILAV-[0-9a-f]{32}|${run}-\\w+`, 'g'),
    );
    expect(records).toHaveLength(ids.size);
    const byId = new Map(records.map((r) => [r.value.idComunicazione, r]));
    for (const record of expected) {
      expect(byId.get(record.idComunicazione)).toEqual({ key: record.codiceFiscaleLavoratore, value: record });
    }
  });

  it('publishes the good records of a file, reports the bad one with its place and fix, and exits 1', async () => {
    const run = unique('LOAD').toUpperCase();
    // Three different people: the generator may give one person several records, and the break below finds the
    // second record's codice fiscale by its text.
    const people = new Set<string>();
    const [a, b, c] = generated<Percettore>('inps')
      .filter((r) => !people.has(r.codiceFiscale) && people.add(r.codiceFiscale))
      .map((r, i) => ({ ...r, idComunicazione: `${run}-${i}` }));
    const xml = renderBatch(InpsStandard, [a!, b!, c!]).replace(
      `<CodiceFiscale>${b!.codiceFiscale}</CodiceFiscale>`,
      `<CodiceFiscale>${b!.codiceFiscale.slice(0, 15)}${b!.codiceFiscale.endsWith('A') ? 'B' : 'A'}</CodiceFiscale>`,
    );
    const marks = await endOffsets(kafka, [Topic.inpsPercettori]);
    const path = file('bad.xml', xml);

    const load = await runNcn(['load', 'inps', path]);
    expect(load.stderr).toMatch(
      new RegExp(
        `^${path.replace(/[.\\/-]/g, '\\$&')}: record 2 \\(line \\d+\\), /ListaDID/DID/CodiceFiscale: '\\w{16}' fails its check character: a character is mistyped, correct the code\\.$`,
        'm',
      ),
    );
    expect(load.stdout).toMatch(
      /^inps: 3 records read from 1 file, 2 published to inps\.percettori, 1 skipped \(listed above\); in /m,
    );
    expect(load.status).toBe(1);

    const records = await published<Percettore>(
      Topic.inpsPercettori,
      marks,
      new Set([a!.idComunicazione, c!.idComunicazione]),
      new RegExp(`${run}-\\d+`, 'g'),
    );
    expect(records.map((r) => r.value).sort((x, y) => x.idComunicazione.localeCompare(y.idComunicazione))).toEqual([
      a,
      c,
    ]);
  });
});
