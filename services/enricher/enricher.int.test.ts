import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type Producer } from '../runtime/kafka';
import { avroSchema } from '../../contracts/avro/schemas';
import { DeadLetterHeader } from '../../contracts/headers';
import type { NodeId } from '../../contracts/nodes';
import { comune } from '../../contracts/tables/comuni';
import { Topic } from '../../contracts/topics';
import type { CoRelation } from './enrich';
import { CoTable } from './co-table';
import { fillCoTable } from './rebuild';
import { RebuildableIndex } from '../runtime/rebuildable';
import { startEnricher, type Enricher } from './service';
import { person, type Person } from '../../lib/gen/people';
import { Random } from '../../lib/gen/random';
import { generatePercettore, generateRapporto, type AvroRecord } from '../../lib/gen/records';
import { AvroSerde } from '../runtime/avro-serde';
import { createRedis } from '../runtime/redis';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { Collector, type Collected } from '../../test/support/collect';
import { catalogueReady } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';

const run = randomBytes(4).toString('hex').toUpperCase();
let sequence = 0;
const rng = new Random(randomBytes(4).readUInt32BE(0));
const someone = (node?: NodeId): Person => person(rng, node);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Enriched {
  percettore: { idComunicazione: string; codiceFiscale: string };
  qualifica: string | null;
  fonteQualifica: string;
  qualificaCo: string | null;
  dataInizioRapportoCo: number | null;
  nodoDestinazione: string;
  arricchitoIl: number;
}

describe('the enricher through the real stack', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  const prefix = unique('ncn-test');
  const groupId = unique('test.enricher');
  const config = {
    ...testConfig,
    redis: { ...testConfig.redis, prefix },
    // A short wait, crossed with the injected clock: nothing expires unless a test moves the clock.
    enricher: { ...testConfig.enricher, qualificationWaitMs: 5_000, waitCheckMs: 100 },
  };
  let clock = Date.now();
  let redis: Redis;
  let enricher: Enricher;
  let out: Collector;
  let producer: Producer;
  let percettoreId: number;
  let rapportoId: number;

  const start = (): Promise<Enricher> =>
    startEnricher({
      config,
      kafka,
      serde,
      logger: silentLogger,
      redis,
      groupId,
      now: () => new Date(clock),
      fromBeginning: false,
    });

  beforeAll(async () => {
    await catalogueReady(kafka);
    redis = createRedis(config);
    percettoreId = await serde.register(`${Topic.inpsPercettori}-value`, avroSchema('it.ncn.Percettore'));
    rapportoId = await serde.register(`${Topic.coRapporti}-value`, avroSchema('it.ncn.RapportoLavoro'));
    producer = kafka.producer();
    await producer.connect();
    out = await Collector.start(kafka, serde, [Topic.percettori, Topic.dlq]);
    enricher = await start();
    await enricher.runner.fetching;
  });

  afterAll(async () => {
    await enricher?.close();
    await out?.stop();
    await producer?.disconnect();
    await flushEnricherKeys();
    await redis?.quit();
  });

  beforeEach(() => {
    clock = Date.now();
  });

  /** Deletes the enricher's keys of this test (SCAN + DEL on its own prefix; the machine's Redis is shared). */
  async function flushEnricherKeys(): Promise<number> {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  /** Waits until the enricher's group has committed past `offset` of a partition: the record was handled. */
  async function handled(topic: string, partition: number, offset: string, timeoutMs = 30_000): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const committed = offsets?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        if (BigInt(committed) > BigInt(offset)) return;
        if (Date.now() > deadline) throw new Error(`${topic}[${partition}] not past ${offset} after ${timeoutMs} ms`);
        await sleep(100);
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Sends one person's records on an input topic and waits until the enricher handled them (one partition). */
  async function send(topic: string, schemaId: number, key: string, records: AvroRecord[]): Promise<Buffer[]> {
    const values = await Promise.all(records.map((r) => serde.encode(schemaId, r)));
    const [sent] = await producer.send({ topic, messages: values.map((value) => ({ key, value })) });
    const last = BigInt(sent?.baseOffset ?? '0') + BigInt(records.length - 1);
    await handled(topic, sent?.partition ?? 0, last.toString());
    return values;
  }

  const inps = (who: Person, over: Partial<AvroRecord> = {}): AvroRecord => ({
    ...generatePercettore(rng, who, new Date(), 0),
    idComunicazione: `INPS-${run}-${++sequence}`,
    ultimaQualifica: null,
    tipoOperazione: 'I',
    ...over,
  });
  const co = (who: Person, over: Partial<AvroRecord> = {}): AvroRecord => ({
    ...generateRapporto(rng, who, new Date(), 0),
    idComunicazione: `CO-${run}-${++sequence}`,
    tipoMovimento: 'AVV',
    dataFine: null,
    ...over,
  });
  const sendInps = (who: Person, record: AvroRecord): Promise<Buffer[]> =>
    send(Topic.inpsPercettori, percettoreId, who.codiceFiscale, [record]);
  const sendCo = (who: Person, ...records: AvroRecord[]): Promise<Buffer[]> =>
    send(Topic.coRapporti, rapportoId, who.codiceFiscale, records);

  const enrichedOf =
    (id: unknown) =>
    (r: Collected): boolean =>
      r.topic === Topic.percettori && (r.value as unknown as Enriched).percettore?.idComunicazione === id;
  /** The ncn.percettori records of an INPS record, once at least `count` are there. */
  const outputs = async (id: unknown, count = 1): Promise<Enriched[]> =>
    (await out.waitFor<Enriched>(enrichedOf(id), (found) => found.length >= count)).map((r) => r.value);
  /** Every ncn.percettori record of an INPS record so far (after giving duplicates time to show). */
  const countOf = (id: unknown): number => out.records.filter(enrichedOf(id)).length;

  it('keeps a record without a qualification waiting until CO data arrives, then sends it once, enriched from CO', async () => {
    const who = someone('05');
    const record = inps(who);
    await sendInps(who, record);
    expect(enricher.waiting.committed(who.codiceFiscale).map((w) => w.percettore.idComunicazione)).toEqual([
      record.idComunicazione,
    ]);
    expect(countOf(record.idComunicazione)).toBe(0);

    const relation = co(who, { qualificaProfessionale: '6.2.3.1.1', dataInizio: 20_100 });
    await sendCo(who, relation);
    const [enriched] = await outputs(record.idComunicazione);
    expect(enriched).toMatchObject({
      qualifica: '6.2.3.1.1',
      fonteQualifica: 'CO',
      qualificaCo: '6.2.3.1.1',
      dataInizioRapportoCo: 20_100,
      nodoDestinazione: comune(who.domicile.code)?.node,
      arricchitoIl: clock,
    });
    expect(enriched?.nodoDestinazione).toBe('05');
    expect(enricher.waiting.committed(who.codiceFiscale)).toEqual([]);
    await sleep(1_000);
    expect(countOf(record.idComunicazione)).toBe(1);
  });

  it("keeps INPS's own qualification, with the CO one beside it", async () => {
    const who = someone('12');
    await sendCo(who, co(who, { qualificaProfessionale: '2.1.1.3.1', dataInizio: 20_200 }));
    const record = inps(who, { ultimaQualifica: '5.1.2.2.0' });
    await sendInps(who, record);
    const [enriched] = await outputs(record.idComunicazione);
    expect(enriched).toMatchObject({
      qualifica: '5.1.2.2.0',
      fonteQualifica: 'INPS',
      qualificaCo: '2.1.1.3.1',
      dataInizioRapportoCo: 20_200,
      nodoDestinazione: '12',
    });
  });

  it('does not let an older relation arriving late overwrite a newer one, and records the end from a CES', async () => {
    const who = someone('08');
    const sentAt = Date.now();
    const newer = co(who, { qualificaProfessionale: '7.1.1.1.0', dataInizio: 20_100, dataInvio: sentAt });
    const older = co(who, { qualificaProfessionale: '8.1.1.1.0', dataInizio: 19_000, dataInvio: sentAt + 60_000 });
    await sendCo(who, newer, older);
    expect(await enricher.table.lookup(who.codiceFiscale)).toMatchObject({
      idComunicazione: newer.idComunicazione,
      qualifica: '7.1.1.1.0',
      start: 20_100,
      end: null,
    });
    const ces = co(who, {
      tipoMovimento: 'CES',
      qualificaProfessionale: '7.1.1.1.0',
      dataInizio: 20_100,
      dataFine: 20_400,
      dataInvio: sentAt + 120_000,
    });
    await sendCo(who, ces);
    const last = (await enricher.table.lookup(who.codiceFiscale)) as CoRelation;
    expect(last).toMatchObject({
      idComunicazione: ces.idComunicazione,
      tipoMovimento: 'CES',
      start: 20_100,
      end: 20_400,
    });
    expect(await redis.hgetall(`${prefix}:co:last:${who.codiceFiscale}`)).toMatchObject({
      start: '20100',
      end: '20400',
      qualifica: '7.1.1.1.0',
      tipoMovimento: 'CES',
      idComunicazione: ces.idComunicazione,
    });
    const record = inps(who);
    await sendInps(who, record);
    expect((await outputs(record.idComunicazione))[0]).toMatchObject({
      qualifica: '7.1.1.1.0',
      fonteQualifica: 'CO',
      dataInizioRapportoCo: 20_100,
    });
  });

  it('sends a record with no CO data once, as SCONOSCIUTA, when its wait runs out', async () => {
    const who = someone('15');
    const record = inps(who);
    await sendInps(who, record);
    expect(enricher.waiting.committed(who.codiceFiscale)).toHaveLength(1);
    await sleep(500);
    expect(countOf(record.idComunicazione)).toBe(0);
    clock += config.enricher.qualificationWaitMs;
    const [enriched] = await outputs(record.idComunicazione);
    expect(enriched).toMatchObject({
      qualifica: null,
      fonteQualifica: 'SCONOSCIUTA',
      qualificaCo: null,
      dataInizioRapportoCo: null,
      nodoDestinazione: '15',
      arricchitoIl: clock,
    });
    await sleep(1_500);
    expect(countOf(record.idComunicazione)).toBe(1);
    expect(enricher.waiting.committed(who.codiceFiscale)).toEqual([]);
    expect(enricher.counts.timedOut).toBeGreaterThanOrEqual(1);
  });

  it('survives a Redis flush and a restart: the CO table is rebuilt, no record lost or repeated', async () => {
    const known = someone('09');
    const waiter = someone('19');
    await sendCo(known, co(known, { qualificaProfessionale: '4.1.1.1.0', dataInizio: 20_300 }));
    const first = inps(known);
    await sendInps(known, first);
    expect((await outputs(first.idComunicazione))[0]?.fonteQualifica).toBe('CO');
    const waiting = inps(waiter);
    await sendInps(waiter, waiting);
    expect(enricher.waiting.committed(waiter.codiceFiscale)).toHaveLength(1);

    // Redis loses the enricher's keys while it runs: the next lookup finds the table gone and rebuilds it.
    expect(await flushEnricherKeys()).toBeGreaterThan(0);
    const rebuilds = enricher.counts.rebuilds;
    const second = inps(known);
    await sendInps(known, second);
    expect((await outputs(second.idComunicazione))[0]).toMatchObject({ fonteQualifica: 'CO', qualifica: '4.1.1.1.0' });
    expect(enricher.counts.rebuilds).toBe(rebuilds + 1);
    expect(await enricher.table.isRecipient(known.codiceFiscale)).toBe(true);

    // Again, with the service down (a running one would rebuild on its next lookup, and the restarted one would find
    // the table there): it rebuilds at start and reads the waiting records back from Kafka.
    await enricher.close();
    await flushEnricherKeys();
    enricher = await start();
    await Promise.all([enricher.runner.joined, enricher.loaded]);
    expect(enricher.counts.rebuilds).toBe(1);
    expect(await enricher.table.marker.built()).toBe(true);
    expect(enricher.waiting.committed(waiter.codiceFiscale).map((w) => w.percettore.idComunicazione)).toEqual([
      waiting.idComunicazione,
    ]);
    const third = inps(known);
    await sendInps(known, third);
    expect((await outputs(third.idComunicazione))[0]).toMatchObject({ fonteQualifica: 'CO', qualifica: '4.1.1.1.0' });
    await sendCo(waiter, co(waiter, { qualificaProfessionale: '3.3.1.2.1', dataInizio: 20_050 }));
    expect((await outputs(waiting.idComunicazione))[0]).toMatchObject({
      fonteQualifica: 'CO',
      qualifica: '3.3.1.2.1',
      nodoDestinazione: '19',
    });

    await sleep(1_500);
    const ids = [first, second, third, waiting].map((r) => r.idComunicazione);
    expect(ids.map(countOf)).toEqual([1, 1, 1, 1]);
    const all = out.records
      .filter((r) => r.topic === Topic.percettori)
      .map((r) => (r.value as unknown as Enriched).percettore.idComunicazione)
      .filter((id) => id.startsWith(`INPS-${run}-`));
    expect(new Set(all).size).toBe(all.length);
  });

  it('sends a record whose domicile comune is unknown to ncn.dlq with its original bytes', async () => {
    const who = someone();
    const record = inps(who, { codiceComuneDomicilio: 'X999' });
    const [bytes] = await sendInps(who, record);
    const [letter] = await out.waitFor(
      (r) => r.topic === Topic.dlq && r.key === who.codiceFiscale,
      (found) => found.length >= 1,
    );
    expect(letter?.raw.value?.equals(bytes as Buffer)).toBe(true);
    const header = (name: string): string | undefined => letter?.raw.headers?.[name]?.toString();
    expect(header(DeadLetterHeader.errorCode)).toBe('NCN_UNROUTABLE');
    expect(header(DeadLetterHeader.errorMessage)).toContain('X999');
    expect(header(DeadLetterHeader.service)).toBe('enricher');
    expect(header(DeadLetterHeader.sourceTopic)).toBe(Topic.inpsPercettori);
    expect(countOf(record.idComunicazione)).toBe(0);
    expect(enricher.waiting.committed(who.codiceFiscale)).toEqual([]);
  });

  it('lets two instances rebuild the CO table at once: both finish, and the table is marked complete once', async () => {
    const shared = `${prefix}-twice`;
    const [a, b] = [new CoTable(redis, shared), new CoTable(redis, shared)];
    // Each as one instance's: its own RebuildableIndex on the same Redis keys.
    const results = await Promise.all(
      [a, b].map((table) =>
        new RebuildableIndex({
          name: 'the CO table',
          marker: table.marker,
          fill: () => fillCoTable({ kafka, serde, table, logger: silentLogger }),
          logger: silentLogger,
          waitForOtherMs: 60_000,
        }).rebuild('test'),
      ),
    );
    expect(results).toHaveLength(2);
    expect(await a.marker.built()).toBe(true);
    expect(await redis.exists(`${shared}:enricher:co:building`)).toBe(0);
    const keys = await redis.keys(`${shared}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  }, 180_000);
});
