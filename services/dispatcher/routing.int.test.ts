import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { avroSchema } from '../../contracts/avro/schemas';
import { NodeIds, type NodeId } from '../../contracts/nodes';
import { nodeTopic, Topic } from '../../contracts/topics';
import { startDispatcher, type Dispatcher } from './service';
import { startEnricher, type Enricher } from '../enricher/service';
import { person } from '../../lib/gen/people';
import { Random } from '../../lib/gen/random';
import { generatePercettore, generateRapporto } from '../../lib/gen/records';
import { startIngest, type Ingest } from '../ingest/service';
import { AvroSerde, valueSubject } from '../runtime/avro-serde';
import { createRedis } from '../runtime/redis';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { Collector } from '../../test/support/collect';
import { catalogueReady, submitAs } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';
import { validCandidatura } from '../../test/support/xml-cases';
import { comuneOf } from '../../test/support/canonical';

const run = randomBytes(4).toString('hex').toUpperCase();
const rng = new Random(randomBytes(4).readUInt32BE(0));
const RegionalNodes = NodeIds.filter((n) => n !== '00');

function cv(code: string, home: NodeId): Buffer {
  return Buffer.from(
    validCandidatura
      .replace('12R0000000000000000000001', code)
      .replace(/(<Domicilio>\s*<idcomune>)[A-Z]\d{3}</, `$1${comuneOf(home)}<`)
      .replace(/<cap>\d{5}<\/cap>(\s*<\/Domicilio>)/, '$1'),
  );
}

interface Delivery {
  node: string;
  action: string;
  kind: string;
  root: string;
  deliveryId: string;
  percettore: { fonteQualifica: string; qualifica: string | null; percettore: { idComunicazione: string } } | null;
}

describe('routing end to end: INPS enrichment, and Redis lost in the middle of a run', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  const prefix = unique('ncn-test');
  const config = { ...testConfig, redis: { ...testConfig.redis, prefix } };
  const groups = {
    ingest: unique('test.ingest'),
    enricher: unique('test.enricher'),
    dispatcher: unique('test.dispatcher'),
  };
  let redis: Redis;
  let out: Collector;
  let services: { ingest: Ingest; enricher: Enricher; dispatcher: Dispatcher } | undefined;

  const start = async (): Promise<void> => {
    const common = { config, kafka, serde, logger: silentLogger, fromBeginning: false };
    const [ingest, enricher, dispatcher] = await Promise.all([
      startIngest({ ...common, groupId: groups.ingest }),
      startEnricher({ ...common, redis, groupId: groups.enricher }),
      startDispatcher({ ...common, groupId: groups.dispatcher }),
    ]);
    services = { ingest, enricher, dispatcher };
    await Promise.all([ingest.runner.fetching, enricher.runner.fetching, dispatcher.runner.fetching]);
  };
  const stop = async (): Promise<void> => {
    if (services === undefined) return;
    await Promise.all([services.ingest.close(), services.enricher.close(), services.dispatcher.close()]);
    services = undefined;
  };
  const flushOurKeys = async (): Promise<number> => {
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    return keys.length;
  };

  beforeAll(async () => {
    await catalogueReady(kafka);
    redis = createRedis(config);
    out = await Collector.start(
      kafka,
      serde,
      NodeIds.map((n) => nodeTopic.out(n)),
    );
    await start();
  });

  afterAll(async () => {
    await stop();
    await out?.stop();
    await flushOurKeys();
    await redis.quit();
  });

  const publish = async (topic: string, records: { key: string; value: Record<string, unknown> }[]): Promise<void> => {
    const id = await serde.register(
      valueSubject(topic),
      avroSchema(topic === Topic.inpsPercettori ? 'it.ncn.Percettore' : 'it.ncn.RapportoLavoro'),
    );
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic,
      messages: await Promise.all(records.map(async (r) => ({ key: r.key, value: await serde.encode(id, r.value) }))),
    });
    await producer.disconnect();
  };

  it('an INPS record without qualification goes out enriched once its CO record arrives, to its region only', async () => {
    const who = person(rng, '09');
    const inps = {
      ...generatePercettore(rng, who, new Date(), 1),
      idComunicazione: `INPS-${run}-1`,
      ultimaQualifica: null,
    };
    await publish(Topic.inpsPercettori, [{ key: who.codiceFiscale, value: inps }]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const early = out.records.filter((r) => r.key === who.codiceFiscale);
    expect(early).toEqual([]); // waiting for CO data
    const co = {
      ...generateRapporto(rng, who, new Date(), 1),
      idComunicazione: `CO-${run}-1`,
      qualificaProfessionale: '5.2.2.1.0',
    };
    await publish(Topic.coRapporti, [{ key: who.codiceFiscale, value: co }]);
    const delivered = await out.waitFor<Delivery>(
      (r) => r.key === who.codiceFiscale,
      (d) => d.length >= 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const all = out.records.filter((r) => r.key === who.codiceFiscale) as unknown as {
      topic: string;
      value: Delivery;
    }[];
    expect(all.map((d) => [d.topic, d.value.action, d.value.kind])).toEqual([
      [nodeTopic.out('09'), 'UPSERT', 'PERCETTORE'],
    ]);
    expect(delivered[0]?.value.percettore).toMatchObject({ fonteQualifica: 'CO', qualifica: '5.2.2.1.0' });
  });

  it('loses and repeats no delivery when Redis is flushed in the middle and the services restart', async () => {
    const items = 120;
    const people = 60;
    const codes = Array.from({ length: items }, (_, i) => `05C${run}${String(i).padStart(14, '0')}`.slice(0, 25));
    const homes = codes.map((_, i) => RegionalNodes[i % RegionalNodes.length] as NodeId);
    const persons = Array.from({ length: people }, (_, i) => person(rng, RegionalNodes[i % RegionalNodes.length]));
    const inps = persons.map((p, i) => ({
      key: p.codiceFiscale,
      value: {
        ...generatePercettore(rng, p, new Date(), i),
        idComunicazione: `INPS-${run}-R${i}`,
        ultimaQualifica: null,
      },
    }));
    const co = persons.map((p, i) => ({
      key: p.codiceFiscale,
      value: { ...generateRapporto(rng, p, new Date(), i), idComunicazione: `CO-${run}-R${i}` },
    }));
    const half = items / 2;
    const halfPeople = people / 2;

    // First half: CVs, and CO before INPS for half the people (their records go out at once).
    await submitAs(
      kafka,
      '05',
      codes.slice(0, half).map((c, i) => ({ key: c, bytes: cv(c, homes[i] ?? '01') })),
    );
    await publish(Topic.coRapporti, co.slice(0, halfPeople));
    await publish(Topic.inpsPercettori, inps.slice(0, halfPeople));
    await out.waitFor(
      (r) => r.value.kind === 'PERCETTORE' && inps.slice(0, halfPeople).some((i) => i.key === r.key),
      (d) => d.length >= halfPeople,
      60_000,
    );
    // Redis loses everything of this node; the services go down and come back.
    expect(await flushOurKeys()).toBeGreaterThan(0);
    await stop();
    await start();
    // Second half: the rest of the CVs; INPS first for the other people (they wait), then their CO records.
    await submitAs(
      kafka,
      '05',
      codes.slice(half).map((c, i) => ({ key: c, bytes: cv(c, homes[half + i] ?? '01') })),
    );
    await publish(Topic.inpsPercettori, inps.slice(halfPeople));
    await publish(Topic.coRapporti, co.slice(halfPeople));
    // And for the first people a second INPS record: the rebuilt CO table must know them.
    const again = inps.slice(0, 10).map((r, i) => ({
      key: r.key,
      value: { ...r.value, idComunicazione: `INPS-${run}-A${i}`, tipoOperazione: 'U' },
    }));
    await publish(Topic.inpsPercettori, again);

    const cvDeliveries = await out.waitFor<Delivery>(
      (r) => codes.includes(r.key),
      (d) => d.length >= items * 21,
      120_000,
    );
    const percettori = await out.waitFor<Delivery>(
      (r) => r.value.kind === 'PERCETTORE' && persons.some((p) => p.codiceFiscale === r.key),
      (d) => d.length >= people + again.length,
      120_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const ids = out.records.filter((r) => codes.includes(r.key)).map((r) => String(r.value.deliveryId));
    expect(new Set(ids).size).toBe(items * 21);
    expect(ids).toHaveLength(items * 21);
    expect(cvDeliveries.every((d) => d.value.action === 'UPSERT')).toBe(true);
    const inpsOut = out.records.filter(
      (r) => r.value.kind === 'PERCETTORE' && persons.some((p) => p.codiceFiscale === r.key),
    );
    const byRecord = new Map<string, number>();
    for (const r of inpsOut) {
      const id = (r.value as unknown as Delivery).percettore?.percettore.idComunicazione ?? '';
      byRecord.set(id, (byRecord.get(id) ?? 0) + 1);
    }
    expect([...byRecord.values()].filter((n) => n !== 1)).toEqual([]);
    expect(byRecord.size).toBe(people + again.length);
    // Every INPS record reached its region's node, enriched from CO (the rebuilt table included).
    for (const r of inpsOut) {
      const d = r.value as unknown as Delivery;
      expect(d.percettore?.fonteQualifica).toBe('CO');
      const p = persons.find((x) => x.codiceFiscale === r.key);
      expect(r.topic).toBe(nodeTopic.out((p?.domicile.node ?? '00') as NodeId));
    }
    expect(percettori.length).toBeGreaterThanOrEqual(people);
  }, 300_000);
});
