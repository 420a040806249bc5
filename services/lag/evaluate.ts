/**
 * Consumer-lag evaluation after Burrow's rules (github.com/linkedin/Burrow, "Consumer Lag Evaluation Rules"):
 * per partition, a window of samples of the group's committed offset and the log-end offset; a status per
 * partition from the window, and the group's status from its worst partition. Pure: samples in, statuses out.
 */

/** One observation of a partition: when, where the group had committed, where the log ended. */
export interface Sample {
  readonly at: number;
  /** The group's committed offset; -1 when it has none. */
  readonly committed: number;
  /** The log-end offset (high watermark). */
  readonly end: number;
}

export const lagOf = (s: Sample): number => (s.committed < 0 ? s.end : Math.max(0, s.end - s.committed));

/** A partition's status, least to most severe. */
export const PartitionStatuses = ['OK', 'WARN', 'REWIND', 'STALL', 'STOP'] as const;
export type PartitionStatus = (typeof PartitionStatuses)[number];

/** A group's status: its worst partition's, with STALL and STOP also meaning ERR for a group as a whole. */
export type GroupStatus = 'OK' | 'WARN' | 'ERR' | 'NOTFOUND';

export interface Thresholds {
  /** Samples a window holds; a full window is needed before WARN, STALL or STOP can be said. */
  readonly windowSize: number;
  /**
   * Lag at or under this counts as caught up. Burrow says zero; but a partition written in transactions ends
   * with a commit marker that consumers never receive, so a group that has read everything there still shows
   * lag 1 (kafka-consumer-groups shows the same). Default 1.
   */
  readonly okLag: number;
}

export const defaultThresholds: Thresholds = { windowSize: 10, okLag: 1 };

export interface PartitionEvaluation {
  readonly status: PartitionStatus;
  /** Why, as a sentence for the operator. */
  readonly reason: string;
  readonly lag: number;
  readonly committed: number;
  readonly end: number;
}

/**
 * Burrow's rules on one partition's window (oldest first), evaluated at `now`:
 * 1. the committed offset went back: REWIND;
 * 2. some sample in the window had no lag (at or under okLag): OK;
 * 3. the committed offset did not move over a full window while there was lag: STALL when a member of the group
 *    holds the partition (alive but stuck), STOP when none does (the consumer is gone; Burrow tells the two
 *    apart by commit times, which the offset API does not give, so membership does);
 * 4. (see 3);
 * 5. offsets move but the lag did not shrink over the window (it only grew or stayed): WARN (falling behind);
 * 6. otherwise OK.
 * Until the window is full, only REWIND and OK can be said.
 */
export function evaluatePartition(
  window: readonly Sample[],
  now: number,
  owned: boolean,
  t: Thresholds = defaultThresholds,
): PartitionEvaluation {
  const last = window[window.length - 1];
  if (last === undefined) return { status: 'OK', reason: 'no samples yet', lag: 0, committed: -1, end: 0 };
  const base = { lag: lagOf(last), committed: last.committed, end: last.end };
  for (let i = 1; i < window.length; i++) {
    const [a, b] = [window[i - 1], window[i]] as [Sample, Sample];
    if (b.committed >= 0 && a.committed >= 0 && b.committed < a.committed) {
      return {
        status: 'REWIND',
        reason: `the committed offset went back from ${a.committed} to ${b.committed}`,
        ...base,
      };
    }
  }
  if (window.some((s) => lagOf(s) <= t.okLag)) return { status: 'OK', reason: 'caught up within the window', ...base };
  if (window.length < t.windowSize) return { status: 'OK', reason: 'the window is not full yet', ...base };
  const first = window[0] as Sample;
  if (first.committed === last.committed) {
    const seconds = Math.round((now - first.at) / 1000);
    return owned
      ? {
          status: 'STALL',
          reason: `a member holds the partition but its committed offset stayed at ${last.committed} for ${seconds} s with lag ${base.lag}`,
          ...base,
        }
      : {
          status: 'STOP',
          reason: `no member consumes the partition and nothing was committed for ${seconds} s, with lag ${base.lag}`,
          ...base,
        };
  }
  const lags = window.map(lagOf);
  const shrank = lags.some((lag, i) => i > 0 && lag < (lags[i - 1] ?? lag));
  if (!shrank || lagOf(last) >= lagOf(first)) {
    return { status: 'WARN', reason: `offsets move but the lag grew from ${lagOf(first)} to ${lagOf(last)}`, ...base };
  }
  return { status: 'OK', reason: 'the lag is going down', ...base };
}

const severity = (s: PartitionStatus): number => PartitionStatuses.indexOf(s);

/** The group's status from its partitions': the worst one (STALL or STOP make it ERR, as in Burrow). */
export function groupStatus(partitions: readonly PartitionEvaluation[]): {
  status: GroupStatus;
  worst: PartitionStatus;
} {
  if (partitions.length === 0) return { status: 'NOTFOUND', worst: 'OK' };
  const worst = partitions.reduce<PartitionStatus>((w, p) => (severity(p.status) > severity(w) ? p.status : w), 'OK');
  const status: GroupStatus = worst === 'OK' ? 'OK' : worst === 'WARN' || worst === 'REWIND' ? 'WARN' : 'ERR';
  return { status, worst };
}
