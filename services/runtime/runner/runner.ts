import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { avroSchema } from '../../../contracts/avro/schemas';
import { valueSubject, type AvroSerde } from '../avro-serde';
import {
  FetchWaitMs,
  TransactionTimeoutMs,
  partitionKey,
  type TopicOffsets,
  type ConsumedRecord,
  type GroupConsumer,
  type Kafka,
  type TopicPartition,
  type TransactionalProducer,
} from '../kafka';
import { NcnError } from '../errors';
import type { Logger } from '../logger';
import { deadLettering, describeError } from './dead-letter';
import { IdleCommits } from './idle-commit';
import { startHttp } from './http';
import { consumerStopped } from './stopped';
import { createRunnerMetrics, timed, type RunnerMetrics } from './metrics';
import { compose } from './middleware';
import { defaultRetryPolicy, retrying, withRetry, type RetryPolicy } from './retry';
import { timeLimit } from './timeout';
import { tracing } from './trace';
import type { EncodedOutput, Handler, OutputRecord, TransactionHooks, TransactionScope } from './types';

/** What a runner needs; defaults in brackets. */
export interface RunnerOptions {
  /** The service's name: its consumer group, client id prefix and metrics label. */
  readonly service: string;
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Topic names or patterns to consume. */
  readonly topics: readonly (string | RegExp)[];
  readonly handler: Handler;
  readonly hooks?: TransactionHooks;
  /** Consumer group [the service name]. */
  readonly groupId?: string;
  /** Retries of transient failures [5 attempts, 100 ms doubling, up to 5 s]. */
  readonly retry?: RetryPolicy;
  /**
   * How long handling one record may take before it counts as a transient failure [no limit]. An attempt given up
   * on cannot be cancelled and runs on: only for a handler whose abandoned attempt can do no harm (it stages
   * nothing, and its calls out are idempotent and need no order).
   */
  readonly handlerTimeoutMs?: number;
  /**
   * A side-effect sink (the EURES forwarder: a handler that calls out and stages nothing) [false]: when a task's
   * record still fails when its retries run out, the records the task handled before it commit with the round
   * (their calls were made) and its partition is read again from that record, so a call that succeeded is not
   * made again because of a failure after it.
   */
  readonly sideEffectSink?: boolean;
  /** Most records in one transaction [500]. */
  readonly maxRecordsPerTransaction?: number;
  /**
   * Most records in a partition's first transaction after it is assigned [32, at most maxRecordsPerTransaction];
   * each committed chunk doubles the next up to maxRecordsPerTransaction. A member that just started (or got the
   * partition from another) shows progress within a fraction of a second instead of after a full chunk, while the
   * steady state keeps full chunks.
   */
  readonly firstChunkRecords?: number;
  /** What the service adds to the detail of /health (its own state: a circuit breaker, counts). */
  readonly health?: () => Record<string, unknown>;
  /** Port of /metrics and /health; 0 picks a free one; undefined serves none. */
  readonly httpPort?: number;
  /** Start from the earliest offset when the group has none [true]. */
  readonly fromBeginning?: boolean;
  /** The clock, for dead-letter timestamps [Date.now]. */
  readonly now?: () => Date;
  /** Tasks handled at once within a transaction [1]. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Whether the inputs are co-partitioned (equal partition counts, keyed alike): then partition p of every input
   * is one task, whose records are handled one at a time by one lane, and state a handler stages for one of them is
   * seen by the others (stage it under `taskOf(scope)`). Otherwise each partition is a task of its own [false].
   */
  readonly coPartitioned?: boolean;
  /**
   * How long a transaction takes in new records before it commits [500 ms]: the longer, the fewer transactions
   * (and markers) per record; the shorter, the sooner downstream reads what was produced.
   */
  readonly commitIntervalMs?: number;
  /**
   * The least time from the start of one round to the start of the next [0]: a service whose records go round a
   * topic until they can be decided (ingest's parked updates) is paced by it, where a handler would otherwise sleep.
   */
  readonly minRoundIntervalMs?: number;
  /** Largest fetch per partition in bytes [1 MiB]; raise it for topics with large records. */
  readonly maxBytesPerPartition?: number;
  /**
   * How long a partition must be quiet before the runner commits past the markers and aborted records at its end
   * [1,000 ms] (see idle-commit.ts); 0 commits at once.
   */
  readonly idleCommitMs?: number;
  /**
   * How long the runner keeps asking whether a transaction whose commit failed was applied [60,000 ms]; unanswered
   * by then, the runner stops (reading the records again or going on past them could each be wrong).
   */
  readonly commitOutcomeWaitMs?: number;
  /**
   * A timer of the service's tasks (Kafka Streams' punctuate) [none]: every `everyMs` a round calls `run` for each
   * task this instance holds, after the task's records of the round, and its outputs and what it staged commit in
   * the round's transaction, as a record's do (hooks are told with the task's scope). A failure leaves the task out
   * of the transaction, as a record's does. For a co-partitioned service only; not with a side-effect sink.
   */
  readonly punctuate?: Punctuator;
  /**
   * This instance's name among the group's members [the client's NCN_INSTANCE_ID, else none]: with one, the member
   * is static (a restart within the session timeout gets its partitions back at once) and its transactional ids are
   * stable (`<group>.<instance>.<n>`: a restart fences its predecessor and aborts what it left open at once); without
   * one, a crashed predecessor's open transaction holds its partitions until the broker aborts it
   * (TransactionTimeoutMs). Unique per running instance of the group.
   */
  readonly instanceId?: string;
  /**
   * The process's transactional producer, when several runners share it (`processTransactions`) [one of the
   * runner's own]; its maker closes it after the runners.
   */
  readonly transactions?: Transactions;
  /** Called whenever the group assigns this instance partitions anew (they may have changed hands meanwhile). */
  readonly onAssigned?: (partitions: readonly TopicPartition[]) => void;
}

/** A timer of the tasks: see RunnerOptions.punctuate. */
export interface Punctuator {
  readonly everyMs: number;
  /** Called with the task's scope (its partition number, and one of its input topics). */
  readonly run: (scope: TransactionScope) => Promise<readonly OutputRecord[]> | readonly OutputRecord[];
}

/** A running service. `close()` is idempotent: it finishes the batch in flight, commits, leaves the group. */
export interface Runner {
  readonly metrics: RunnerMetrics;
  /** The port of /metrics and /health, when served. */
  readonly httpPort: number | undefined;
  /** Resolves when the consumer first joins its group and gets its partitions. */
  readonly joined: Promise<void>;
  /** Resolves once its first partitions have their starting offsets: from then on, where the group reads is settled. */
  readonly fetching: Promise<void>;
  close(): Promise<void>;
}

/** What a runner logs (at info) when its first transaction holding records has committed since it started. */
export const FirstCommitMessage = 'first records committed';

const isTransient = (error: unknown): boolean => error instanceof NcnError && error.retriable;

/** A transaction's commit failed and whether the broker applied it could not be read: the runner cannot go on. */
class CommitOutcomeUnknown extends Error {
  constructor(commitError: unknown, readError: unknown) {
    super(
      `a transaction's commit failed (${describeError(commitError).message}) and whether it was applied could not be read (${describeError(readError).message})`,
      { cause: commitError },
    );
  }
}

/** Whether a client error says the producer is done for (fenced, or its transaction state lost): make a new one. */
const isFatal = (error: unknown): boolean => (error as { isFatal?: unknown } | null)?.isFatal === true;

/**
 * Whether a producer whose transaction failed can begin the next one: a transaction that failed to begin leaves it
 * in a state only a new producer gets out of. Begins and aborts an empty transaction to find out.
 */
async function producerUsable(producer: TransactionalProducer): Promise<boolean> {
  try {
    await (await producer.transaction()).abort();
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The transactional producer of a process: the transactions of its runners take turns on it (a producer has one
 * open at a time). Its id is `<group>.<instance>.0`, stable for a named instance, so a restart fences the previous
 * process's producer and settles what it left open at once. Started by the first runner that uses it; closed by
 * whoever made it.
 */
export class Transactions {
  #producer: TransactionalProducer | undefined;
  #started: Promise<void> | undefined;
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly make: () => TransactionalProducer) {}

  /** Makes and initialises the producer, once however often it is called. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#producer = await this.#connected();
    })();
    return this.#started;
  }

  async #connected(): Promise<TransactionalProducer> {
    const producer = this.make();
    await producer.connect();
    return producer;
  }

  /** The producer, once no other transaction of the process holds it; `give` hands it on. */
  async take(): Promise<TransactionalProducer> {
    await this.start();
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
    if (this.#producer === undefined) throw new Error('the transactional producer is not started');
    return this.#producer;
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#busy = false;
  }

  /** Replaces a producer the broker fenced or that failed for good; the new one takes the same id. */
  async replace(): Promise<void> {
    await this.#producer?.disconnect().catch(() => undefined);
    this.#producer = await this.#connected();
  }

  async close(): Promise<void> {
    await this.#producer?.disconnect().catch(() => undefined);
  }
}

/** The process's transactional producer for a group (its runners pass it on: `transactions`). */
export function processTransactions(kafka: Kafka, groupId: string, instanceId = kafka.instanceId): Transactions {
  // Without an instance name, a fresh one per start: ids stay unique among the group's running members.
  const idTag = instanceId ?? randomBytes(4).toString('hex');
  return new Transactions(() => kafka.transactionalProducer({ transactionalId: `${groupId}.${idTag}.0` }));
}

/**
 * The shared runner: consumes in polls, calls the handler for each record, and in rounds produces the handler's
 * records and commits the input offsets of every partition the round took from in one Kafka transaction of the
 * instance's one transactional producer (KIP-447: the offsets carry the consumer's group metadata, so a member that
 * lost its partitions cannot commit them). Within a round, tasks (a partition, or partition p of every
 * co-partitioned input) are handled side by side, a task's records one at a time. Transient failures are retried
 * with backoff; a record whose handler fails permanently goes to ncn.dlq with its original bytes and the reason in
 * named headers, in the same transaction, and the partition moves on. Retries exhausted on a transient failure
 * abort the round and read its partitions again from where it began: nothing is skipped.
 */
export async function startRunner(options: RunnerOptions): Promise<Runner> {
  const { service, kafka, serde, logger, handler } = options;
  const groupId = options.groupId ?? service;
  const policy = options.retry ?? defaultRetryPolicy;
  const chunkSize = options.maxRecordsPerTransaction ?? 500;
  const firstChunk = Math.max(1, Math.min(chunkSize, options.firstChunkRecords ?? 32));
  /** Per assigned partition, the size of its next chunk: from firstChunk, doubled by each commit, up to chunkSize. */
  const nextChunk = new Map<string, number>();
  const concurrency = Math.max(1, options.partitionsConsumedConcurrently ?? 1);
  const coPartitioned = options.coPartitioned ?? false;
  const punctuator = options.punctuate;
  if (punctuator !== undefined && (!coPartitioned || options.sideEffectSink === true))
    throw new Error('a runner with a timer must be co-partitioned, and not a side-effect sink');
  /** When the timer last ran (wall clock, ms). */
  let punctuatedAt = 0;
  const commitIntervalMs = options.commitIntervalMs ?? 500;
  const now = options.now ?? (() => new Date());
  const instanceId = options.instanceId ?? kafka.instanceId;
  const metrics = createRunnerMetrics(service);
  const schemaIds = new Map<string, Promise<number>>();
  /** Per assigned partition, the offset the group has committed (by this instance, or before it got the partition). */
  const committedEnd = new Map<string, bigint>();
  let running = false;
  let failure: Error | undefined;
  const startedAt = Date.now();
  let firstCommitted = false;
  /** The round being processed, which a revocation waits for. */
  let inflight: Promise<void> = Promise.resolve();

  // One transactional producer: every transaction of this instance goes through it (KIP-447 lets one producer
  // commit offsets of any partition the member holds), shared with the process's other runners when given.
  const transactions = options.transactions ?? processTransactions(kafka, groupId, instanceId);

  const idle = new IdleCommits(
    options.idleCommitMs ?? 1_000,
    async (key, end) => {
      const partition = assignedPartitions.get(key);
      if (partition === undefined) return;
      await commitParts([{ partition, key, records: [], end }], []);
    },
    (key, error) =>
      logger.warn({ err: error, partition: key }, 'committing past the end of a quiet partition failed; trying again'),
  );

  const assignedPartitions = new Map<string, TopicPartition>();
  /** Records fetched and not handled yet, per partition, in offset order. */
  const backlog = new Map<string, { partition: TopicPartition; records: ConsumedRecord[] }>();
  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));

  const consumer: GroupConsumer = kafka.groupConsumer({
    groupId,
    topics: options.topics,
    fromBeginning: options.fromBeginning ?? true,
    ...(instanceId !== undefined ? { instanceId } : {}),
    pollWaitMs: FetchWaitMs,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    onAssign: (partitions) => {
      idle.reset();
      for (const p of partitions) {
        const key = partitionKey(p);
        assignedPartitions.set(key, { topic: p.topic, partition: p.partition });
        committedEnd.set(key, p.offset);
        nextChunk.set(key, firstChunk);
        backlog.delete(key); // fetched under an earlier assignment: read again from the committed offset
      }
      markJoined();
      options.onAssigned?.(partitions);
    },
    // Longer than any transaction may stay open: a read that still fails is not waiting for a live transaction.
    startingOffsetsTimeoutMs: 2 * TransactionTimeoutMs,
    onStartingOffsetsUnreadable: (partitions) => settleHangingOffsets(partitions),
    onRevoke: async (partitions) => {
      idle.reset();
      for (const p of partitions) {
        assignedPartitions.delete(partitionKey(p));
        backlog.delete(partitionKey(p));
      }
      // What is in flight for them finishes (commits or aborts) before another member may read their offsets.
      await inflight;
      await Promise.all(partitions.map((p) => idle.take(partitionKey(p))));
      for (const p of partitions) {
        committedEnd.delete(partitionKey(p));
        nextChunk.delete(partitionKey(p));
      }
    },
  });

  /**
   * Starting offsets still unreadable after longer than any transaction may stay open are held by a hanging
   * transaction: a pending offset commit that no marker will end (Kafka's name; a commit request that reached the
   * group coordinator after its transaction had been aborted, as a broker restart can make happen). When it is this
   * instance's own transactional id's (the id is stable per named instance), a transaction of the same id that
   * commits offsets of the same partitions ends it: its marker completes every pending commit of the producer, and
   * the offsets it sends replace the pending ones. It sends the last committed offsets (read without waiting for
   * stability), so nothing is skipped or handled again. Another id's hanging commit stays: the member keeps waiting,
   * and an operator aborts it (`kafka-transactions.sh find-hanging`, `abort`).
   */
  async function settleHangingOffsets(partitions: readonly TopicPartition[]): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    let last: TopicOffsets[];
    try {
      const topics = [...new Set(partitions.map((p) => p.topic))];
      last = await admin.fetchOffsets({ groupId, topics, requireStable: false });
    } finally {
      await admin.disconnect();
    }
    const wanted = new Set(partitions.map(partitionKey));
    const offsets = last
      .map(({ topic, partitions: ps }) => ({
        topic,
        partitions: ps.filter((p) => wanted.has(`${topic}:${p.partition}`) && BigInt(p.offset) >= 0n),
      }))
      .filter((t) => t.partitions.length > 0);
    if (offsets.length === 0) return;
    const producer = await transactions.take();
    try {
      const transaction = await producer.transaction();
      try {
        await transaction.sendOffsets({ consumer, topics: offsets });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    } finally {
      transactions.give();
    }
    logger.warn(
      { partitions: offsets.flatMap((t) => t.partitions.map((p) => `${t.topic}:${p.partition}@${p.offset}`)) },
      "starting offsets held past any transaction timeout: committed the last committed offsets again with this instance's transactional id, which ends a hanging commit of its own",
    );
  }

  function schemaId(topic: string, record: Parameters<typeof avroSchema>[0]): Promise<number> {
    const cacheKey = `${topic}/${record}`;
    let id = schemaIds.get(cacheKey);
    if (id === undefined) {
      id = serde.register(valueSubject(topic), avroSchema(record));
      id.catch(() => schemaIds.delete(cacheKey));
      schemaIds.set(cacheKey, id);
    }
    return id;
  }

  async function encode(output: OutputRecord): Promise<EncodedOutput['message']> {
    let value: Buffer | null;
    if (output.value === null || Buffer.isBuffer(output.value)) value = output.value;
    else value = await serde.encode(await schemaId(output.topic, output.value.avro), output.value.data);
    return { key: output.key, value, ...(output.headers ? { headers: { ...output.headers } } : {}) };
  }

  /**
   * How one record is handled: the middleware, outermost first, around the handler and the encoding of its
   * outputs. Timed whatever happens; a permanent failure becomes the record's dead letter; the outputs carry the
   * record's path; a transient failure (a timeout included) is retried with backoff, then rethrown.
   */
  const handle = compose(
    [
      timed(metrics.processing),
      deadLettering({
        service,
        isTransient,
        now,
        encode,
        onDeadLetter: (record, failure) => {
          metrics.failures.inc({ kind: 'dead_lettered' });
          logger.warn(
            { code: failure.code, topic: record.topic, partition: record.partition, offset: record.offset },
            `dead-lettered: ${failure.message}`,
          );
        },
      }),
      tracing(service),
      retrying({
        policy,
        isTransient,
        onRetry: (error, attempt, delayMs, record) => {
          metrics.failures.inc({ kind: 'retried' });
          logger.warn(
            { err: error, attempt, delayMs, topic: record.topic, offset: record.offset },
            'transient failure, retrying',
          );
        },
      }),
      ...(options.handlerTimeoutMs === undefined ? [] : [timeLimit(options.handlerTimeoutMs)]),
    ],
    async (record) => {
      const outputs = await handler(record);
      return Promise.all(outputs.map(async (o) => ({ topic: o.topic, message: await encode(o) })));
    },
  );

  /**
   * The group's committed offset of a partition, read stable (a pending transaction's offsets are waited for). Asked
   * again while the cluster does not answer, for at most `commitOutcomeWaitMs`.
   */
  async function committedOffset(partition: TopicPartition): Promise<bigint> {
    const deadline = Date.now() + (options.commitOutcomeWaitMs ?? 60_000);
    for (;;) {
      try {
        const offsets = await consumer.committed([partition], 10_000);
        return offsets.get(partitionKey(partition)) ?? -1n;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  /** A partition's share of a transaction: the records handled in it, and the offset committed after them. */
  interface Part {
    readonly partition: TopicPartition;
    readonly key: string;
    readonly records: readonly ConsumedRecord[];
    readonly end: bigint;
  }
  type Encoded = EncodedOutput;
  const scopeOfPart = (p: Part): TransactionScope => ({ topic: p.partition.topic, partition: p.partition.partition });

  /**
   * Commits one transaction: the outputs, and each part's `end` as its partition's committed offset. A part may
   * hold no record at all: it then only commits past aborted records and markers. Throws when the transaction did
   * not commit (every part's hooks were told: aborted).
   */
  async function commitParts(
    parts: readonly Part[],
    outputs: readonly Encoded[],
    timerScopes: readonly TransactionScope[] = [],
  ): Promise<void> {
    // Hooks hear of the parts with records, and of the tasks whose timer ran, only: a part without records is an
    // idle commit, which may run while a round handles the same task, and must not commit or drop what it staged.
    const scopes = [...parts.filter((p) => p.records.length > 0).map(scopeOfPart), ...timerScopes];
    const aborted = (): void => {
      for (const scope of scopes) options.hooks?.aborted?.(scope);
    };
    const prepare = options.hooks?.prepare;
    if (prepare !== undefined) {
      try {
        for (const part of parts) {
          if (part.records.length === 0) continue;
          const scope = scopeOfPart(part);
          await withRetry(() => prepare(scope), {
            policy,
            isTransient: () => true,
            onRetry: (error, attempt, delayMs) => {
              metrics.failures.inc({ kind: 'retried' });
              logger.warn({ err: error, attempt, delayMs, ...scope }, 'preparing a transaction failed, retrying');
            },
          });
        }
      } catch (error) {
        // Retries ran out before the transaction began: nothing of it is produced; what it staged is dropped.
        aborted();
        throw error;
      }
    }
    const producer = await transactions.take();
    try {
      /** Whether the producer is done for: fenced or fatal, or its transaction could not be aborted. */
      let broken = false;
      try {
        const transaction = await producer.transaction();
        try {
          const byTopic = new Map<string, Encoded['message'][]>();
          for (const o of outputs) {
            const list = byTopic.get(o.topic);
            if (list === undefined) byTopic.set(o.topic, [o.message]);
            else list.push(o.message);
          }
          if (byTopic.size > 0) {
            await transaction.sendBatch({
              topicMessages: [...byTopic].map(([t, messages]) => ({ topic: t, messages })),
            });
          }
          const offsets = new Map<string, { partition: number; offset: string }[]>();
          for (const part of parts) {
            const list = offsets.get(part.partition.topic) ?? [];
            list.push({ partition: part.partition.partition, offset: part.end.toString() });
            offsets.set(part.partition.topic, list);
          }
          if (offsets.size > 0) {
            await transaction.sendOffsets({
              consumer,
              topics: [...offsets].map(([topic, partitions]) => ({ topic, partitions })),
            });
          }
          await transaction.commit();
        } catch (error) {
          broken =
            isFatal(error) ||
            (await transaction.abort().then(
              () => false,
              () => true,
            ));
          throw error;
        }
      } catch (error) {
        metrics.failures.inc({ kind: 'transaction' });
        // A producer that could not begin, or abort, or that the broker fenced, is replaced by a new one of the same
        // id: initialising it fences the old one and settles whatever transaction it left open.
        if (broken || isFatal(error) || !(await producerUsable(producer))) {
          logger.warn(
            { err: error },
            `the transactional producer failed (${describeError(error).message}); taking a new one`,
          );
          await transactions
            .replace()
            .catch((e: unknown) => logger.warn({ err: e }, 'a new transactional producer could not start yet'));
        }
        // The outcome is not certain: a commit can fail on the wire after the broker applied it. The committed offset
        // of one of its partitions, read stable, says (a transaction commits all or nothing): past the part, it did
        // commit and the service's staged state is final; otherwise it aborted. When even that cannot be known (the
        // broker is away for longer than the reads wait, or the member was fenced), neither reading the records
        // again (a duplicate, had it committed) nor going on (a loss, had it aborted) is safe: the runner stops, and
        // a service process is started again from what the group and the changelogs say.
        // A transaction of timers' outputs alone commits no offset to read back: it too stops the runner.
        const [probe] = parts;
        let applied: boolean;
        try {
          if (probe === undefined) throw new Error('the transaction committed no input offset');
          applied = (await committedOffset(probe.partition)) >= probe.end;
        } catch (e) {
          aborted();
          throw new CommitOutcomeUnknown(error, e);
        }
        if (!applied) {
          metrics.transactions.inc({ outcome: 'aborted' });
          aborted();
          throw error;
        }
        logger.warn({ err: error }, 'a commit answered with an error had been applied: going on');
      }
    } finally {
      transactions.give();
    }
    metrics.transactions.inc({ outcome: 'committed' });
    for (const o of outputs) metrics.recordsOut.inc({ topic: o.topic });
    for (const scope of scopes) options.hooks?.committed?.(scope);
    for (const part of parts) if (assignedPartitions.has(part.key)) committedEnd.set(part.key, part.end);
    const first = parts.find((p) => p.records.length > 0);
    if (!firstCommitted && first !== undefined) {
      firstCommitted = true;
      logger.info({ ...scopeOfPart(first), afterMs: Date.now() - startedAt }, FirstCommitMessage);
    }
  }

  /** A partition's task: its number when the inputs are co-partitioned, else the partition itself. */
  const taskOf = (p: TopicPartition): string => (coPartitioned ? String(p.partition) : partitionKey(p));

  /**
   * One transaction's worth of the backlog. Each task's partitions are handled one after the other, each in offset
   * order, and tasks side by side (`partitionsConsumedConcurrently` at once); a partition gives at most its next
   * chunk's size, and no new record is taken once the commit interval has passed (each partition handles at least
   * one). Then one transaction produces every output and commits every partition's offset. A task whose record's
   * transient failure outlived its retries is left out of it; when the transaction does not commit, every task is.
   * A task left out has each of its partitions sent back to its first record of the round: read again after a
   * pause, nothing after it handled before. When the timer is due, every task this instance holds runs it after
   * its records of the round.
   */
  async function round(): Promise<void> {
    const shares = new Map<string, { partition: TopicPartition; key: string; records: ConsumedRecord[] }[]>();
    for (const [key, b] of backlog) {
      if (!assignedPartitions.has(key)) {
        backlog.delete(key);
        continue;
      }
      const task = taskOf(b.partition);
      const list = shares.get(task) ?? [];
      list.push({ partition: b.partition, key, records: b.records });
      shares.set(task, list);
    }
    /** Per task whose timer runs in this round, the scope it is called with. */
    const timers = new Map<string, TransactionScope>();
    if (punctuator !== undefined && Date.now() - punctuatedAt >= punctuator.everyMs) {
      punctuatedAt = Date.now();
      for (const p of assignedPartitions.values()) {
        const task = taskOf(p);
        if (!timers.has(task)) timers.set(task, { topic: p.topic, partition: p.partition });
        if (!shares.has(task)) shares.set(task, []);
      }
    }
    if (shares.size === 0) return;
    // The round's transaction commits past whatever was deferred for its partitions (it lies before these records).
    await Promise.all([...backlog.keys()].map((key) => idle.take(key)));
    const started = Date.now();
    interface Touched {
      readonly partition: TopicPartition;
      readonly key: string;
      readonly first: ConsumedRecord;
    }
    /**
     * Per task: its parts and outputs, every partition whose records it began to handle, the scope its timer ran
     * with, and its failure with the record that failed (none when the timer failed).
     */
    const results: {
      parts: Part[];
      outputs: Encoded[];
      touched: Touched[];
      timer?: TransactionScope;
      failed?: unknown;
      failedAt?: Touched;
    }[] = [];
    await eachLimited([...shares], concurrency, async ([task, taskShares]) => {
      const result: (typeof results)[number] = { parts: [], outputs: [], touched: [] };
      results.push(result);
      for (const share of taskShares) {
        const limit = Math.min(share.records.length, nextChunk.get(share.key) ?? chunkSize);
        let handled = 0;
        while (handled < limit && result.failed === undefined && running && assignedPartitions.has(share.key)) {
          if (handled > 0 && Date.now() - started >= commitIntervalMs) break;
          const record = share.records[handled];
          if (record === undefined) break;
          if (handled === 0) result.touched.push({ partition: share.partition, key: share.key, first: record });
          metrics.recordsIn.inc({ topic: record.topic });
          try {
            result.outputs.push(...(await handle(record)));
          } catch (error) {
            result.failed = error;
            result.failedAt = { partition: share.partition, key: share.key, first: record };
            break;
          }
          handled++;
        }
        const last = share.records[handled - 1];
        if (handled > 0 && last !== undefined) {
          result.parts.push({ ...share, records: share.records.slice(0, handled), end: BigInt(last.offset) + 1n });
        }
      }
      const timer = timers.get(task);
      if (punctuator !== undefined && timer !== undefined && result.failed === undefined && running) {
        result.timer = timer;
        try {
          const outputs = await punctuator.run(timer);
          for (const o of outputs) result.outputs.push({ topic: o.topic, message: await encode(o) });
        } catch (error) {
          result.failed = error;
          metrics.failures.inc({ kind: 'timer' });
          logger.warn({ err: error, task }, 'the timer of a task failed: the task is left out of this transaction');
        }
      }
    });
    // A task whose record's transient failure outlived its retries is left out of the transaction (what it staged
    // is dropped, its partitions are read again); the other tasks commit. A sink's task commits what it handled
    // before the record that failed, and is read again from that record.
    const sink = options.sideEffectSink ?? false;
    const failedTasks = results.filter((r) => r.failed !== undefined);
    const committing = sink ? results : results.filter((r) => r.failed === undefined);
    if (!sink) {
      for (const r of failedTasks) {
        for (const t of r.touched)
          options.hooks?.aborted?.({ topic: t.partition.topic, partition: t.partition.partition });
        if (r.timer !== undefined) options.hooks?.aborted?.(r.timer);
      }
    }
    let again = sink
      ? failedTasks.flatMap((r) => (r.failedAt === undefined ? [] : [r.failedAt]))
      : failedTasks.flatMap((r) => r.touched);
    let cause = failedTasks[0]?.failed;
    const parts = committing.flatMap((r) => r.parts);
    const outputs = committing.flatMap((r) => r.outputs);
    const timerScopes = committing.flatMap((r) => (r.timer === undefined ? [] : [r.timer]));
    try {
      if (parts.length > 0 || outputs.length > 0) await commitParts(parts, outputs, timerScopes);
      // Timers that produced nothing: there is no transaction to wait for.
      else for (const scope of timerScopes) options.hooks?.committed?.(scope);
    } catch (error) {
      // Reading the records again could handle twice what did commit: the runner stops (see commitParts).
      if (error instanceof CommitOutcomeUnknown) throw error;
      again = results.flatMap((r) => r.touched);
      cause = error;
    }
    if (again.length > 0) {
      logger.warn(
        { err: cause, partitions: again.map((t) => `${t.key}@${t.first.offset}`) },
        `records were not committed (${describeError(cause).message}); reading their partitions again from them`,
      );
      for (const t of again) {
        backlog.delete(t.key);
        if (!assignedPartitions.has(t.key)) continue;
        nextChunk.set(t.key, firstChunk);
        await consumer.seek(t.partition, BigInt(t.first.offset)).catch((e: unknown) => {
          // Without the seek, what follows would be processed past the round: stop for the supervisor to restart.
          failure = e as Error;
          throw e;
        });
      }
    }
    const retried = new Set(again.map((t) => t.key));
    for (const part of parts) {
      if (retried.has(part.key)) continue;
      const b = backlog.get(part.key);
      b?.records.splice(0, part.records.length);
      if (b !== undefined && b.records.length === 0) backlog.delete(part.key);
      const size = nextChunk.get(part.key);
      if (size !== undefined && size < chunkSize) nextChunk.set(part.key, Math.min(chunkSize, size * 2));
    }
    if (again.length > 0) await sleep(1_000);
  }

  /** Runs `work` for each item, at most `limit` at once. */
  async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await work(item);
      }
    });
    await Promise.all(lanes);
  }

  /** Defers a commit past the markers at the end of each quiet partition that has moved past its committed offset. */
  function deferIdleCommits(busy: ReadonlySet<string>): void {
    for (const [key, partition] of assignedPartitions) {
      if (busy.has(key)) continue;
      const position = consumer.position(partition);
      const committed = committedEnd.get(key);
      if (position === undefined || committed === undefined || position <= committed) continue;
      if ((options.idleCommitMs ?? 1_000) > 0) idle.defer(key, position);
      else
        void idle
          .take(key)
          .then(() => commitParts([{ partition, key, records: [], end: position }], []))
          .catch(() => undefined);
    }
  }

  let roundStartedAt = 0;
  async function loop(): Promise<void> {
    const maxPoll = Math.min(5_000, Math.max(chunkSize, 100) * concurrency);
    while (running) {
      // What was fetched is handled before the next poll: a round takes at most a chunk per partition.
      if (backlog.size === 0) {
        let records: ConsumedRecord[];
        try {
          records = await consumer.poll(maxPoll);
        } catch (error) {
          if (!running) return;
          // A consumer that failed for good stops the runner: a service process exits to be started again.
          if (isFatal(error)) throw error;
          logger.warn({ err: error }, 'polling failed; trying again');
          await sleep(1_000);
          continue;
        }
        for (const record of records) {
          const key = partitionKey(record);
          const known = backlog.get(key);
          if (known === undefined) {
            backlog.set(key, { partition: { topic: record.topic, partition: record.partition }, records: [record] });
          } else known.records.push(record);
        }
      }
      const pace = roundStartedAt + (options.minRoundIntervalMs ?? 0) - Date.now();
      if (pace > 0) await sleep(pace);
      roundStartedAt = Date.now();
      const busy = new Set(backlog.keys());
      const work = round();
      inflight = work.catch(() => undefined);
      await work;
      for (const [key, partition] of assignedPartitions) {
        const end = consumer.end(partition);
        const position = consumer.position(partition) ?? committedEnd.get(key);
        if (end !== undefined && position !== undefined) {
          // The consumer's position is past what waits in the backlog: that is lag too.
          const waiting = backlog.get(key)?.records.length ?? 0;
          metrics.lag.set(
            { topic: partition.topic, partition: String(partition.partition) },
            Number(end - position) + waiting,
          );
        }
      }
      deferIdleCommits(busy);
    }
  }

  await transactions.start();
  await consumer.connect();
  running = true;
  const looping = loop().catch((error: unknown) => {
    failure = error as Error;
    logger.fatal({ err: error }, 'the runner stopped');
    if (running) consumerStopped(service, error as Error);
  });

  let http: { server: Server; port: number } | undefined;
  if (options.httpPort !== undefined) {
    http = await startHttp(options.httpPort, metrics.registry, () => ({
      healthy: running && failure === undefined,
      detail: { service, groupId, ...options.health?.(), ...(failure ? { error: failure.message } : {}) },
    }));
    logger.info({ port: http.port }, 'serving /metrics and /health');
  }

  let closing: Promise<void> | undefined;
  return {
    metrics,
    httpPort: http?.port,
    joined,
    fetching: joined,
    close() {
      closing ??= (async () => {
        running = false;
        await looping;
        await idle.close();
        await consumer.disconnect();
        if (options.transactions === undefined) await transactions.close();
        await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
      })();
      return closing;
    },
  };
}
