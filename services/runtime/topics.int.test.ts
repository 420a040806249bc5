import { kafkaLibs, resolveKafka } from '../../infra/local/kafka';
import { stackSettings } from '../../infra/local/settings';
import { javaAdmin } from './kafka';
import type { TopicSpec } from '../../contracts/topics';
import { ensureTopics } from './topics';
import { testConfig, testKafka } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

describe('ensureTopics on the real broker', () => {
  it('creates missing topics with their partitions and compaction, and leaves existing ones alone', async () => {
    const specs: TopicSpec[] = [
      { name: unique('test.plain'), partitions: 3, compacted: false, writer: 'test', value: 'bytes', key: 'k' },
      { name: unique('test.compacted'), partitions: 2, compacted: true, writer: 'test', value: 'bytes', key: 'k' },
    ];
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const first = await ensureTopics(admin, specs, 1);
      expect(first.created).toEqual(specs.map((s) => s.name));

      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
      const partitions = new Map(topics.map((t) => [t.name, t.partitions.length]));
      expect(specs.map((s) => partitions.get(s.name))).toEqual([3, 2]);

      // The configuration as the broker holds it, read by Kafka's own admin client.
      const settings = stackSettings();
      resolveKafka(settings);
      const java = javaAdmin(testConfig, kafkaLibs(settings));
      const policies = await Promise.all(specs.map((s) => java.topicConfigs(s.name)));
      const policy = (name: string): string | undefined =>
        policies[specs.findIndex((s) => s.name === name)]?.get('cleanup.policy')?.value;
      expect(policy(specs[0]!.name)).toBe('delete');
      expect(policy(specs[1]!.name)).toBe('compact');

      const second = await ensureTopics(admin, specs, 1);
      expect(second).toEqual({ created: [], existing: specs.map((s) => s.name) });
    } finally {
      await admin.deleteTopics({ topics: specs.map((s) => s.name) });
      await admin.disconnect();
    }
  });
});
