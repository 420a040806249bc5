import { randomBytes } from 'node:crypto';
import { avroSchema } from '../../contracts/avro/schemas';
import { nodeTopic, Topic } from '../../contracts/topics';
import { startDispatcher, type Dispatcher } from './service';
import { person } from '../../lib/gen/people';
import { Random } from '../../lib/gen/random';
import { generatePercettore } from '../../lib/gen/records';
import { AvroSerde, valueSubject } from '../runtime/avro-serde';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { Collector } from '../../test/support/collect';
import { catalogueReady } from '../../test/support/ingest';
import { loseFirstCommitAnswer } from '../../test/support/lost-commit';
import { unique } from '../../test/support/unique';

describe('the dispatcher when the answer to a commit is lost (the transaction did commit)', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  const group = unique('test.dispatcher');
  // The holdings' follower falls behind just then: only the dispatcher's own bookkeeping can know the holding.
  const faulty = loseFirstCommitAnswer(
    kafka,
    (tx) => tx.transactionalId.startsWith(`${group}.`) && tx.topics.includes(Topic.percettori),
    {
      stall: (topics) => topics.includes(Topic.dispatcherHolders),
      stallMs: 4_000,
    },
  );
  let dispatcher: Dispatcher;
  let out: Collector;

  beforeAll(async () => {
    await catalogueReady(kafka);
    out = await Collector.start(kafka, serde, [nodeTopic.out('12')]);
    dispatcher = await startDispatcher({
      config: testConfig,
      kafka: faulty.kafka,
      serde,
      logger: silentLogger,
      groupId: group,
      fromBeginning: false,
    });
    await dispatcher.runner.fetching;
  });

  afterAll(async () => {
    await dispatcher?.close();
    await out?.stop();
  });

  it('routes the next record on the holding that transaction wrote: no version delivered twice', async () => {
    const rng = new Random(randomBytes(4).readUInt32BE(0));
    const who = person(rng, '12');
    const at = new Date();
    const id = await serde.register(valueSubject(Topic.percettori), avroSchema('it.ncn.PercettoreArricchito'));
    const enriched = (sequence: number) =>
      serde.encode(id, {
        percettore: generatePercettore(rng, who, at, sequence),
        qualifica: null,
        fonteQualifica: 'SCONOSCIUTA',
        qualificaCo: null,
        dataInizioRapportoCo: null,
        nodoDestinazione: '12',
        arricchitoIl: at.getTime(),
      });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const mine = (r: { topic: string; key: string }) => r.key === who.codiceFiscale;
    try {
      await producer.send({
        topic: Topic.percettori,
        messages: [{ key: who.codiceFiscale, value: await enriched(1) }],
      });
      await out.waitFor(mine, (d) => d.length >= 1);
      // The first record's transaction committed, but the dispatcher was told it failed.
      expect(faulty.lost()).toBe(1);
      await producer.send({
        topic: Topic.percettori,
        messages: [{ key: who.codiceFiscale, value: await enriched(2) }],
      });
      await out.waitFor(mine, (d) => d.length >= 2);
    } finally {
      await producer.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const ids = out.records.filter(mine).map((r) => String(r.value.deliveryId));
    expect(ids).toEqual([`${who.codiceFiscale}/1/UPSERT/12`, `${who.codiceFiscale}/2/UPSERT/12`]);
  });
});
