import { type TransactionalProducer } from './kafka';
import { createTopics } from './topics';
import { testKafka } from '../../test/support/clients';
import { consumeUntil } from '../../test/support/consume';
import { unique } from '../../test/support/unique';

/**
 * A read_committed consumer must never see a record of an aborted transaction. The broker lists a fetch's aborted
 * transactions in the order they were aborted, which is not the order they began in, and a client must take in
 * every transaction begun before each record. This is what a takeover produces: the new owner fences the dead
 * one's open transactions in whatever order it gets its partitions, and those transactions interleave on the
 * topics they wrote to.
 */
describe('aborted transactions on the real broker', () => {
  const kafka = testKafka();
  const topic = unique('test.aborted');
  const producers: TransactionalProducer[] = [];

  const transactional = async (): Promise<TransactionalProducer> => {
    const producer = kafka.transactionalProducer({
      transactionalId: unique('test.aborted.tx'),
    });
    await producer.connect();
    producers.push(producer);
    return producer;
  };

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
  });

  afterAll(async () => {
    for (const p of producers) await p.disconnect();
  });

  it('hides every aborted record when transactions are aborted in another order than they began', async () => {
    const [a, b, c, d] = [await transactional(), await transactional(), await transactional(), await transactional()];
    // Four transactions interleave on one partition: a, b and c begin in that order; c, then a, then b abort.
    const ta = await a.transaction();
    const tb = await b.transaction();
    const tc = await c.transaction();
    await ta.send({ topic, messages: [{ key: 'k', value: 'aborted-a1' }] });
    await tb.send({ topic, messages: [{ key: 'k', value: 'aborted-b1' }] });
    await tc.send({ topic, messages: [{ key: 'k', value: 'aborted-c1' }] });
    await ta.send({ topic, messages: [{ key: 'k', value: 'aborted-a2' }] });
    await tb.send({ topic, messages: [{ key: 'k', value: 'aborted-b2' }] });
    await tc.abort();
    await ta.abort();
    await tb.abort();
    // Committed records before and after, so the reader knows when it has read everything.
    const td = await d.transaction();
    await td.send({ topic, messages: [{ key: 'k', value: 'committed-1' }] });
    await td.commit();
    const te = await d.transaction();
    await te.send({
      topic,
      messages: [
        { key: 'k', value: 'committed-2' },
        { key: 'k', value: 'end' },
      ],
    });
    await te.commit();

    const seen = await consumeUntil(kafka, topic, (messages) => messages.some((m) => m.value?.toString() === 'end'));
    expect(seen.map((m) => m.value?.toString())).toEqual(['committed-1', 'committed-2', 'end']);
  });
});
