import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { withType } from './rdkafka';
import type { TopicPartition } from './group-consumer';

/** A topic to create; defaults in brackets. */
export interface TopicConfig {
  readonly topic: string;
  /** [the broker's num.partitions] */
  readonly numPartitions?: number;
  /** [the broker's default.replication.factor] */
  readonly replicationFactor?: number;
  readonly configEntries?: readonly { readonly name: string; readonly value: string }[];
}

/** A partition's offsets: `offset` and `high` its end (the last stable offset), `low` its first record. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly offset: string;
  readonly high: string;
  readonly low: string;
}

/** A group's committed offsets of one topic; -1 for a partition without one. */
export interface TopicOffsets {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
}

/** The state of a consumer group, as Kafka names it. */
export type GroupState = 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty';

/** A consumer group as its coordinator describes it: its members and what each is assigned. */
export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  readonly members: readonly {
    readonly memberId: string;
    readonly clientId: string;
    readonly clientHost: string;
    readonly instanceId?: string;
    readonly assignment: readonly TopicPartition[];
  }[];
}

/** A topic's partitions as the cluster's metadata has them (broker ids). */
export interface TopicMetadata {
  readonly name: string;
  readonly partitions: readonly {
    readonly partitionId: number;
    readonly leader: number;
    readonly replicas: readonly number[];
    readonly isr: readonly number[];
  }[];
}

/**
 * The port's admin client (Confluent's, on librdkafka): topics, offsets and groups. Its errors carry the client's
 * code and its name as `type` (ERR_TOPIC_AUTHORIZATION_FAILED, ...), which the port's predicates read. What
 * librdkafka has no request for (ACLs, SCRAM users, topic configurations) is the JavaAdmin's.
 */
export interface Admin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  /**
   * Creates the topics not there yet (resolves true when it created all of them, false when some existed); with
   * `waitForLeaders` [true] waits until each one's offsets can be listed (every partition has a leader).
   */
  createTopics(options: {
    readonly topics: readonly TopicConfig[];
    readonly waitForLeaders?: boolean;
    readonly timeout?: number;
  }): Promise<boolean>;
  deleteTopics(options: { readonly topics: readonly string[]; readonly timeout?: number }): Promise<void>;
  fetchTopicMetadata(options: { readonly topics: readonly string[] }): Promise<{ topics: TopicMetadata[] }>;
  /** Each partition's offsets, its end read_committed (the last stable offset, as a read_committed consumer sees it). */
  fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * A group's committed offsets, of the topics named or of all it has; `requireStable` asks the coordinator to
   * wait out transactions committing offsets (KIP-447): it answers UNSTABLE_OFFSET_COMMIT meanwhile.
   */
  fetchOffsets(options: {
    readonly groupId: string;
    readonly topics?: readonly string[];
    readonly requireStable?: boolean;
  }): Promise<TopicOffsets[]>;
  listGroups(): Promise<{ groups: { groupId: string; protocolType: string }[] }>;
  describeGroups(groupIds: readonly string[]): Promise<{ groups: GroupDescription[] }>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
}

const GroupStates: readonly GroupState[] = [
  'Unknown',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
  'Empty',
];

/** How long an admin request may take [30 s]: the client's own default (5 s) is short for a broker under load. */
const RequestTimeoutMs = 30_000;

/** The client's isolation level READ_COMMITTED (its enumeration's value). */
const ReadCommitted = 1;

/** The client's error, and each it aggregates, with its code's name as `type`. */
function typed(error: unknown): never {
  const inner = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(inner)) inner.forEach((e) => withType(e));
  throw withType(error);
}

/** A partition's error in an answer that does not throw it (fetchOffsets): thrown, typed. */
function throwPartitionError(error: unknown): void {
  if (error !== null && error !== undefined) typed(error);
}

/** The port's admin on Confluent's client `client`. */
export function confluentAdmin(client: KafkaJS.Kafka): Admin {
  const admin = client.admin();
  const call = <T>(run: () => Promise<T>): Promise<T> => run().catch(typed);
  const port: Admin = {
    connect: () => call(() => admin.connect()),
    disconnect: () => admin.disconnect(),
    listTopics: () => call(() => admin.listTopics({ timeout: RequestTimeoutMs })),
    async createTopics({ topics, waitForLeaders = true, timeout = RequestTimeoutMs }) {
      const created = await call(() =>
        admin.createTopics({
          timeout,
          topics: topics.map((t) => ({
            topic: t.topic,
            ...(t.numPartitions !== undefined ? { numPartitions: t.numPartitions } : {}),
            ...(t.replicationFactor !== undefined ? { replicationFactor: t.replicationFactor } : {}),
            configEntries: [...(t.configEntries ?? [])],
          })),
        }),
      );
      if (waitForLeaders) {
        const deadline = Date.now() + timeout;
        for (const { topic } of topics) {
          for (;;) {
            const ready = await port.fetchTopicOffsets(topic).then(
              (offsets) => offsets.length > 0,
              (error: unknown) => {
                if (Date.now() > deadline) throw error;
                return false;
              },
            );
            if (ready) break;
            if (Date.now() > deadline) throw new Error(`topic ${topic} has no leader after ${timeout} ms`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
      return created;
    },
    deleteTopics: ({ topics, timeout = RequestTimeoutMs }) =>
      call(() => admin.deleteTopics({ topics: [...topics], timeout })),
    async fetchTopicMetadata({ topics }) {
      const found = await call(() => admin.fetchTopicMetadata({ topics: [...topics], timeout: RequestTimeoutMs }));
      return {
        topics: found.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionId: p.partitionId,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
          })),
        })),
      };
    },
    async fetchTopicOffsets(topic) {
      const offsets = await call(() =>
        admin.fetchTopicOffsets(topic, { timeout: RequestTimeoutMs, isolationLevel: ReadCommitted }),
      );
      return offsets
        .map((o) => ({ partition: o.partition, offset: o.offset, high: o.high, low: o.low }))
        .sort((a, b) => a.partition - b.partition);
    },
    async fetchOffsets({ groupId, topics, requireStable = false }) {
      // Named topics are asked for partition by partition, so that each partition without an offset is there too
      // (-1), as when a group has none at all.
      const partitions =
        topics === undefined
          ? undefined
          : (await port.fetchTopicMetadata({ topics })).topics.map((t) => ({
              topic: t.name,
              partitions: t.partitions.map((p) => p.partitionId),
            }));
      const answer = await call(() =>
        admin.fetchOffsets({
          groupId,
          ...(partitions !== undefined ? { topics: partitions } : {}),
          requireStableOffsets: requireStable,
          timeout: RequestTimeoutMs,
        }),
      );
      for (const t of answer) for (const p of t.partitions) throwPartitionError(p.error);
      return answer.map((t) => ({
        topic: t.topic,
        // librdkafka answers a partition without a committed offset with its own "invalid" (-1001): the port
        // says -1, its one spelling of "none".
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          offset: BigInt(p.offset) < 0n ? '-1' : p.offset,
        })),
      }));
    },
    async listGroups() {
      const { groups } = await call(() => admin.listGroups({ timeout: RequestTimeoutMs }));
      return { groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) };
    },
    async describeGroups(groupIds) {
      if (groupIds.length === 0) return { groups: [] };
      const { groups } = await call(() => admin.describeGroups([...groupIds], { timeout: RequestTimeoutMs }));
      return {
        groups: groups.map((g) => {
          // A group the coordinator does not know comes back empty (Dead); one the principal may not describe fails.
          if (g.error && (withType(g.error) as { type?: string }).type?.endsWith('AUTHORIZATION_FAILED'))
            typed(g.error);
          return {
            groupId: g.groupId,
            state: GroupStates[g.state] ?? 'Unknown',
            members: g.members.map((m) => ({
              memberId: m.memberId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              ...(m.groupInstanceId ? { instanceId: m.groupInstanceId } : {}),
              assignment: (m.assignment?.topicPartitions ?? []).map(({ topic, partition }) => ({ topic, partition })),
            })),
          };
        }),
      };
    },
    async deleteGroups(groupIds) {
      if (groupIds.length === 0) return;
      const results = await call(() => admin.deleteGroups([...groupIds], { timeout: RequestTimeoutMs }));
      for (const r of results) if (r.error) typed(r.error);
    },
  };
  return port;
}
