import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeTopic, topicCatalogue } from '../../contracts/topics';
import type { NodeId } from '../../contracts/nodes';
import { kafkaLibs, resolveKafka } from '../../infra/local/kafka';
import { stackSettings } from '../../infra/local/settings';
import { generateTraffic } from '../../lib/gen/traffic';
import { avroSchema } from '../../contracts/avro/schemas';
import { valueSubject, AvroSerde } from '../../services/runtime/avro-serde';
import { createKafka, isAuthorizationError, type Admin, type Kafka, type Producer } from '../../services/runtime/kafka';
import { allows, loadPolicy, type Principal } from '../../lib/security/policy';
import { provision } from '../../services/cli/provision';
import { silentLogger, testConfig, testKafka } from '../support/clients';
import { sha256 } from '../support/ingest';
import { unusedDay } from '../support/unique';
import { startService, stopService, type ServiceProcess } from '../support/service-process';

/**
 * The ACL matrix on the secured broker: the policy (infra/security/acls.json) is provisioned, then every principal
 * tries to write and describe every topic of the catalogue, and to read where it matters; the broker's answer must
 * be the policy's, whether that is a refusal or a success. Runs only against a broker with SASL (the local stack);
 * a broker the tests reach without credentials has nothing to enforce.
 */
const secured = testConfig.kafka.sasl !== undefined;
(secured ? describe : describe.skip)('security: SASL/SCRAM and ACLs on the broker', () => {
  const policy = loadPolicy();
  const principal = (name: string): Principal => {
    const p = policy.find((x) => x.name === name);
    if (p === undefined) throw new Error(`no principal ${name} in the policy`);
    return p;
  };
  const topics = topicCatalogue.map((t) => t.name);
  const credentials = mkdtempSync(join(tmpdir(), 'ncn-acl-'));
  let passwords: ReadonlyMap<string, string> = new Map();
  const tally = { allowed: 0, denied: 0 };
  const serde = new AvroSerde(testConfig.registry.url);
  let service: ServiceProcess | undefined;

  const clientOf = (name: string, password = passwords.get(name) ?? ''): Kafka =>
    createKafka(
      { ...testConfig, kafka: { ...testConfig.kafka, sasl: { mechanism: 'scram-sha-512', username: name, password } } },
      silentLogger,
      `ncn-acl-${name}`,
      { connectTimeoutMs: 30_000 },
    );

  /** Runs one check: 'allowed' when it succeeds, 'denied' when the broker refuses it by ACL; anything else throws. */
  const attempt = async (work: () => Promise<unknown>): Promise<'allowed' | 'denied'> => {
    try {
      await work();
      return 'allowed';
    } catch (error) {
      if (isAuthorizationError(error)) return 'denied';
      throw error;
    }
  };

  /** Compares the broker's answer with the policy's, counts it, and returns a line when they differ. */
  const check = (what: string, expected: boolean, got: 'allowed' | 'denied'): string[] => {
    tally[got]++;
    return (got === 'allowed') === expected
      ? []
      : [`${what}: policy says ${expected ? 'allowed' : 'denied'}, broker ${got}`];
  };

  /**
   * A read through a consumer group: allowed once a fetch answered (the partition's end is known), denied when the
   * broker refuses the group or the fetch (the poll throws its authorization error).
   */
  const read = async (kafka: Kafka, groupId: string, topic: string): Promise<'allowed' | 'denied'> => {
    const consumer = kafka.groupConsumer({ groupId, topics: [topic], fromBeginning: true });
    try {
      await consumer.connect();
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        await consumer.poll(10);
        if (consumer.assignment().some((p) => consumer.end(p) !== undefined)) return 'allowed';
      }
      throw new Error(`${groupId} on ${topic}: no answer in 30 s`);
    } catch (error) {
      if (isAuthorizationError(error)) return 'denied';
      throw error;
    } finally {
      await consumer.disconnect();
    }
  };

  beforeAll(async () => {
    const settings = stackSettings();
    resolveKafka(settings);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      ({ passwords } = await provision({
        admin,
        config: testConfig,
        principals: policy,
        credentialsDir: credentials,
        env: {},
        kafkaLibs: kafkaLibs(settings),
        say: () => undefined,
      }));
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  afterAll(async () => {
    await stopService(service);
    rmSync(credentials, { recursive: true, force: true });
    console.info(
      `ACL matrix: ${tally.allowed + tally.denied} checks, ${tally.denied} denied, ${tally.allowed} allowed`,
    );
  });

  it('refuses a client without credentials and one with a wrong password', async () => {
    const anonymous = createKafka(
      { ...testConfig, kafka: { ...testConfig.kafka, sasl: undefined } },
      silentLogger,
      'ncn-acl-anonymous',
      { connectTimeoutMs: 1_000 },
    );
    const admin = anonymous.admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);

    const wrong = clientOf('node-05', 'not-the-password').admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL|authentication/i);
    await wrong.disconnect().catch(() => undefined);
  });

  it('gives every principal exactly the policy on every topic: write and describe', async () => {
    const mismatches: string[] = [];
    await Promise.all(
      policy.map(async (p) => {
        const kafka = clientOf(p.name);
        const producer: Producer = kafka.producer();
        const admin: Admin = kafka.admin();
        await Promise.all([producer.connect(), admin.connect()]);
        try {
          for (const topic of topics) {
            mismatches.push(
              ...check(
                `${p.name} describe ${topic}`,
                allows(p, 'topic', topic, 'Describe'),
                await attempt(() => admin.fetchTopicOffsets(topic)),
              ),
            );
            const mayWrite = allows(p, 'topic', topic, 'Write');
            // Refusals are tried with a record; a write the policy allows is tried where it leaves no mark (below).
            if (!mayWrite) {
              mismatches.push(
                ...check(
                  `${p.name} write ${topic}`,
                  false,
                  await attempt(() => producer.send({ topic, messages: [{ key: 'acl', value: 'refused' }] })),
                ),
              );
            }
          }
        } finally {
          await Promise.all([producer.disconnect(), admin.disconnect()]);
        }
      }),
    );
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('lets each service write what it produces, inside a transaction of its own id prefix (aborted: no trace)', async () => {
    const mismatches: string[] = [];
    for (const p of policy.filter((x) => x.bindings.some((b) => b.resource === 'transactionalId'))) {
      const prefix = p.bindings.find((b) => b.resource === 'transactionalId')?.name ?? '';
      const kafka = clientOf(p.name);
      for (const topic of topics.filter((t) => allows(p, 'topic', t, 'Write'))) {
        const producer = kafka.transactionalProducer({
          transactionalId: `${prefix}.acl-${randomUUID()}`,
        });
        await producer.connect();
        try {
          const outcome = await attempt(async () => {
            const tx = await producer.transaction();
            try {
              await tx.send({ topic, messages: [{ key: 'acl', value: 'aborted' }] });
            } finally {
              await tx.abort();
            }
          });
          mismatches.push(...check(`${p.name} write ${topic}`, true, outcome));
        } finally {
          await producer.disconnect();
        }
      }
      // A transactional id outside its prefix is refused.
      const foreign = kafka.transactionalProducer({
        transactionalId: `not-${prefix}.acl-${randomUUID()}`,
      });
      mismatches.push(
        ...check(
          `${p.name} transactional id outside ${prefix}*`,
          false,
          await attempt(async () => {
            await foreign.connect();
            const tx = await foreign.transaction();
            await tx.abort();
          }),
        ),
      );
      await foreign.disconnect().catch(() => undefined);
    }
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('lets INPS and CO publish their feeds, and each node send on its own topic only', async () => {
    const mismatches: string[] = [];
    const records = [...generateTraffic({ seed: 8, candidature: 0, vacancies: 0, inps: 1, co: 1 })];
    for (const [name, topic] of [
      ['inps', 'inps.percettori'],
      ['co', 'co.rapporti'],
    ] as const) {
      const record = records.find((r) => r.topic === topic);
      const spec = topicCatalogue.find((t) => t.name === topic);
      if (record === undefined || !('value' in record) || spec?.avro === undefined)
        throw new Error(`no ${topic} record`);
      const value = await serde.encode(await serde.register(valueSubject(topic), avroSchema(spec.avro)), record.value);
      const producer = clientOf(name).producer({ idempotent: true });
      await producer.connect();
      mismatches.push(
        ...check(
          `${name} write ${topic}`,
          true,
          await attempt(() => producer.send({ topic, messages: [{ key: record.key, value }] })),
        ),
      );
      await producer.disconnect();
    }
    // A node's send is a submission: a document that ingest will refuse (not XML), which costs nothing.
    for (const p of policy.filter((x) => x.name.startsWith('node-'))) {
      const node = p.name.slice(5) as NodeId;
      const producer = clientOf(p.name).producer({ idempotent: true });
      await producer.connect();
      mismatches.push(
        ...check(
          `${p.name} write ${nodeTopic.in(node)}`,
          true,
          await attempt(() =>
            producer.send({ topic: nodeTopic.in(node), messages: [{ key: 'acl', value: 'acl check' }] }),
          ),
        ),
      );
      await producer.disconnect();
    }
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('lets a node read its deliveries and receipts under its group prefix, and nothing else', async () => {
    const mismatches: string[] = [];
    await Promise.all(
      policy
        .filter((x) => x.name.startsWith('node-'))
        .map(async (p) => {
          const node = p.name.slice(5) as NodeId;
          const kafka = clientOf(p.name);
          const group = (suffix: string): string => `nr.${node}.acl-${suffix}-${randomUUID().slice(0, 6)}`;
          mismatches.push(
            ...check(
              `${p.name} read ${nodeTopic.out(node)}`,
              true,
              await read(kafka, group('out'), nodeTopic.out(node)),
            ),
            ...check(
              `${p.name} read ${nodeTopic.receipts(node)}`,
              true,
              await read(kafka, group('r'), nodeTopic.receipts(node)),
            ),
            // It may write its inbound topic, so it may see it exists; reading it is refused at the fetch.
            ...check(`${p.name} read ${nodeTopic.in(node)}`, false, await read(kafka, group('in'), nodeTopic.in(node))),
            // Its own topic, but a group outside its prefix.
            ...check(
              `${p.name} group ingest`,
              false,
              await read(kafka, `ingest.acl-${randomUUID()}`, nodeTopic.receipts(node)),
            ),
          );
          // Every other node's deliveries and receipts.
          for (const other of policy.filter((x) => x.name.startsWith('node-') && x !== p)) {
            const o = other.name.slice(5) as NodeId;
            for (const topic of [nodeTopic.out(o), nodeTopic.receipts(o)]) {
              mismatches.push(...check(`${p.name} read ${topic}`, false, await read(kafka, group('x'), topic)));
            }
          }
        }),
    );
    expect(mismatches).toEqual([]);
  }, 600_000);

  it('lets the lag monitor describe groups and offsets, and read nothing', async () => {
    const p = principal('svc-lag-monitor');
    const kafka = clientOf(p.name);
    const admin = kafka.admin();
    await admin.connect();
    const mismatches: string[] = [];
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      mismatches.push(...check('svc-lag-monitor list groups', true, groups.length > 0 ? 'allowed' : 'denied'));
      const group = groups.find((g) => g.startsWith('test.')) ?? groups[0] ?? '';
      mismatches.push(
        ...check(
          `svc-lag-monitor offsets of ${group}`,
          true,
          await attempt(() => admin.fetchOffsets({ groupId: group })),
        ),
      );
    } finally {
      await admin.disconnect();
    }
    for (const topic of ['ncn.candidature', 'nr.05.out', 'ncn.audit']) {
      mismatches.push(
        ...check(`svc-lag-monitor read ${topic}`, false, await read(kafka, `lag-${randomUUID()}`, topic)),
      );
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('runs ingest as its own principal: a node sends, ingest decides, the node reads its receipt', async () => {
    // A day no other run uses, so that the item's code is new.
    const day = unusedDay();
    const submission = [
      ...generateTraffic({ seed: day.getTime() % 100_000, candidature: 1, vacancies: 0, inps: 0, co: 0, day }),
    ][0];
    if (submission === undefined || !('xml' in submission)) throw new Error('no submission');
    const node = submission.topic.slice(3, 5) as NodeId;
    const bytes = Buffer.from(submission.xml);
    service = startService('ingest', {
      NCN_KAFKA_USERNAME: 'svc-ingest',
      NCN_KAFKA_PASSWORD: passwords.get('svc-ingest') ?? '',
      NCN_GROUP_ID: `ingest.acl-${randomUUID().slice(0, 8)}`,
      NCN_AUTO_OFFSET_RESET: 'latest',
    });
    await service.ready;
    const kafka = clientOf(`node-${node}`);
    let assigned: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => (assigned = resolve));
    const consumer = kafka.groupConsumer({
      groupId: `nr.${node}.acl-receipts-${randomUUID().slice(0, 6)}`,
      topics: [nodeTopic.receipts(node)],
      fromBeginning: false,
      onAssign: () => assigned(),
    });
    await consumer.connect();
    const hash = sha256(bytes);
    let value: Buffer | undefined;
    // Polling serves the group's assignment too: it runs from before the join until the receipt is there.
    const receipt = (async () => {
      const deadline = Date.now() + 110_000;
      while (value === undefined && Date.now() < deadline) {
        for (const record of await consumer.poll(100)) {
          if (record.value?.toString('latin1').includes(hash)) value = record.value;
        }
      }
    })();
    await joined;
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: nodeTopic.in(node), messages: [{ key: submission.key, value: bytes }] });
    await producer.disconnect();
    await receipt;
    await consumer.disconnect();
    if (value === undefined) throw new Error('no receipt in 110 s');
    const decoded = await serde.decode<{ outcome: string; code: string }>(value);
    expect(decoded.outcome).toBe('ACCEPTED');
  }, 120_000);
});
