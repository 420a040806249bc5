import { untilAssigned } from '../../test/support/assigned';
import { consumeUntil } from '../../test/support/consume';
import { fetchStableOffsets, type GroupConsumer } from './kafka';
import { createTopics } from './topics';
import { testKafka } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

describe('Kafka transactions (consume-transform-produce) on the real broker', () => {
  const kafka = testKafka();
  const input = unique('test.tx.in');
  const output = unique('test.tx.out');
  const groupId = unique('test.tx.group');

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(
      admin,
      [input, output].map((topic) => ({ topic, numPartitions: 1 })),
    );
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: input, messages: ['uno', 'due', 'tre'].map((value) => ({ key: value, value })) });
    await producer.disconnect();
  });

  it('commits each output atomically with its input offset, and hides an aborted output', async () => {
    const producer = kafka.transactionalProducer({
      transactionalId: unique('test.tx.producer'),
    });
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Consume, transform, produce and commit the input offset in one transaction per record.
      const consumer = kafka.groupConsumer({ groupId, topics: [input], fromBeginning: true });
      await consumer.connect();
      let processed = 0;
      const deadline = Date.now() + 30_000;
      try {
        while (processed < 3) {
          if (Date.now() > deadline) throw new Error(`only ${processed} records processed in 30 s`);
          for (const record of await consumer.poll(10)) {
            const tx = await producer.transaction();
            try {
              await tx.send({
                topic: output,
                messages: [{ key: record.key, value: record.value!.toString().toUpperCase() }],
              });
              await tx.sendOffsets({
                consumer,
                topics: [
                  {
                    topic: record.topic,
                    partitions: [{ partition: record.partition, offset: (BigInt(record.offset) + 1n).toString() }],
                  },
                ],
              });
              await tx.commit();
            } catch (error) {
              await tx.abort();
              throw error;
            }
            processed++;
          }
        }

        // A transaction that writes output and an offset, then aborts.
        const aborted = await producer.transaction();
        await aborted.send({ topic: output, messages: [{ key: 'x', value: 'ABORTED' }] });
        await aborted.sendOffsets({
          consumer,
          topics: [{ topic: input, partitions: [{ partition: 0, offset: '99' }] }],
        });
        await aborted.abort();
      } finally {
        await consumer.disconnect();
      }

      // The group's committed offset moved with the transactions, not by auto-commit.
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
      expect(offsets?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);

      // A committed sentinel after it, so a reader that reaches the sentinel has read past the aborted record.
      const last = await producer.transaction();
      await last.send({ topic: output, messages: [{ key: 'end', value: 'END' }] });
      await last.commit();

      const values = (messages: readonly { value: Buffer | null }[]): string[] =>
        messages.map((m) => m.value?.toString() ?? '');
      const reachedEnd = (messages: readonly { value: Buffer | null }[]): boolean => values(messages).includes('END');
      const committed = await consumeUntil(kafka, output, reachedEnd);
      expect(values(committed)).toEqual(['UNO', 'DUE', 'TRE', 'END']);

      const uncommitted = await consumeUntil(kafka, output, reachedEnd, { readUncommitted: true });
      expect(values(uncommitted)).toEqual(['UNO', 'DUE', 'TRE', 'ABORTED', 'END']);

      const [after] = await admin.fetchOffsets({ groupId, topics: [input] });
      expect(after?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it("reads a group's offsets stable right after each transaction that commits them (KIP-447 require_stable)", async () => {
    const topic = unique('test.tx.stable');
    const group = unique('test.tx.stable-group');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 3 }]);
    const producer = kafka.transactionalProducer({
      transactionalId: unique('test.tx.stable-producer'),
    });
    await producer.connect();
    // The group's member whose offsets the transactions commit (KIP-447: they carry its group metadata).
    const member = kafka.groupConsumer({ groupId: group, topics: [topic], fromBeginning: false });
    await member.connect();
    let unstable = 0;
    try {
      await untilAssigned(member, 3);
      expect(member.assignment()).toHaveLength(3);
      const read: string[][] = [];
      for (let i = 1; i <= 25; i++) {
        const tx = await producer.transaction();
        await tx.send({ topic, messages: [{ key: `k${i}`, value: 'v' }] });
        await tx.sendOffsets({
          consumer: member,
          topics: [
            { topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: String(i * 10 + partition) })) },
          ],
        });
        await tx.commit();
        // What the coordinator says at once when asked for stable offsets: the new ones, or "not yet".
        await admin.fetchOffsets({ groupId: group, topics: [topic], requireStable: true }).catch((error: unknown) => {
          if ((error as { type?: string }).type !== 'ERR_UNSTABLE_OFFSET_COMMIT') throw error;
          unstable++;
        });
        const offsets = await fetchStableOffsets(admin, group, topic);
        read.push(offsets.sort((a, b) => a.partition - b.partition).map((p) => p.offset));
      }
      console.info(`stable offsets: 25 transactions, the coordinator answered "unstable" at once ${unstable} times`);
      // Never an offset from before the transaction that had just committed.
      expect(read).toEqual(Array.from({ length: 25 }, (_, k) => [0, 1, 2].map((p) => String((k + 1) * 10 + p))));
      // The whole group (every topic), decoded from v7's compact form.
      const all = await admin.fetchOffsets({ groupId: group, requireStable: true });
      expect(all.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.offset]).sort()])).toEqual([
        [topic, [0, 1, 2].map((partition) => [partition, String(250 + partition)])],
      ]);
    } finally {
      await member.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

describe('a member whose starting offsets a transaction still holds, on the real broker', () => {
  const kafka = testKafka();

  it('waits for them, reading again, and takes its partitions from the offset that transaction committed', async () => {
    const topic = unique('test.tx.held');
    const groupId = unique('test.tx.held-group');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    const producer = kafka.transactionalProducer({ transactionalId: unique('test.tx.held-producer') });
    await producer.connect();
    const first = kafka.groupConsumer({ groupId, topics: [topic], fromBeginning: true });
    const starts: bigint[] = [];
    const second = kafka.groupConsumer({
      groupId,
      topics: [topic],
      fromBeginning: true,
      startingOffsetsTimeoutMs: 1_000,
      onAssign: (partitions) => starts.push(...partitions.map((p) => p.offset)),
    });
    try {
      await first.connect();
      await untilAssigned(first, 1);
      expect(first.assignment()).toHaveLength(1);
      // A transaction commits offset 7 for the group and stays open while its member leaves.
      const tx = await producer.transaction();
      await tx.sendOffsets({ consumer: first, topics: [{ topic, partitions: [{ partition: 0, offset: '7' }] }] });
      await first.disconnect();
      // The next member's reads of its starting offsets answer "unstable" while the transaction is open: each gives
      // up after 1 s, and the member holds its partition without taking it.
      await second.connect();
      const holding = Date.now() + 5_000;
      while (Date.now() < holding) await second.poll(1);
      expect(starts).toEqual([]);
      await tx.commit();
      const taking = Date.now() + 30_000;
      while (starts.length === 0 && Date.now() < taking) await second.poll(1);
      expect(starts).toEqual([7n]);
      expect(second.assignment()).toEqual([{ topic, partition: 0 }]);
    } finally {
      await second.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

describe('a static member of a consumer group on the real broker', () => {
  const kafka = testKafka();

  it('fails for good, and says so on every poll, once another member with its group.instance.id replaced it', async () => {
    const topic = unique('test.static.fenced');
    const groupId = unique('test.static.group');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 2 }]);
    await admin.disconnect();
    const joined = async (member: GroupConsumer): Promise<void> => {
      await untilAssigned(member, 2);
      expect(member.assignment()).toHaveLength(2);
    };
    const options = {
      groupId,
      topics: [topic],
      fromBeginning: true,
      instanceId: 'instance-0',
      sessionTimeoutMs: 10_000,
    };
    const first = kafka.groupConsumer(options);
    const second = kafka.groupConsumer(options);
    try {
      await first.connect();
      await joined(first);
      await second.connect();
      await joined(second);
      // The first one learns at its next heartbeat that it was fenced: from then on every poll rejects.
      let failure: unknown;
      const until = Date.now() + 30_000;
      while (failure === undefined && Date.now() < until)
        await first.poll(1).catch((error: unknown) => (failure = error));
      expect(failure).toMatchObject({ isFatal: true, message: expect.stringContaining('failed for good') });
      await expect(first.poll(1)).rejects.toBe(failure);
      // The member that replaced it goes on.
      expect(second.assignment()).toHaveLength(2);
    } finally {
      await first.disconnect();
      await second.disconnect();
    }
  });
});
