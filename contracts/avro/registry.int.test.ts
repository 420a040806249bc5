import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Schema } from 'avsc';
import { AvroFiles, avroSchema, type AvroRecordName } from './schemas';
import { topicCatalogue } from '../topics';
import { AvroSerde } from '../../services/runtime/avro-serde';
import { registerTopicSchemas } from '../../services/runtime/register-schemas';
import { testConfig } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

type Fields = { fields: Record<string, unknown>[] };
const withField = (schema: Schema, field: Record<string, unknown>): Schema =>
  ({ ...(schema as object), fields: [...(schema as unknown as Fields).fields, field] }) as unknown as Schema;

describe('the Avro contracts in the real schema registry', () => {
  const serde = new AvroSerde(testConfig.registry.url);

  it('registers the value schema of every Avro topic of the catalogue, once per schema', async () => {
    const prefix = unique('test');
    const specs = topicCatalogue.filter((t) => t.avro !== undefined);
    const ids = await registerTopicSchemas(serde, specs, (topic) => `${prefix}.${topic}-value`);
    expect(ids.size).toBe(specs.length);
    // Topics sharing a record (the 22 receipts topics, say) share its id.
    const idsPerSchema = new Map<string, Set<number>>();
    for (const spec of specs) {
      const set = idsPerSchema.get(spec.avro ?? '') ?? new Set<number>();
      set.add(ids.get(spec.name) ?? -1);
      idsPerSchema.set(spec.avro ?? '', set);
    }
    expect([...idsPerSchema.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set([...idsPerSchema.values()].map((s) => [...s][0])).size).toBe(Object.keys(AvroFiles).length);
  });

  it.each(Object.keys(AvroFiles) as AvroRecordName[])(
    '%s evolves only BACKWARD: an optional field is accepted, a required one refused',
    async (name) => {
      const subject = `${unique('test.evolve')}-value`;
      const v1 = avroSchema(name);
      await serde.register(subject, v1);
      const optional = withField(v1, { name: 'addedLater', type: ['null', 'string'], default: null });
      await expect(serde.register(subject, optional)).resolves.toBeGreaterThan(0);
      const required = withField(optional, { name: 'mandatoryNow', type: 'string' });
      await expect(serde.register(subject, required)).rejects.toMatchObject({ code: 'NCN_SCHEMA' });
    },
  );

  it.each([
    ['it.ncn.NodeDelivery', 'node-delivery.previous.avsc'],
    ['it.ncn.Receipt', 'receipt.previous.avsc'],
  ] as const)('takes %s for contact messages as a BACKWARD evolution of its previous version', async (name, file) => {
    const subject = `${unique('test.evolve')}-value`;
    const previous = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/avro', file), 'utf8')) as Schema;
    const before = await serde.register(subject, previous);
    const now = await serde.register(subject, avroSchema(name));
    expect(now).toBeGreaterThan(0);
    expect(now).not.toBe(before);
  });
});
