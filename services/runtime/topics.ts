import type { Admin, TopicConfig } from './kafka';
import type { TopicSpec } from '../../contracts/topics';

/** What ensureTopics did. */
export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

/**
 * Creates topics and waits until every partition serves requests (each topic's offsets can be listed), up to
 * `timeoutMs`: a KRaft broker may answer metadata for a just-created topic with "unknown topic", or NOT_LEADER,
 * for a moment.
 */
export async function createTopics(admin: Admin, topics: readonly TopicConfig[], timeoutMs = 30_000): Promise<void> {
  if (topics.length === 0) return;
  await admin.createTopics({ topics, waitForLeaders: true, timeout: timeoutMs });
}

/**
 * Creates the topics of the catalogue that do not exist yet (the broker runs with auto-creation off).
 * Compacted topics get `cleanup.policy=compact`; the feeds services rebuild state from (INPS, CO) `retention.ms=-1`;
 * with a replication factor of 3 or more, every topic gets `min.insync.replicas=2`.
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
        // Replicated three times or more, a write acknowledged by all in sync is on two brokers at least.
        ...(replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : []),
      ],
    })),
  );
  return {
    created: missing.map((s) => s.name),
    existing: specs.filter((s) => present.has(s.name)).map((s) => s.name),
  };
}
