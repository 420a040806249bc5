import { avroSchema } from '../../contracts/avro/schemas';
import type { TopicSpec } from '../../contracts/topics';
import { valueSubject, type AvroSerde } from './avro-serde';

/**
 * Registers the value schema of every Avro topic among `specs` under its TopicNameStrategy subject and returns
 * the schema id per topic. Idempotent: the same schema gets the same id; an incompatible change is refused.
 */
export async function registerTopicSchemas(
  serde: AvroSerde,
  specs: readonly TopicSpec[],
  subjectOf: (topic: string) => string = valueSubject,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const spec of specs) {
    if (spec.avro === undefined) continue;
    ids.set(spec.name, await serde.register(subjectOf(spec.name), avroSchema(spec.avro)));
  }
  return ids;
}
