import type { Schema } from 'avsc';
import { AvroSerde, valueSubject } from './avro-serde';
import { createTopics } from './topics';
import { testConfig, testKafka } from '../../test/support/clients';
import { consumeUntil } from '../../test/support/consume';
import { unique } from '../../test/support/unique';

const receiptV1: Schema = {
  type: 'record',
  name: 'Receipt',
  namespace: 'it.ncn.test',
  fields: [
    { name: 'code', type: 'string' },
    { name: 'outcome', type: { type: 'enum', name: 'Outcome', symbols: ['accepted', 'duplicate', 'rejected'] } },
  ],
};

/** Adds a field with a default: readers of v2 can read v1 data, so BACKWARD allows it. */
const receiptV2: Schema = {
  ...receiptV1,
  fields: [
    ...(receiptV1 as { fields: object[] }).fields,
    { name: 'errors', type: { type: 'array', items: 'string' }, default: [] },
  ],
} as Schema;

/** Adds a field without a default: v3 cannot read v1 data, so BACKWARD refuses it. */
const receiptBroken: Schema = {
  ...receiptV1,
  fields: [...(receiptV1 as { fields: object[] }).fields, { name: 'node', type: 'string' }],
} as Schema;

const registryUrl = testConfig.registry.url;

async function subjectCompatibility(subject: string): Promise<string | undefined> {
  const response = await fetch(`${registryUrl}/config/${subject}`);
  return ((await response.json()) as { compatibilityLevel?: string }).compatibilityLevel;
}

describe('AvroSerde against the real schema registry', () => {
  const serde = new AvroSerde(registryUrl);

  it('registers a schema, returns the same id for the same schema, and serves it by id', async () => {
    const subject = valueSubject(unique('test.receipts'));
    const id = await serde.register(subject, receiptV1);
    expect(id).toBeGreaterThan(0);
    expect(await serde.register(subject, receiptV1)).toBe(id);
    expect(JSON.parse(await serde.schemaById(id))).toMatchObject({ name: 'Receipt', namespace: 'it.ncn.test' });
    expect(await subjectCompatibility(subject)).toBe('BACKWARD');
  });

  it('registers a new subject from several processes at once: each gets the id, none is refused', async () => {
    // Instances of a service starting together race to give the new subject its rule; the registry refuses the
    // second rule ("already exists"), which must not fail the registration.
    for (let round = 0; round < 3; round++) {
      const subject = valueSubject(unique('test.receipts'));
      const ids = await Promise.all(
        Array.from({ length: 6 }, () => new AvroSerde(registryUrl).register(subject, receiptV1)),
      );
      expect(new Set(ids).size).toBe(1);
      expect(await subjectCompatibility(subject)).toBe('BACKWARD');
    }
  });

  it('accepts a BACKWARD-compatible evolution and refuses an incompatible one', async () => {
    const subject = valueSubject(unique('test.receipts'));
    const v1 = await serde.register(subject, receiptV1);
    const v2 = await serde.register(subject, receiptV2);
    expect(v2).not.toBe(v1);
    await expect(serde.register(subject, receiptBroken)).rejects.toMatchObject({
      code: 'NCN_SCHEMA',
      retriable: false,
    });
  });

  it('gives an existing subject without its own rule BACKWARD instead of tripping on the global default', async () => {
    const subject = valueSubject(unique('test.legacy'));
    // A subject created by someone else, with no compatibility rule of its own.
    const created = await fetch(`${registryUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(receiptV1) }),
    });
    expect(created.ok).toBe(true);
    expect(await subjectCompatibility(subject)).not.toBe('BACKWARD');

    await serde.register(subject, receiptV2);
    expect(await subjectCompatibility(subject)).toBe('BACKWARD');
    await expect(serde.register(subject, receiptBroken)).rejects.toMatchObject({ code: 'NCN_SCHEMA' });
  });

  it('writes the Confluent wire format and reads it back through Kafka', async () => {
    const topic = unique('test.wire');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();

    const id = await serde.register(valueSubject(topic), receiptV1);
    const value = { code: 'CV000000000000000000000001', outcome: 'accepted' };
    const bytes = await serde.encode(id, value);
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(id);

    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: value.code, value: bytes }] });
    } finally {
      await producer.disconnect();
    }

    const [message] = await consumeUntil(kafka, topic, (messages) => messages.length === 1);
    const received = message?.value ?? Buffer.alloc(0);

    expect(received.equals(bytes)).toBe(true);
    expect(await serde.decode(received)).toEqual(value);
  });

  it('refuses bytes that are not in the wire format with a permanent NCN_DECODE error', async () => {
    await expect(serde.decode(Buffer.from('<Candidatura/>'))).rejects.toMatchObject({
      code: 'NCN_DECODE',
      retriable: false,
    });
  });
});
