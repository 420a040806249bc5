import { behind } from './group-lag';
import { createTopics } from './topics';
import { untilAssigned } from '../../test/support/assigned';
import { testKafka } from '../../test/support/clients';
import { setOffsets } from '../../test/support/set-offsets';
import { unique } from '../../test/support/unique';

/** A group's lag over what it reads, committed or not, on the real broker. */
describe('behind', () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  const empty = unique('test.lag.empty');
  const full = unique('test.lag.full');

  beforeAll(async () => {
    await admin.connect();
    await createTopics(admin, [
      { topic: empty, numPartitions: 2 },
      { topic: full, numPartitions: 2 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: full,
      messages: [
        ...Array.from({ length: 3 }, (_, i) => ({ partition: 0, value: `a${i}` })),
        ...Array.from({ length: 2 }, (_, i) => ({ partition: 1, value: `b${i}` })),
      ],
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [empty, full] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('finds a group that never committed caught up on topics that hold nothing', async () => {
    expect(await behind(admin, { group: unique('test.lag.g'), topics: [empty] })).toBe(0);
  });

  it('finds a group with a member that committed nothing caught up on topics that hold nothing', async () => {
    // The coordinator knows such a group; its partitions are answered with no offset (-1), not the client's own
    // "invalid offset" sentinel, which read as a number would put the group a thousand records behind.
    const group = unique('test.lag.g');
    const member = kafka.groupConsumer({ groupId: group, topics: [empty, full], fromBeginning: false });
    await member.connect();
    try {
      await untilAssigned(member, 4);
      expect(member.assignment()).toHaveLength(4);
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [empty, full] });
      expect(offsets.flatMap((t) => t.partitions.map((p) => p.offset))).toEqual(['-1', '-1', '-1', '-1']);
      expect(await behind(admin, { group, topics: [empty] })).toBe(0);
      expect(await behind(admin, { group, topics: [empty, full] })).toBe(5);
    } finally {
      await member.disconnect();
    }
  });

  it('counts everything a topic holds for a group that never committed', async () => {
    expect(await behind(admin, { group: unique('test.lag.g'), topics: [empty, full] })).toBe(5);
  });

  it('counts from the committed offsets, and from the start of partitions without one', async () => {
    const group = unique('test.lag.g');
    await setOffsets(kafka, group, full, [{ partition: 0, offset: '2' }]);
    expect(await behind(admin, { group, topics: [full] })).toBe(1 + 2);
    await setOffsets(kafka, group, full, [{ partition: 1, offset: '2' }]);
    expect(await behind(admin, { group, topics: [full] })).toBe(1);
    expect(await behind(admin, { group, topics: [full], markerSlack: true })).toBe(0);
    await setOffsets(kafka, group, full, [{ partition: 0, offset: '3' }]);
    expect(await behind(admin, { group, topics: [full] })).toBe(0);
    await admin.deleteGroups([group]);
  });
});
