import { Partitioners, type Consumer, type Kafka } from 'kafkajs';
import { testKafka } from '../../support/clients';
import { unique } from '../../support/unique';

/** Reads a topic from the start until `until` says stop; returns the values seen. */
async function readAll(
  kafka: Kafka,
  topic: string,
  options: { readUncommitted: boolean; until: (values: string[]) => boolean },
): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: unique('test.reader'),
    readUncommitted: options.readUncommitted,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (options.until(values)) resolve();
      },
    });
  });
  await consumer.disconnect();
  return values;
}

describe('Kafka transactions (consume-transform-produce) on the real broker', () => {
  const kafka = testKafka();
  const input = unique('test.tx.in');
  const output = unique('test.tx.out');
  const groupId = unique('test.tx.group');

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [input, output].map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: input, messages: ['uno', 'due', 'tre'].map((value) => ({ key: value, value })) });
    await producer.disconnect();
  });

  it('commits each output atomically with its input offset, and hides an aborted output', async () => {
    const producer = kafka.producer({
      transactionalId: unique('test.tx.producer'),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();

    // Consume, transform, produce and commit the input offset in one transaction per record.
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let processed = 0;
    await new Promise<void>((resolve, reject) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const tx = await producer.transaction();
          try {
            await tx.send({
              topic: output,
              messages: [{ key: message.key, value: message.value!.toString().toUpperCase() }],
            });
            await tx.sendOffsets({
              consumerGroupId: groupId,
              topics: [{ topic, partitions: [{ partition, offset: (BigInt(message.offset) + 1n).toString() }] }],
            });
            await tx.commit();
          } catch (error) {
            await tx.abort();
            reject(error);
            return;
          }
          if (++processed === 3) resolve();
        },
      });
    });
    await consumer.disconnect();

    // The group's committed offset moved with the transactions, not by auto-commit.
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(offsets?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

    // A transaction that writes output and an offset, then aborts.
    const aborted = await producer.transaction();
    await aborted.send({ topic: output, messages: [{ key: 'x', value: 'ABORTED' }] });
    await aborted.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '99' }] }],
    });
    await aborted.abort();

    // A committed sentinel after it, so a reader that reaches the sentinel has read past the aborted record.
    const last = await producer.transaction();
    await last.send({ topic: output, messages: [{ key: 'end', value: 'END' }] });
    await last.commit();
    await producer.disconnect();

    const reachedEnd = (values: string[]): boolean => values.includes('END');
    const committed = await readAll(kafka, output, { readUncommitted: false, until: reachedEnd });
    expect(committed).toEqual(['UNO', 'DUE', 'TRE', 'END']);

    const uncommitted = await readAll(kafka, output, { readUncommitted: true, until: reachedEnd });
    expect(uncommitted).toEqual(['UNO', 'DUE', 'TRE', 'ABORTED', 'END']);

    const [after] = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(after?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);
    await admin.disconnect();
  });
});
