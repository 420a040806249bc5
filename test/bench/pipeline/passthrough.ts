import { randomUUID } from 'node:crypto';
import {
  type ConsumedRecord,
  type Kafka,
  type Producer,
  type TransactionalProducer,
} from '../../../services/runtime/kafka';

/** What one pass-through run measured. */
export interface PassThroughResult {
  readonly mode: 'plain' | 'transactional';
  readonly messages: number;
  readonly averageBytes: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly mibPerSecond: number;
}

/** Partitions of the pass-through's topics: as many as the busiest inputs of the node (ncn.candidature). */
export const PassThroughPartitions = 6;

/** The topics of one pass-through run: made by the bench's reset, nothing of the node reads them. */
export const passThroughTopics = (mode: PassThroughResult['mode'], round = 0): { in: string; out: string } => ({
  in: `bench.passthrough.${mode}.${round}.in`,
  out: `bench.passthrough.${mode}.${round}.out`,
});

/** Most records in one send or one transaction: the services' runner uses the same. */
const Chunk = 500;

/**
 * The physical limit of the client and the broker here: a group consumer that produces every record it reads
 * to another topic, with nothing in between. `plain`: an ordinary producer (acks from all replicas), no offsets
 * committed. `transactional`: as the node's runner does it, a transaction per chunk of at most 500 records of a
 * partition carrying the outputs and the input offsets (with the consumer's group metadata), the partitions of a
 * poll side by side, each on a producer of its own. The records are first loaded onto the input topic; the clock runs from the first record consumed
 * to the last one produced.
 */
export async function passThrough(
  kafka: Kafka,
  documents: readonly Buffer[],
  count: number,
  mode: 'plain' | 'transactional',
  round = 0,
): Promise<PassThroughResult> {
  const topics = passThroughTopics(mode, round);
  const loader = kafka.producer({ idempotent: true });
  await loader.connect();
  let bytes = 0;
  try {
    for (let i = 0; i < count; i += Chunk) {
      const messages = [];
      for (let j = i; j < Math.min(count, i + Chunk); j++) {
        const value = documents[j % documents.length] ?? Buffer.alloc(0);
        bytes += value.length;
        messages.push({ key: `k${j}`, value });
      }
      await loader.send({ topic: topics.in, messages });
    }
  } finally {
    await loader.disconnect();
  }

  const groupId = `bench.passthrough.${mode}.${round}.${randomUUID()}`;
  const producers = new Map<number, Promise<Producer | TransactionalProducer>>();
  const producerFor = (slot: number): Promise<Producer | TransactionalProducer> => {
    let p = producers.get(slot);
    if (p === undefined) {
      const producer: Producer | TransactionalProducer =
        mode === 'plain'
          ? kafka.producer()
          : kafka.transactionalProducer({
              transactionalId: `${groupId}.${slot}`,
            });
      producers.set(slot, (p = producer.connect().then(() => producer)));
    }
    return p;
  };
  // Producers are connected before the clock starts, as a service's are once it runs.
  await Promise.all(Array.from({ length: PassThroughPartitions }, (_, p) => producerFor(p)));
  const consumer = kafka.groupConsumer({ groupId, topics: [topics.in], fromBeginning: true });
  let produced = 0;
  let first: number | undefined;
  const out = (m: ConsumedRecord) => ({ key: m.key, value: m.value });
  /** One partition's records of a poll, chunk by chunk, with the producer of the partition. */
  const forward = async (partition: number, records: readonly ConsumedRecord[]): Promise<void> => {
    const producer = await producerFor(partition);
    for (let i = 0; i < records.length; i += Chunk) {
      const chunk = records.slice(i, i + Chunk);
      const last = chunk[chunk.length - 1];
      if (last === undefined) continue;
      if (!('transaction' in producer)) {
        await producer.send({ topic: topics.out, messages: chunk.map(out) });
      } else {
        const transaction = await producer.transaction();
        try {
          await transaction.send({ topic: topics.out, messages: chunk.map(out) });
          await transaction.sendOffsets({
            consumer,
            topics: [{ topic: last.topic, partitions: [{ partition, offset: (BigInt(last.offset) + 1n).toString() }] }],
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
      }
      produced += chunk.length;
    }
  };
  try {
    await consumer.connect();
    const deadline = Date.now() + 10 * 60_000;
    while (produced < count && Date.now() < deadline) {
      const records = await consumer.poll(Chunk * PassThroughPartitions);
      if (records.length === 0) continue;
      first ??= Date.now();
      const byPartition = new Map<number, ConsumedRecord[]>();
      for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
      await Promise.all([...byPartition].map(([partition, list]) => forward(partition, list)));
    }
    const seconds = (Date.now() - (first ?? Date.now())) / 1000;
    if (produced < count)
      throw new Error(`the ${mode} pass-through moved ${produced} of ${count} records in 10 minutes`);
    const averageBytes = bytes / count;
    return {
      mode,
      messages: produced,
      averageBytes,
      seconds,
      perSecond: produced / seconds,
      mibPerSecond: (produced * averageBytes) / seconds / 1024 / 1024,
    };
  } finally {
    await consumer.disconnect();
    for (const p of producers.values()) await (await p).disconnect();
  }
}
