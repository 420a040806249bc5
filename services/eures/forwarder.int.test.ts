import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { avroSchema } from '../../contracts/avro/schemas';
import { Topic } from '../../contracts/topics';
import { euresDocument } from '../../lib/eures/hr-open';
import { startEuresForwarder, type Forwarder } from './forwarder';
import { startEuresStub, type EuresStub } from '../../lib/eures/stub';
import { AvroSerde, valueSubject } from '../runtime/avro-serde';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { freePort } from '../../test/support/free-port';
import { catalogueReady } from '../../test/support/ingest';
import { unique } from '../../test/support/unique';
import { canonical } from '../../test/support/canonical';

const total = Number(process.env.NCN_EURES_DOCUMENTS ?? 5_000);
const perItem = 5;
const actions = ['UPSERT', 'UPSERT', 'WITHDRAW', 'UPSERT', 'CLOSE'] as const;

describe('the EURES forwarder through an outage', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  let stub: EuresStub;
  let forwarder: Forwarder | undefined;

  beforeAll(async () => {
    await catalogueReady(kafka);
    stub = await startEuresStub();
  });

  afterAll(async () => {
    await forwarder?.close();
    await stub?.close();
  });

  const until = async (condition: () => boolean, timeoutMs: number, what: string): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (stub: ${JSON.stringify(stub.stats)})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it(`delivers ${total} documents exactly once each and in per-item order, EURES down in the middle`, async () => {
    const config = {
      ...testConfig,
      eures: { url: stub.url, timeoutMs: 500, breakerFailures: 3, breakerCooldownMs: 200 },
    };
    const groupId = unique('test.eures');
    const start = () =>
      startEuresForwarder({ config, kafka, serde, logger: silentLogger, groupId, fromBeginning: false });
    forwarder = await start();
    await forwarder.fetching;

    const run = randomBytes(4).toString('hex').toUpperCase();
    const items = total / perItem;
    const documents = {
      CANDIDATURA: euresDocument(canonical('CANDIDATURA', { scope: '03' })),
      VACANCY: euresDocument(canonical('VACANCY')),
    };
    const id = await serde.register(valueSubject(Topic.euresOut), avroSchema('it.ncn.EuresDelivery'));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    // Round by round: every item's version n goes before its version n + 1, items interleaved.
    for (let v = 1; v <= perItem; v++) {
      const messages = await Promise.all(
        Array.from({ length: items }, async (_, i) => {
          const kind = i % 2 === 0 ? 'CANDIDATURA' : 'VACANCY';
          const root = `05${kind[0]}${run}${String(i).padStart(14, '0')}`.slice(0, 25);
          const action = actions[v - 1] ?? 'UPSERT';
          return {
            key: root,
            value: await serde.encode(id, {
              action,
              kind,
              root,
              version: v,
              idempotencyKey: `${root}/${v}/${action}`,
              contentType: 'application/xml',
              document: action === 'UPSERT' ? documents[kind] : null,
              createdAt: Date.now(),
            }),
          };
        }),
      );
      for (let i = 0; i < messages.length; i += 500) {
        await producer.send({ topic: Topic.euresOut, messages: messages.slice(i, i + 500) });
      }
    }
    await producer.disconnect();

    // EURES goes down a third of the way: first failing, then hanging; the forwarder restarts meanwhile.
    await until(() => stub.received.length >= total / 3, 120_000, 'a third of the documents');
    stub.setMode('fail');
    await until(() => forwarder?.breaker.state !== 'closed', 10_000, 'the breaker to open');
    const duringOutage = stub.received.length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    stub.setMode('stall');
    await forwarder.close();
    forwarder = await start();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(stub.received.length).toBe(duringOutage);
    stub.setMode('ok');
    await until(() => stub.received.length >= total, 180_000, 'every document');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const keys = stub.received.map((r) => r.key);
    expect(new Set(keys).size).toBe(total);
    expect(stub.received).toHaveLength(total);
    const byItem = new Map<string, number[]>();
    for (const r of stub.received) byItem.set(r.root, [...(byItem.get(r.root) ?? []), r.version]);
    expect(byItem.size).toBe(items);
    for (const [root, versions] of byItem) expect({ root, versions }).toEqual({ root, versions: [1, 2, 3, 4, 5] });
    console.info(
      `EURES outage run: ${total} documents, held ${stub.received.length} once each; requests ${stub.stats.requests}, ` +
        `failed ${stub.stats.failed}, stalled ${stub.stats.stalled}, duplicates ${stub.stats.duplicates}, refused ${stub.stats.refused}`,
    );
    expect(stub.stats.failed).toBeGreaterThan(0);
    expect(stub.stats.refused).toBe(0);
  }, 400_000);

  it('waits for a schema registry that does not answer instead of burying the documents it cannot read yet', async () => {
    // The real registry behind a door the test opens and shuts: shut, connections to it are refused.
    const target = new URL(testConfig.registry.url);
    const body = async (request: IncomingMessage): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const door = createServer((request, response) => {
      void (async () => {
        const sent = await body(request);
        const answer = await fetch(new URL(request.url ?? '/', target.origin), {
          method: request.method,
          headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
          body: request.method === 'GET' || request.method === 'HEAD' ? undefined : sent,
        });
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        response.end(Buffer.from(await answer.arrayBuffer()));
      })().catch(() => response.destroy());
    });
    const port = await freePort();
    const shut = (): Promise<void> => {
      const closed = new Promise<void>((resolve) => door.close(() => resolve()));
      door.closeAllConnections();
      return closed;
    };
    const open = async (): Promise<void> => {
      door.listen(port, '127.0.0.1');
      await once(door, 'listening');
    };
    const receiver = await startEuresStub();
    let local: Forwarder | undefined;
    try {
      const registryUrl = `http://127.0.0.1:${port}${target.pathname}`;
      const config = {
        ...testConfig,
        registry: { ...testConfig.registry, url: registryUrl },
        eures: { url: receiver.url, timeoutMs: 2_000, breakerFailures: 3, breakerCooldownMs: 200 },
      };
      // A forwarder that has read no schema yet (a fresh start), while the registry is unreachable.
      local = await startEuresForwarder({
        config,
        kafka,
        serde: new AvroSerde(registryUrl),
        logger: silentLogger,
        groupId: unique('test.eures.registry'),
        fromBeginning: false,
      });
      await local.fetching;

      const count = 60;
      const run = randomBytes(4).toString('hex').toUpperCase();
      const id = await serde.register(valueSubject(Topic.euresOut), avroSchema('it.ncn.EuresDelivery'));
      const document = euresDocument(canonical('VACANCY'));
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const roots = Array.from({ length: count }, (_, i) => `05V${run}${String(i).padStart(14, '0')}`.slice(0, 25));
      await producer.send({
        topic: Topic.euresOut,
        messages: await Promise.all(
          roots.map(async (root) => ({
            key: root,
            value: await serde.encode(id, {
              action: 'UPSERT',
              kind: 'VACANCY',
              root,
              version: 1,
              idempotencyKey: `${root}/1/UPSERT`,
              contentType: 'application/xml',
              document,
              createdAt: Date.now(),
            }),
          })),
        ),
      });
      await producer.disconnect();

      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(receiver.received).toHaveLength(0);
      await open();
      await until(() => receiver.received.length >= count, 60_000, `the ${count} documents`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(receiver.received.map((r) => r.key).sort()).toEqual(roots.map((r) => `${r}/1/UPSERT`).sort());
      expect(local.counts.delivered).toBe(count);
    } finally {
      await local?.close();
      await receiver.close();
      if (door.listening) await shut();
    }
  }, 120_000);
});
