import type { Admin, Kafka } from './kafka';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A consumer group and what it reads. */
export interface Watched {
  readonly group: string;
  readonly topics: readonly string[];
  /**
   * The topics are written in transactions and a committed offset one short of a partition's end counts as read
   * (the end is then a commit marker no consumer receives) [false: only the end itself is read]. The node's
   * services commit past such markers after a quiet second, so a strict look waits for that.
   */
  readonly markerSlack?: boolean;
}

/**
 * How many records a group still has to read of its topics: per partition, from its committed offset, or from
 * the partition's start where it committed none (what a group reading from the beginning has ahead of it), to
 * the partition's end. A group that never committed is behind by whatever its topics hold, and caught up on
 * topics that hold nothing.
 */
export async function behind(admin: Admin, watched: Watched): Promise<number> {
  const [committed, ends] = await Promise.all([
    admin.fetchOffsets({ groupId: watched.group, topics: [...watched.topics] }),
    Promise.all(watched.topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) }))),
  ]);
  const slack = watched.markerSlack === true ? 1n : 0n;
  let lag = 0n;
  for (const { topic, offsets } of ends) {
    const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const p of offsets) {
      const high = BigInt(p.high);
      const at = mine.find((m) => m.partition === p.partition)?.offset ?? '-1';
      const from = at === '-1' || at === '' ? BigInt(p.low) : BigInt(at);
      if (from + slack < high) lag += high - from - slack;
    }
  }
  return Number(lag);
}

/** Records behind per group, looked at in the order given. */
export async function lagOf(admin: Admin, watched: readonly Watched[]): Promise<Record<string, number>> {
  const lags: Record<string, number> = {};
  // In order: a group downstream is looked at after the one upstream has committed what it produced.
  for (const w of watched) lags[w.group] = await behind(admin, w);
  return lags;
}

/**
 * Waits until every watched group has read everything, twice in a row (`intervalMs` apart), and returns when
 * that was first seen. Throws after `timeoutMs`. `progress` hears the lag of each group at each look.
 */
export async function waitDrained(
  kafka: Kafka,
  watched: readonly Watched[],
  options: { timeoutMs: number; intervalMs?: number; progress?: (lags: Record<string, number>) => void },
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + options.timeoutMs;
    let drainedAt: number | undefined;
    for (;;) {
      const lags = await lagOf(admin, watched);
      options.progress?.(lags);
      if (Object.values(lags).every((l) => l === 0)) {
        if (drainedAt !== undefined) return drainedAt;
        drainedAt = Date.now();
      } else drainedAt = undefined;
      if (Date.now() > deadline)
        throw new Error(`not drained within ${options.timeoutMs / 1000} s; still behind: ${JSON.stringify(lags)}`);
      await sleep(options.intervalMs ?? 1_000);
    }
  } finally {
    await admin.disconnect();
  }
}
