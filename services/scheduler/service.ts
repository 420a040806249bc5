import type { Redis } from 'ioredis';
import type { Kafka, Producer } from '../runtime/kafka';
import type { ExpirySchedule } from '../../contracts/avro/types';
import { SchedulerHeader } from '../../contracts/headers';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { readToEnd } from '../runtime/read-to-end';
import { RebuildableIndex } from '../runtime/rebuildable';
import { startRunner, type Runner } from '../runtime/runner/runner';
import { sourceOf, type Handler, type InputRecord, type OutputRecord } from '../runtime/runner/types';
import { DueIndex, type IndexedSchedule } from './due-index';
import { NodeConsumerGroupInputs } from '../../contracts/groups';

export interface SchedulerOptions {
  readonly config: Config;
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly redis: Redis;
  /** Consumer group [scheduler]. */
  readonly groupId?: string;
  /** The clock [Date.now + NCN_CLOCK_OFFSET_MS]: when items fall due. A test passes a fake one. */
  readonly now?: () => number;
  /**
   * Where the index comes from when Redis has none ['beginning']: the whole compacted topic; 'now' indexes only
   * what arrives from the group's start (side-by-side test runs that must not fire others' schedules).
   */
  readonly indexFrom?: 'beginning' | 'now';
  /** Where a group without offsets starts reading ncn.scheduler [from the beginning]. */
  readonly fromBeginning?: boolean;
}

export interface Scheduler {
  readonly runner: Runner;
  readonly index: DueIndex;
  /** Ticks sent and expiries fired since start. */
  readonly counts: { ticks: number; fired: number; rebuilds: number };
  close(): Promise<void>;
}

/**
 * The scheduler (rule 4): ncn.scheduler (compacted, written by the dispatcher: a schedule per delivered version,
 * a tombstone when closed) is the truth; a Redis sorted set indexes the due times, rebuilt from the topic when Redis lost it. A
 * timer looks for due items and sends a tick for each on ncn.scheduler.ticks; the runner, consuming the
 * schedules and the ticks, fires a due item in a transaction: ItemExpired on ncn.expired and a tombstone of its
 * schedule, produced atomically with the tick's offset. Redis remembers which tick fired an item, so a second
 * tick does nothing, while a replay of the same tick (its first transaction never committed) fires again: each
 * item expires exactly once across crashes, restarts and rebalances.
 */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { config, kafka, serde, logger, redis } = options;
  const offset = config.scheduler.clockOffsetMs;
  const now = options.now ?? (() => Date.now() + offset);
  const name = options.groupId ?? 'scheduler';
  const index = new DueIndex(redis, `${config.redis.prefix}:scheduler`);
  const counts = { ticks: 0, fired: 0, rebuilds: 0 };

  /** Reads ncn.scheduler from the beginning to where it ends now into the index (emptied by the marker's begin). */
  async function fillFromTopic(): Promise<number> {
    let applied = 0;
    if ((options.indexFrom ?? 'beginning') === 'now') return applied;
    await readToEnd({
      kafka,
      topics: [Topic.scheduler],
      logger,
      apply: async (records) => {
        const ops: ({ put: IndexedSchedule } | { cancel: string; upTo?: number })[] = [];
        for (const m of records) {
          const root = m.key?.toString() ?? '';
          if (m.value === null) {
            const upTo = m.headers[SchedulerHeader.expiredVersion]?.toString();
            ops.push({ cancel: root, ...(upTo ? { upTo: Number(upTo) } : {}) });
          } else ops.push({ put: await serde.decode<ExpirySchedule>(m.value) });
        }
        await index.applyMany(ops);
        applied += ops.length;
      },
    });
    return applied;
  }

  /** The index's rebuilds from ncn.scheduler: one at a time, shared by every caller. */
  const rebuildable = new RebuildableIndex({
    name: 'the scheduler index',
    marker: index,
    fill: fillFromTopic,
    logger,
  });
  const rebuild = (why: string): Promise<void> =>
    rebuildable.rebuild(why).then(() => void (counts.rebuilds = rebuildable.rebuilds));
  /** Runs an index operation; when the index is lost, rebuilds it and runs the operation again. */
  async function indexed<T>(op: () => Promise<T>, lost: (result: T) => boolean): Promise<T> {
    let result = await op();
    if (lost(result)) {
      await rebuild('the scheduler index is gone from Redis');
      result = await op();
      if (lost(result))
        throw new NcnError(ErrorCode.Unavailable, 'the scheduler index was lost again', { retriable: true });
    }
    return result;
  }

  if (!(await index.built())) await rebuild('no scheduler index in Redis at start');

  const onSchedule = async (record: InputRecord): Promise<OutputRecord[]> => {
    const root = record.key?.toString() ?? '';
    if (record.value === null) {
      const upTo = record.headers[SchedulerHeader.expiredVersion]?.toString();
      const result = await indexed(
        () => index.cancel(root, upTo === undefined ? undefined : Number(upTo)),
        (r) => r.outcome === 'lost',
      );
      // An expiry's tombstone that follows a newer schedule of the item on the topic (the update's schedule landed
      // while the earlier version fired): compaction would keep only the tombstone and lose the newer schedule
      // from the truth the index is rebuilt from. It is written again, after the tombstone.
      if (result.outcome === 'kept' && !result.fired) {
        const s = result.schedule;
        logger.debug({ root, version: s.version }, 'a newer schedule preceded the expiry tombstone: written again');
        return [
          {
            topic: Topic.scheduler,
            key: root,
            value: { avro: 'it.ncn.ExpirySchedule', data: { ...s, scheduledAt: now() } },
          },
        ];
      }
      return [];
    }
    const schedule = await serde.decode<ExpirySchedule>(record.value);
    await indexed(
      () => index.put(schedule),
      (ok) => !ok,
    );
    return [];
  };

  const onTick = async (record: InputRecord): Promise<OutputRecord[]> => {
    if (record.headers[SchedulerHeader.group]?.toString() !== name) return [];
    const root = record.key?.toString() ?? '';
    const at = now();
    const result = await indexed(
      () => index.fire(root, at, sourceOf(record)),
      (r) => !r.fire && r.reason === 'lost',
    );
    if (!result.fire) return [];
    const s = result.schedule;
    counts.fired++;
    return [
      {
        topic: Topic.expired,
        key: root,
        value: {
          avro: 'it.ncn.ItemExpired',
          data: { root, kind: s.kind, version: s.version, node: s.node, dueAt: s.dueAt, expiredAt: at },
        },
      },
      {
        topic: Topic.scheduler,
        key: root,
        value: null,
        headers: { [SchedulerHeader.expiredVersion]: String(s.version) },
      },
    ];
  };

  const handler: Handler = (record) => (record.topic === Topic.schedulerTicks ? onTick(record) : onSchedule(record));

  const runner = await startRunner({
    service: 'scheduler',
    groupId: name,
    kafka,
    serde,
    logger,
    topics: NodeConsumerGroupInputs.scheduler,
    handler,
    httpPort: config.httpPort,
    fromBeginning: options.fromBeginning ?? true,
    maxRecordsPerTransaction: 500,
  });

  const producer: Producer = kafka.producer({ idempotent: true });
  await producer.connect();

  /** Roots ticked recently and when: not ticked again until their tick had time to be handled. */
  const ticked = new Map<string, number>();
  const retickMs = 10_000;
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      if (!(await index.built())) {
        await rebuild('the scheduler index is gone from Redis');
        ticked.clear();
      }
      const wall = Date.now();
      for (const [root, at] of ticked) if (wall - at > retickMs) ticked.delete(root);
      for (;;) {
        const due = (await index.due(now(), 1_000 + ticked.size)).filter((root) => !ticked.has(root));
        if (due.length === 0) break;
        await producer.send({
          topic: Topic.schedulerTicks,
          messages: due.map((root) => ({ key: root, value: null, headers: { [SchedulerHeader.group]: name } })),
        });
        for (const root of due) ticked.set(root, wall);
        counts.ticks += due.length;
      }
    } catch (error) {
      logger.warn({ err: error }, 'looking for due items failed; trying again at the next check');
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), config.scheduler.checkMs);

  let closing: Promise<void> | undefined;
  return {
    runner,
    index,
    counts,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        while (checking) await new Promise((resolve) => setTimeout(resolve, 20));
        await runner.close();
        await producer.disconnect();
      })();
      return closing;
    },
  };
}
