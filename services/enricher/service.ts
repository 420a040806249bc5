import type { Redis } from 'ioredis';
import { type Kafka, type ConsumedRecord } from '../runtime/kafka';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { startRunner, type Runner } from '../runtime/runner/runner';
import {
  scopeOf,
  sourceOf,
  taskOf,
  type Handler,
  type InputRecord,
  type OutputRecord,
  type TransactionScope,
} from '../runtime/runner/types';
import { followTable, type Table } from '../runtime/table';
import { CoTable, Lost, inputOrder } from './co-table';
import { decide, isRecipient, relationOf, type CoRelation, type EnricherDecision, type EnricherInput } from './enrich';
import { fillCoTable } from './rebuild';
import { RebuildableIndex } from '../runtime/rebuildable';
import { toPercettore, toRapporto } from './records';
import { EnricherHeader } from '../../contracts/headers';
import { WaitingState, changelogRecord, parseWaitingValue } from './waiting-state';
import { NodeConsumerGroupInputs } from '../../contracts/groups';

/** A running enricher. */
export interface Enricher {
  readonly runner: Runner;
  readonly waiting: WaitingState;
  readonly table: CoTable;
  /** Rebuilds of the CO table, and people whose wait ran out looked at again by the timer, since start. */
  readonly counts: { rebuilds: number; timedOut: number };
  /** Rebuilds the CO table now (single flight: concurrent callers share one rebuild). */
  rebuild(why?: string): Promise<void>;
  /**
   * Resolves once the waiting changelog is read and the CO table is in Redis (rebuilt at start when it was not):
   * the group is joined meanwhile, and records wait for both.
   */
  readonly loaded: Promise<void>;
  close(): Promise<void>;
}

export interface EnricherOptions {
  readonly config: Config;
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly redis: Redis;
  /** Consumer group [enricher]. */
  readonly groupId?: string;
  /** The clock [Date.now]: when an INPS record is received, compared with deadlines, and arricchitoIl. */
  readonly now?: () => Date;
  /** Where a group without offsets starts reading its inputs [from the beginning]. */
  readonly fromBeginning?: boolean;
}

/** How long a release is remembered for its seq when the changelog follower read its tombstone first. */
const ReleasedMemoryMs = 10 * 60_000;
/** Longest wait for the changelog follower to catch up before handling a partition new to this instance. */
const CatchUpMs = 3_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const asRetriable = (error: unknown, what: string): NcnError =>
  error instanceof NcnError
    ? error
    : new NcnError(ErrorCode.Unavailable, `${what}: ${error instanceof Error ? error.message : String(error)}`, {
        retriable: true,
        cause: error,
      });

/**
 * The enricher (rule 3). co.rapporti feeds the CO table in Redis (each worker's last relation by start date);
 * inps.percettori records go out on ncn.percettori with the qualification of the last employment: INPS's own
 * when given, else the CO table's; a record for a person the table does not know yet waits for CO data, up to
 * NCN_QUALIFICATION_WAIT_MS, then goes out as SCONOSCIUTA. Waiting records live in Kafka (ncn.enricher.waiting,
 * a compacted changelog keyed by codice fiscale, written in the same transaction as the outputs and the input
 * offset, read whole at start and followed), so a Redis flush loses none. The CO table is a cache: rebuilt from
 * co.rapporti and inps.percettori at start when missing and whenever an operation finds it gone. The runner's
 * timer (punctuate, every NCN_WAIT_CHECK_MS) looks at each task's people whose wait ran out and releases their
 * records in the task's transaction, as a record would.
 */
export async function startEnricher(options: EnricherOptions): Promise<Enricher> {
  const { config, kafka, serde, logger, redis } = options;
  const now = options.now ?? (() => new Date());
  const name = options.groupId ?? 'enricher';
  const waitMs = config.enricher.qualificationWaitMs;
  const table = new CoTable(redis, config.redis.prefix);
  const waiting = new WaitingState();
  const counts = { rebuilds: 0, timedOut: 0 };

  /** The CO table's rebuilds: one at a time, shared by every caller; `why` is logged when one starts. */
  const coTable = new RebuildableIndex({
    name: 'the CO table',
    marker: table.marker,
    fill: () => fillCoTable({ kafka, serde, table, logger }),
    logger,
  });
  const rebuild = (why = 'asked'): Promise<void> =>
    coTable.rebuild(why).then(() => void (counts.rebuilds = coTable.rebuilds));
  /** Runs a table operation; when the table is lost, rebuilds it and runs the operation again. */
  async function withTable<T>(op: () => Promise<T | Lost>): Promise<T> {
    let result = await op();
    if (result === Lost) {
      await rebuild('the CO table is gone from Redis').catch((error: unknown) => {
        throw asRetriable(error, 'rebuilding the CO table failed');
      });
      result = await op();
      if (result === Lost)
        throw new NcnError(ErrorCode.Unavailable, 'the CO table was lost again', { retriable: true });
    }
    return result;
  }

  const follower: Table = await followTable({
    kafka,
    topic: Topic.enricherWaiting,
    name,
    logger,
    apply: (message: ConsumedRecord) => {
      const group = message.headers?.[EnricherHeader.group]?.toString();
      if (group !== undefined && group !== name) return;
      const cf = message.key?.toString() ?? '';
      if (message.value === null) {
        const seq = message.headers?.[EnricherHeader.seq]?.toString();
        waiting.applyTombstone(cf, seq === undefined ? undefined : Number(seq));
        return;
      }
      const value = parseWaitingValue(message.value);
      if (value === undefined) logger.warn({ cf, offset: message.offset }, 'not a waiting value: ignored');
      else if (value.group === name) waiting.applyValue(value, String(message.partition));
    },
  });
  // The group is joined while the waiting changelog loads and, when Redis lost it, the CO table is rebuilt: a
  // record is handled only once the changelog is read (catchUp below), and a table operation that finds the table
  // lost waits for the rebuild (withTable).
  const coTableAtStart = (await coTable.built())
    ? Promise.resolve()
    : rebuild('no CO table in Redis at start').catch((error: unknown) =>
        logger.warn({ err: error }, 'rebuilding the CO table at start failed; the next table operation tries again'),
      );
  const loaded = Promise.all([follower.ready, coTableAtStart]).then(() =>
    logger.info({ waiting: waiting.size }, 'enricher tables loaded'),
  );

  /**
   * Waits (boundedly) until the follower has read the changelog up to where it ends now: called before handling
   * a partition this instance has not been handling, whose earlier owner may have written waiting records the
   * follower has not read yet.
   */
  async function catchUp(): Promise<void> {
    await follower.ready;
    if (!(await follower.catchUp(CatchUpMs)))
      logger.warn({ waitedMs: CatchUpMs }, 'the waiting changelog was not read to its end in time: going on');
  }
  /** Per input partition, the offset expected next: any other offset means someone else may have handled it. */
  const expected = new Map<string, bigint>();
  async function syncWith(record: InputRecord): Promise<void> {
    const scope = scopeOf(record);
    const offset = BigInt(record.offset);
    const next = expected.get(scope);
    expected.set(scope, offset + 1n);
    if (next === offset || next === offset + 1n) return;
    // Back to an earlier offset: what the task staged past it never committed (dropped again, in case no hook said
    // so).
    if (next !== undefined && offset < next) waiting.abort(taskOf(record));
    await catchUp().catch((error: unknown) => {
      throw asRetriable(error, 'reading where the waiting changelog ends failed');
    });
  }

  /** The outputs of a decision: the released records in order, then the person's changelog record. */
  const outputsOf = (cf: string, decision: EnricherDecision): OutputRecord[] => {
    const outputs: OutputRecord[] = decision.released.map((data) => ({
      topic: Topic.percettori,
      key: cf,
      value: { avro: 'it.ncn.PercettoreArricchito', data },
    }));
    const changelog = changelogRecord(decision.change, name);
    if (changelog !== undefined) outputs.push(changelog);
    return outputs;
  };

  /**
   * Decides what `input` (handled as `source` of the task of `scope`) does to the person's waiting records, and
   * stages the change.
   */
  const decideFor = (
    scope: TransactionScope,
    source: string,
    cf: string,
    input: EnricherInput,
    relation: CoRelation | undefined,
  ): OutputRecord[] => {
    const task = taskOf(scope); // staged per task: a person's INPS and CO records and the timer meet in partition p
    const decision = decide(input, {
      waiting: waiting.get(task, source, cf),
      relation,
      now: now().getTime(),
      waitMs,
    });
    waiting.stage(task, source, decision.change);
    return outputsOf(cf, decision);
  };

  const decode = async (record: InputRecord): Promise<unknown> => {
    if (record.value === null) throw new NcnError(ErrorCode.Decode, `an empty record on ${record.topic}`);
    return serde.decode(record.value);
  };

  const onPercettore = async (record: InputRecord): Promise<OutputRecord[]> => {
    const percettore = toPercettore(await decode(record));
    const cf = percettore.codiceFiscale;
    await withTable(() =>
      table.applyRecipient({
        cf,
        recipient: isRecipient(percettore.tipoOperazione),
        order: inputOrder(record.partition, record.offset),
      }),
    );
    const relation = await withTable(() => table.lookup(cf));
    return decideFor(record, sourceOf(record), cf, { kind: 'percettore', percettore }, relation);
  };

  const onRapporto = async (record: InputRecord): Promise<OutputRecord[]> => {
    const rapporto = toRapporto(await decode(record));
    const relation = relationOf(rapporto);
    const cf = rapporto.codiceFiscaleLavoratore;
    const stored = await withTable(() => table.merge(cf, relation));
    return decideFor(record, sourceOf(record), cf, { kind: 'rapporto' }, stored);
  };

  /** Tasks whose next timer run reads the waiting changelog to its end first (newly assigned, or aborted). */
  const unsynced = new Set<string>();

  /**
   * The timer of a task: each of its people whose wait ran out is decided again (a `tick`), in the task's
   * transaction. A task new to this instance first reads the changelog to its end: its earlier owner may have
   * released someone this instance has not read of yet.
   */
  const onTimer = async (scope: TransactionScope): Promise<OutputRecord[]> => {
    const task = taskOf(scope);
    if (unsynced.has(task)) {
      await catchUp().catch((error: unknown) => {
        throw asRetriable(error, 'reading where the waiting changelog ends failed');
      });
      unsynced.delete(task);
    }
    const outputs: OutputRecord[] = [];
    for (const cf of waiting.due(now().getTime(), task)) {
      const source = `timer:${cf}`;
      const current = waiting.get(task, source, cf);
      if (current === undefined || current.records.length === 0) continue;
      const relation = await withTable(() => table.lookup(cf));
      outputs.push(...decideFor(scope, source, cf, { kind: 'tick' }, relation));
      counts.timedOut++;
    }
    return outputs;
  };

  const handler: Handler = async (record) => {
    await syncWith(record);
    switch (record.topic) {
      case Topic.inpsPercettori:
        return onPercettore(record);
      case Topic.coRapporti:
        return onRapporto(record);
      default:
        throw new NcnError(ErrorCode.Decode, `the enricher does not read ${record.topic}`);
    }
  };

  const runner = await startRunner({
    service: 'enricher',
    groupId: name,
    kafka,
    serde,
    logger,
    topics: NodeConsumerGroupInputs.enricher,
    handler,
    hooks: {
      committed: (s) => waiting.commit(taskOf(s)),
      // The runner could not tell whether the transaction committed (a commit failing on the wire may have been
      // applied): every scope's next record catches the waiting changelog up first.
      aborted: (s) => {
        waiting.abort(taskOf(s));
        expected.clear();
        unsynced.add(taskOf(s));
      },
    },
    httpPort: config.httpPort,
    fromBeginning: options.fromBeginning ?? true,
    // inps.percettori, co.rapporti and ncn.enricher.waiting are keyed by codice fiscale with equal partition counts.
    coPartitioned: true,
    punctuate: { everyMs: config.enricher.waitCheckMs, run: onTimer },
    onAssigned: (partitions) => {
      for (const p of partitions) unsynced.add(taskOf(p));
    },
    partitionsConsumedConcurrently: 1,
    now,
  });

  let checking = false;
  /** Forgets old releases, and rebuilds the CO table when Redis lost it meanwhile. */
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      await follower.ready;
      waiting.prune(Date.now(), ReleasedMemoryMs);
      if (!(await coTable.built())) await rebuild('the CO table is gone from Redis');
    } catch (error) {
      logger.warn({ err: error }, 'checking the CO table failed; trying again at the next check');
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), config.enricher.waitCheckMs);

  let closing: Promise<void> | undefined;
  return {
    runner,
    waiting,
    table,
    counts,
    rebuild,
    loaded,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        while (checking) await sleep(20);
        await runner.close();
        await follower.close();
        await coTable.settled();
      })();
      return closing;
    },
  };
}
