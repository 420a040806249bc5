import type { Admin, TopicMetadata } from './admin';
import type { Kafka } from './client';

/** What the cluster's metadata says of its partitions, counted. */
export interface PartitionHealth {
  /** Partitions of every topic. */
  readonly partitions: number;
  /** Partitions led by no broker, or by one of the brokers counted as away. */
  readonly unled: number;
  /** Partitions with a replica out of sync (its ISR smaller than its replica set). */
  readonly underReplicated: number;
  /** Every broker that holds a replica, and how many partitions it leads (0 for a replica holder that leads none). */
  readonly leads: ReadonlyMap<number, number>;
  /** Each partition's leader by `topic:partition`; -1 when none leads it. */
  readonly leaders: ReadonlyMap<string, number>;
}

/**
 * Counts leaders, leaderless and under-replicated partitions in `topics`. A partition whose leader is in `away`
 * counts as unled: right after a broker is cut off, the metadata still names it until the controller notices.
 */
export function partitionHealth(
  topics: readonly TopicMetadata[],
  away: ReadonlySet<number> = new Set(),
): PartitionHealth {
  let partitions = 0;
  let unled = 0;
  let underReplicated = 0;
  const leads = new Map<number, number>();
  const leaders = new Map<string, number>();
  for (const t of topics) {
    for (const p of t.partitions) {
      partitions++;
      leaders.set(`${t.name}:${p.partitionId}`, p.leader);
      for (const r of p.replicas) if (!leads.has(r)) leads.set(r, 0);
      if (p.leader < 0 || away.has(p.leader)) unled++;
      else leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
      if (p.isr.length < p.replicas.length) underReplicated++;
    }
  }
  return { partitions, unled, underReplicated, leads, leaders };
}

/** Reads every topic's metadata through `admin` and counts it (see partitionHealth). */
export async function lookPartitionHealth(admin: Admin, away?: ReadonlySet<number>): Promise<PartitionHealth> {
  const { topics } = await admin.fetchTopicMetadata({ topics: await admin.listTopics() });
  return partitionHealth(topics, away);
}

/**
 * Reads every topic's metadata through an admin client of its own, closed after the look, and counts it: for a
 * command that looks once. Closing a client waits, on the calling thread, for whatever it still has in flight, so a
 * process that must stay responsive while brokers are down looks through a client it keeps (lookPartitionHealth)
 * or from another process. Rejects when no answer comes within `timeoutMs` (a cluster without quorum may not
 * answer at all).
 */
export async function readPartitionHealth(
  kafka: Kafka,
  options: { readonly away?: ReadonlySet<number>; readonly timeoutMs?: number } = {},
): Promise<PartitionHealth> {
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  const look = (async () => {
    await admin.connect();
    return lookPartitionHealth(admin, options.away);
  })();
  try {
    return await Promise.race([
      look,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('the cluster gave no metadata in time')),
          options.timeoutMs ?? 15_000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    // Closed once the look has ended either way (a client closed under a pending request waits for it).
    void look.catch(() => undefined).finally(() => void admin.disconnect().catch(() => undefined));
  }
}
