import { partitionKey, lookPartitionHealth, type Admin, type Kafka, type Quorum } from '../runtime/kafka';
import type { Logger } from '../runtime/logger';
import {
  defaultThresholds,
  evaluatePartition,
  groupStatus,
  type GroupStatus,
  type PartitionEvaluation,
  type PartitionStatus,
  type Sample,
  type Thresholds,
} from './evaluate';

/** A partition of a group, as the monitor reports it. */
export interface PartitionReport extends PartitionEvaluation {
  readonly topic: string;
  readonly partition: number;
  /** Whether a member of the group holds the partition now. */
  readonly owned: boolean;
  /** The broker that leads the partition; -1 when none does (its replicas are all away, or no quorum elects one). */
  readonly leader: number;
}

/** A group, as the monitor reports it. */
export interface GroupReport {
  readonly group: string;
  readonly status: GroupStatus;
  readonly worst: PartitionStatus;
  readonly totalLag: number;
  readonly partitions: readonly PartitionReport[];
  /** The partition with the most lag. */
  readonly maxLag: PartitionReport | undefined;
  readonly members: number;
  /** Partitions of the group without a leader: nothing can be read from or committed to them until one is elected. */
  readonly unled: number;
  readonly sampledAt: number;
}

/** The cluster as the monitor last saw it. */
export interface ClusterReport {
  /** Every broker that holds a replica, the partitions it leads, and its part in the controller quorum. */
  readonly brokers: readonly {
    readonly id: number;
    readonly leads: number;
    readonly controller: 'leader' | 'voter' | 'unknown';
  }[];
  /** Partitions with fewer replicas in sync than assigned. */
  readonly underReplicated: number;
  /** Partitions without a leader. */
  readonly unled: number;
  readonly sampledAt: number;
}

export interface LagMonitorOptions {
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** Time between samples [5000 ms]. */
  readonly intervalMs?: number;
  readonly thresholds?: Thresholds;
  /** Groups to watch even when they have no offsets yet. */
  readonly groups?: readonly string[];
  /** Groups not to watch (patterns): by default the throw-away readers of tables, rebuilds and tests. */
  readonly ignore?: readonly RegExp[];
  /** Minutes of total lag per group kept for the page's chart [15]. */
  readonly historyMinutes?: number;
  /** The clock [Date.now]. */
  readonly now?: () => number;
  /** Who leads the controller quorum (Kafka's Java admin), asked every `quorumIntervalMs` [none: unknown]. */
  readonly quorum?: () => Promise<Quorum>;
  /** [30,000 ms] */
  readonly quorumIntervalMs?: number;
}

export interface LagMonitor {
  /** The latest evaluation of every watched group, by name. */
  groups(): readonly GroupReport[];
  group(name: string): GroupReport | undefined;
  /** Total lag per group over the last minutes: [time, lag] pairs. */
  history(): Record<string, [number, number][]>;
  /** The brokers, leaderships and replication as last sampled (undefined before the first sample). */
  cluster(): ClusterReport | undefined;
  /** Samples once now (also runs on its own every interval). */
  sample(): Promise<void>;
  close(): Promise<void>;
}

/** Readers that come and go and never commit: tables, rebuilds, the tests' readers. */
export const defaultIgnore = [/\.table\./, /\.rebuild\./, /^test\.(reader|collector)-/];

/**
 * The lag monitor: every interval it reads, for every consumer group of the cluster (but throw-away readers) and
 * every group named in config, the committed offsets, the log-end offsets of their topics and who holds which
 * partition; keeps a window of samples per partition and evaluates it with Burrow's rules (evaluate.ts).
 */
export async function startLagMonitor(options: LagMonitorOptions): Promise<LagMonitor> {
  const { kafka, logger } = options;
  const now = options.now ?? Date.now;
  const thresholds = options.thresholds ?? defaultThresholds;
  const ignore = options.ignore ?? defaultIgnore;
  const historyMs = (options.historyMinutes ?? 15) * 60_000;
  const windows = new Map<string, Map<string, Sample[]>>();
  const reports = new Map<string, GroupReport>();
  const history = new Map<string, [number, number][]>();
  const admin: Admin = kafka.admin();
  await admin.connect();
  let cluster: ClusterReport | undefined;
  let quorum: { at: number; value: Quorum | undefined } | undefined;

  /**
   * Every partition's leader, and the cluster's report; a quorum answer not older than its interval. Through the
   * monitor's own admin client: one made and closed per look would hold the event loop (and the page) while it
   * waits for its requests to a broker that is down.
   */
  async function sampleCluster(at: number): Promise<ReadonlyMap<string, number>> {
    const { leaders, leads, underReplicated, unled } = await lookPartitionHealth(admin);
    if (
      options.quorum !== undefined &&
      (quorum === undefined || at - quorum.at >= (options.quorumIntervalMs ?? 30_000))
    ) {
      quorum = { at, value: await options.quorum().catch(() => undefined) };
    }
    const q = quorum?.value;
    cluster = {
      brokers: [...leads]
        .sort((a, b) => a[0] - b[0])
        .map(([id, n]) => ({
          id,
          leads: n,
          controller:
            q === undefined
              ? 'unknown'
              : q.leader === id
                ? 'leader'
                : q.voters.some((v) => v.id === id)
                  ? 'voter'
                  : 'unknown',
        })),
      underReplicated,
      unled,
      sampledAt: at,
    };
    return leaders;
  }

  async function sample(): Promise<void> {
    const at = now();
    const leaders = await sampleCluster(at).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not read the partitions of the cluster');
      return new Map<string, number>();
    });
    const listed = (await admin.listGroups()).groups.map((g) => g.groupId);
    const names = [...new Set([...listed, ...(options.groups ?? [])])].filter((g) => !ignore.some((r) => r.test(g)));
    const described = names.length === 0 ? { groups: [] } : await admin.describeGroups(names);
    const owners = new Map<string, Set<string>>();
    for (const g of described.groups) {
      const owned = new Set<string>();
      for (const m of g.members) {
        for (const p of m.assignment) owned.add(partitionKey(p));
      }
      owners.set(g.groupId, owned);
    }
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string): Promise<Map<number, number>> => {
      let map = ends.get(topic);
      if (map === undefined) {
        map = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
        ends.set(topic, map);
      }
      return map;
    };
    const seen = new Set<string>();
    for (const group of names) {
      let offsets: Awaited<ReturnType<Admin['fetchOffsets']>>;
      try {
        offsets = await admin.fetchOffsets({ groupId: group });
      } catch (error) {
        logger.warn({ err: error, group }, 'could not read the offsets of a group');
        continue;
      }
      const committedAny = offsets.some((t) => t.partitions.some((p) => Number(p.offset) >= 0));
      if (!committedAny && !(options.groups ?? []).includes(group)) continue;
      seen.add(group);
      let perPartition = windows.get(group);
      if (perPartition === undefined) windows.set(group, (perPartition = new Map()));
      const partitions: PartitionReport[] = [];
      const owned = owners.get(group) ?? new Set<string>();
      for (const t of offsets) {
        const end = await endOf(t.topic);
        for (const p of t.partitions) {
          const key = `${t.topic}:${p.partition}`;
          const window = perPartition.get(key) ?? [];
          window.push({ at, committed: Number(p.offset), end: end.get(p.partition) ?? 0 });
          while (window.length > thresholds.windowSize) window.shift();
          perPartition.set(key, window);
          const isOwned = owned.has(key);
          partitions.push({
            topic: t.topic,
            partition: p.partition,
            owned: isOwned,
            leader: leaders.get(key) ?? -1,
            ...evaluatePartition(window, at, isOwned, thresholds),
          });
        }
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      const { status, worst } = groupStatus(partitions);
      const totalLag = partitions.reduce((sum, p) => sum + p.lag, 0);
      const maxLag = partitions.reduce<PartitionReport | undefined>(
        (m, p) => (m === undefined || p.lag > m.lag ? p : m),
        undefined,
      );
      const members = described.groups.find((g) => g.groupId === group)?.members.length ?? 0;
      const unled = partitions.filter((p) => p.leader < 0).length;
      reports.set(group, { group, status, worst, totalLag, partitions, maxLag, members, unled, sampledAt: at });
      const series = history.get(group) ?? [];
      series.push([at, totalLag]);
      while (series.length > 0 && (series[0]?.[0] ?? at) < at - historyMs) series.shift();
      history.set(group, series);
    }
    for (const group of [...reports.keys()]) if (!seen.has(group)) reports.delete(group);
  }

  let sampling: Promise<void> | undefined;
  const tick = (): Promise<void> => {
    sampling ??= sample()
      .catch((error: unknown) => logger.warn({ err: error }, 'sampling consumer lag failed'))
      .finally(() => (sampling = undefined));
    return sampling;
  };
  await tick();
  const timer = setInterval(() => void tick(), options.intervalMs ?? 5_000);

  return {
    groups: () => [...reports.values()].sort((a, b) => a.group.localeCompare(b.group)),
    group: (name) => reports.get(name),
    history: () => Object.fromEntries(history),
    cluster: () => cluster,
    sample: tick,
    async close() {
      clearInterval(timer);
      await sampling;
      await admin.disconnect();
    },
  };
}
