import type { Consumer } from '../../../../services/runtime/kafka';
import { CoPartitionedAssigner } from '../../../../services/runtime/runner/assigner';
import { createTopics } from '../../../../services/runtime/topics';
import { testKafka } from '../../../support/clients';
import { unique } from '../../../support/unique';

describe('the co-partitioned assignment', () => {
  const kafka = testKafka();
  const topics = [unique('test.copart.a'), unique('test.copart.b')];
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(
      admin,
      topics.map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 })),
    );
    await admin.disconnect();
  });

  afterAll(async () => {
    for (const c of consumers) await c.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('gives each member the same partitions of every topic, and every partition to one member', async () => {
    const groupId = unique('test.copart');
    const latest = new Map<string, Record<string, number[]>>();
    const join = async (): Promise<void> => {
      const consumer = kafka.consumer({ groupId, partitionAssigners: [CoPartitionedAssigner] });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => latest.set(e.payload.memberId, e.payload.memberAssignment));
      await consumer.connect();
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async () => undefined });
    };
    await join();
    await join();
    await join();
    const deadline = Date.now() + 30_000;
    const settled = (): boolean => {
      const owned = [...latest.values()].flatMap((a) => a[topics[0] ?? ''] ?? []);
      return latest.size === 3 && owned.length === 6 && new Set(owned).size === 6;
    };
    while (!settled()) {
      if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify([...latest])}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const assignment of latest.values()) {
      expect(assignment[topics[0] ?? '']?.sort()).toEqual(assignment[topics[1] ?? '']?.sort());
      expect(assignment[topics[0] ?? '']).toHaveLength(2);
    }
  });
});
