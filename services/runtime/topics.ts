import type { Admin, ITopicConfig } from './kafka';
import type { TopicSpec } from '../../contracts/topics';

/** What ensureTopics did. */
export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates topics and waits until every partition serves requests. kafkajs' own `waitForLeaders` gives up when
 * a KRaft broker answers metadata for a just-created topic with UNKNOWN_TOPIC_OR_PARTITION, and even once
 * metadata names a leader the broker may still answer NOT_LEADER for a moment; so the wait is done here: poll
 * until each topic's offsets can be listed, up to `timeoutMs`.
 */
export async function createTopics(admin: Admin, topics: readonly ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  if (topics.length === 0) return;
  await admin.createTopics({ topics: [...topics], waitForLeaders: false });
  const deadline = Date.now() + timeoutMs;
  for (const { topic } of topics) {
    for (;;) {
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        if (offsets.length > 0) break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`Topic ${topic} not ready after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

/**
 * Creates the topics of the catalogue that do not exist yet (the broker runs with auto-creation off).
 * Compacted topics get `cleanup.policy=compact`; the feeds services rebuild state from (INPS, CO) `retention.ms=-1`.
 * Existing topics are left as they are.
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  replicationFactor: number,
): Promise<EnsureTopicsResult> {
  const present = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !present.has(s.name));
  await createTopics(
    admin,
    missing.map((s) => ({
      topic: s.name,
      numPartitions: s.partitions,
      replicationFactor,
      configEntries: [
        ...(s.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
        ...(s.maxMessageBytes ? [{ name: 'max.message.bytes', value: String(s.maxMessageBytes) }] : []),
        ...(s.keepForever ? [{ name: 'retention.ms', value: '-1' }] : []),
      ],
    })),
  );
  return {
    created: missing.map((s) => s.name),
    existing: specs.filter((s) => present.has(s.name)).map((s) => s.name),
  };
}
