import type { Kafka } from '../runtime/kafka';
import { readLast, type ReadRecord } from './read-topic';
import { testKafka } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

/** `readLast`, what `ncn tail TOPIC -n N` prints: the topic's last N records, merged by time, oldest first. */
describe('readLast: the last records of a topic', () => {
  const kafka = testKafka();
  const topics: string[] = [];
  const admin = kafka.admin();

  const newTopic = async (prefix: string, numPartitions: number): Promise<string> => {
    const topic = unique(prefix);
    topics.push(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    return topic;
  };
  const values = (records: readonly ReadRecord[]): string[] => records.map((r) => r.message.value?.toString() ?? '');

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('keeps the newest by timestamp across partitions (ties by partition, then offset) and prints them oldest first', async () => {
    const topic = await newTopic('test.cli.last', 3);
    const base = Date.now() - 60_000;
    // Partition 0 holds times 1, 4, 7, 10, 13; partition 1: 2, 5, 8, 11, 13; partition 2: 3, 6, 9, 12.
    const times: Record<number, number[]> = { 0: [1, 4, 7, 10, 13], 1: [2, 5, 8, 11, 13], 2: [3, 6, 9, 12] };
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.sendBatch({
        topicMessages: [
          {
            topic,
            messages: Object.entries(times).flatMap(([partition, ts]) =>
              ts.map((t) => ({
                partition: Number(partition),
                value: `p${partition}t${t}`,
                timestamp: String(base + t),
              })),
            ),
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    expect(values(await readLast({ kafka, topic, count: 4 }))).toEqual(['p1t11', 'p2t12', 'p0t13', 'p1t13']);
    expect(values(await readLast({ kafka, topic, count: 1 }))).toEqual(['p1t13']);
    // More than the topic holds: all of it, in time order.
    const all = await readLast({ kafka, topic, count: 100 });
    expect(all).toHaveLength(14);
    expect(all.map((r) => Number(r.message.timestamp) - base)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13]);
  });

  it('reads further back on a transactional partition, whose offsets also number markers and aborted records', async () => {
    const topic = await newTopic('test.cli.last-tx', 1);
    const producer = kafka.transactionalProducer({
      transactionalId: unique('test.cli.last-tx'),
    });
    await producer.connect();
    try {
      // One record per transaction: every record is followed by a commit marker.
      for (let n = 1; n <= 6; n++) {
        const transaction = await producer.transaction();
        await transaction.send({ topic, messages: [{ value: `committed ${n}` }] });
        await transaction.commit();
      }
      // Then an aborted transaction of five records and its marker: the last six offsets hold no record to show.
      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: Array.from({ length: 5 }, (_, n) => ({ value: `aborted ${n}` })) });
      await aborted.abort();
    } finally {
      await producer.disconnect();
    }
    expect(values(await readLast({ kafka, topic, count: 3 }))).toEqual(['committed 4', 'committed 5', 'committed 6']);
    expect(values(await readLast({ kafka, topic, count: 10 }))).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => `committed ${n}`),
    );
  });

  it('answers an empty topic at once, without making a reader', async () => {
    const topic = await newTopic('test.cli.last-empty', 3);
    let consumers = 0;
    // The real client, counting the readers it is asked for.
    const counting: Kafka = Object.assign(Object.create(kafka) as Kafka, {
      reader: (...args: Parameters<Kafka['reader']>) => {
        consumers++;
        return kafka.reader(...args);
      },
    });
    const started = Date.now();
    expect(await readLast({ kafka: counting, topic, count: 3 })).toEqual([]);
    expect(consumers).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The same client does make a reader once the topic holds a record (so the count above can fail).
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'one' }] });
    await producer.disconnect();
    expect(values(await readLast({ kafka: counting, topic, count: 3 }))).toEqual(['one']);
    expect(consumers).toBe(1);
  });
});
