import { followTable, type Table } from './table';
import { createTopics } from './topics';
import { ErrorCode, NcnError } from './errors';
import { silentLogger, testKafka } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

/**
 * A table's catch-up decides whether the dispatcher routes on holdings that include everything committed before.
 * It must count what a read_committed reader skips (markers, aborted records) as read, and must not call itself caught up
 * while a committed record is still unapplied.
 */
describe('a followed table on the real broker', () => {
  const kafka = testKafka();
  let table: Table | undefined;

  afterEach(async () => {
    await table?.close();
    table = undefined;
  });

  it('is caught up past a trailing aborted transaction, and only once every committed record is applied', async () => {
    const topic = unique('test.table');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    const producer = kafka.transactionalProducer({
      transactionalId: unique('test.table.tx'),
    });
    await producer.connect();
    const probe = kafka.admin();
    await probe.connect();
    /** Writes a transaction and waits until its marker is written: the coordinator writes it after answering. */
    let end = 0;
    const write = async (values: string[], outcome: 'commit' | 'abort'): Promise<void> => {
      const t = await producer.transaction();
      await t.send({ topic, messages: values.map((value) => ({ key: value, value })) });
      await (outcome === 'commit' ? t.commit() : t.abort());
      end += values.length + 1;
      const deadline = Date.now() + 10_000;
      while (Number((await probe.fetchTopicOffsets(topic))[0]?.high ?? 0) < end && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      // a, its marker, then an aborted x, y and their marker: the partition ends in records never delivered.
      await write(['a'], 'commit');
      await write(['x', 'y'], 'abort');
      const applied: string[] = [];
      table = await followTable({
        kafka,
        topic,
        name: unique('test.table.reader'),
        logger: silentLogger,
        apply: (message) => {
          applied.push(message.value?.toString() ?? '');
        },
      });
      await table.ready;
      expect(await table.catchUp(10_000)).toBe(true);
      expect(applied).toEqual(['a']);

      // Committed after the table was ready: caught up means applied.
      await write(['b', 'c'], 'commit');
      expect(await table.catchUp(10_000)).toBe(true);
      expect(applied).toEqual(['a', 'b', 'c']);
      await write(['z'], 'abort');
      expect(await table.catchUp(10_000)).toBe(true);
      expect(applied).toEqual(['a', 'b', 'c']);
    } finally {
      await probe.disconnect();
      await producer.disconnect();
    }
  }, 60_000);

  it('applies a record again while its failure is transient (the registry away), and becomes ready with every record once', async () => {
    const topic = unique('test.table');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ key: value, value })) });
    await producer.disconnect();
    const applied: string[] = [];
    let failures = 0;
    table = await followTable({
      kafka,
      topic,
      name: unique('test.table.reader'),
      logger: silentLogger,
      apply: (message) => {
        const value = message.value?.toString() ?? '';
        if (value === 'b' && failures < 3) {
          failures++;
          throw new NcnError(ErrorCode.Unavailable, 'the schema registry did not answer', { retriable: true });
        }
        applied.push(value);
      },
    });
    await table.ready;
    expect(failures).toBe(3);
    expect(applied).toEqual(['a', 'b', 'c']);
    expect(await table.catchUp(10_000)).toBe(true);
  }, 60_000);
});
