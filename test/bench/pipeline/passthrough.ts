import { randomUUID } from 'node:crypto';
import {
  type Kafka,
  type KafkaMessage,
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
 * The physical limit of the client and the broker here: a kafkajs consumer that produces every record it reads
 * to another topic, with nothing in between. `plain`: an ordinary producer (acks from all replicas) and the
 * consumer's own offset commits. `transactional`: as the node's runner does it, one transactional producer per
 * input partition and one transaction per chunk of at most 500 records carrying the outputs and the input
 * offsets. The records are first loaded onto the input topic; the clock runs from the first record consumed
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
  const producerFor = (partition: number): Promise<Producer | TransactionalProducer> => {
    let p = producers.get(partition);
    if (p === undefined) {
      const producer: Producer | TransactionalProducer =
        mode === 'plain'
          ? kafka.producer()
          : kafka.transactionalProducer({
              transactionalId: `${groupId}.${partition}`,
              maxInFlightRequests: 1,
            });
      producers.set(partition, (p = producer.connect().then(() => producer)));
    }
    return p;
  };
  // Producers are connected before the clock starts, as a service's are once it runs.
  await Promise.all(Array.from({ length: PassThroughPartitions }, (_, p) => producerFor(p)));
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxBytesPerPartition: 1024 * 1024 });
  let produced = 0;
  let first: number | undefined;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const out = (m: KafkaMessage) => ({ key: m.key, value: m.value });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: topics.in, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: PassThroughPartitions,
      eachBatchAutoResolve: false,
      autoCommit: mode === 'plain',
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        first ??= Date.now();
        const producer = await producerFor(batch.partition);
        for (let i = 0; i < batch.messages.length; i += Chunk) {
          const chunk = batch.messages.slice(i, i + Chunk);
          const last = chunk[chunk.length - 1];
          if (last === undefined) continue;
          if (!('transaction' in producer)) {
            await producer.send({ topic: topics.out, messages: chunk.map(out) });
            resolveOffset(last.offset);
            await commitOffsetsIfNecessary();
          } else {
            const transaction = await producer.transaction();
            try {
              await transaction.send({ topic: topics.out, messages: chunk.map(out) });
              await transaction.sendOffsets({
                consumerGroupId: groupId,
                topics: [
                  {
                    topic: batch.topic,
                    partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }],
                  },
                ],
              });
              await transaction.commit();
            } catch (error) {
              await transaction.abort().catch(() => undefined);
              throw error;
            }
            resolveOffset(last.offset);
          }
          produced += chunk.length;
          await heartbeat();
          if (produced >= count) done();
        }
      },
    });
    const timeout = setTimeout(() => done(), 10 * 60_000);
    await finished;
    clearTimeout(timeout);
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
