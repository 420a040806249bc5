import { partitionKey, type GroupConsumer } from './kafka';
import { createTopics } from './topics';
import { testKafka } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

describe("the group consumer's co-partitioned assignment", () => {
  const kafka = testKafka();
  const topics = [unique('test.copart.a'), unique('test.copart.b')];
  const consumers: GroupConsumer[] = [];

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
    /** Each member's latest assignment, as topic → partitions. */
    const latest = new Map<number, Record<string, number[]>>();
    let polling = true;
    const polls: Promise<void>[] = [];
    const join = async (member: number): Promise<void> => {
      const consumer = kafka.groupConsumer({
        groupId,
        topics,
        fromBeginning: true,
        onAssign: (partitions) => {
          const assignment: Record<string, number[]> = {};
          for (const p of partitions) (assignment[p.topic] ??= []).push(p.partition);
          latest.set(member, assignment);
        },
        onRevoke: async () => void latest.delete(member),
      });
      consumers.push(consumer);
      await consumer.connect();
      // The group's assignments reach a member while it polls.
      polls.push(
        (async () => {
          while (polling) await consumer.poll(10);
        })(),
      );
    };
    try {
      await join(1);
      await join(2);
      await join(3);
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
      // And what each member reports as its assignment agrees with what the group told it.
      const reported = consumers.flatMap((c) => c.assignment().map(partitionKey)).sort();
      expect(reported).toEqual(topics.flatMap((t) => [0, 1, 2, 3, 4, 5].map((p) => `${t}:${p}`)).sort());
    } finally {
      polling = false;
      await Promise.all(polls);
    }
  });
});
