import { randomBytes } from 'node:crypto';
import { avroSchema } from '../../contracts/avro/schemas';
import { nodeTopic } from '../../contracts/topics';
import { AvroSerde, valueSubject } from '../runtime/avro-serde';
import { runNcn } from '../../test/support/cli';
import { testConfig, testKafka } from '../../test/support/clients';

/** `ncn tail TOPIC -n N` as an operator runs it: the topic's last N records, whatever the partitions. */
describe('ncn tail -n on a topic with records', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);

  it('prints its last three, oldest first, merged by time across partitions', async () => {
    // Receipts of node 21 (Avro, read by nobody but `ncn submit`, which looks only for its own digests), one to each
    // partition and a fourth to the first: the last three by time are on three partitions. Their time is a minute
    // ahead, so that what others write meanwhile is older and the three stay the topic's newest.
    const topic = nodeTopic.receipts('21');
    const id = await serde.register(valueSubject(topic), avroSchema('it.ncn.Receipt'));
    const digests = Array.from({ length: 4 }, () => randomBytes(32).toString('hex'));
    const ahead = Date.now() + 60_000;
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (const [n, sha256] of digests.entries()) {
        const value = await serde.encode(id, {
          node: '21',
          code: null,
          root: null,
          kind: 'UNKNOWN',
          outcome: 'REJECTED',
          issues: [],
          sha256,
          partition: 0,
          offset: n,
          receivedAt: ahead,
        });
        await producer.send({
          topic,
          messages: [{ key: `test-tail-${n}`, value, partition: n % 3, timestamp: String(ahead + n * 1000) }],
        });
      }
    } finally {
      await producer.disconnect();
    }

    const tail = await runNcn(['tail', topic, '-n', '3', '--json']);
    expect(tail.status).toBe(0);
    const records = tail.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { partition: number; value: { sha256: string } });
    expect(records.map((r) => [r.partition, r.value.sha256])).toEqual([
      [1, digests[1]],
      [2, digests[2]],
      [0, digests[3]],
    ]);

    // The pretty form says how many it printed.
    const pretty = await runNcn(['tail', topic, '-n', '3']);
    expect(pretty.status).toBe(0);
    expect(pretty.stdout.split('\n').filter((l) => l.startsWith(`${topic}[`))).toHaveLength(3);
    expect(pretty.stderr).toMatch(/^3 records$/m);
  });
});
