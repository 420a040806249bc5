import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { avroSchema } from '../../../contracts/avro/schemas';
import { valueSubject, type AvroSerde } from '../avro-serde';
import {
  FetchWaitMs,
  partitionKey,
  type ConsumedRecord,
  type GroupConsumer,
  type Kafka,
  type TopicPartition,
  type TransactionalProducer,
} from '../kafka';
import { NcnError } from '../errors';
import type { Logger } from '../logger';
import { deadLetter, describeError } from './dead-letter';
import { IdleCommits } from './idle-commit';
import { startHttp } from './http';
import { consumerStopped } from './stopped';
import { createRunnerMetrics, type RunnerMetrics } from './metrics';
import { defaultRetryPolicy, withRetry, type RetryPolicy } from './retry';
import type { Handler, InputRecord, OutputRecord, TransactionHooks } from './types';

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
  /** Most records in one transaction [500]. */
  readonly maxRecordsPerTransaction?: number;
  /**
   * Most records in a partition's first transaction after it is assigned [32, at most maxRecordsPerTransaction];
   * each committed chunk doubles the next up to maxRecordsPerTransaction. A member that just started (or got the
   * partition from another) shows progress within a fraction of a second instead of after a full chunk, while the
   * steady state keeps full chunks.
   */
  readonly firstChunkRecords?: number;
  /** Port of /metrics and /health; 0 picks a free one; undefined serves none. */
  readonly httpPort?: number;
  /** Start from the earliest offset when the group has none [true]. */
  readonly fromBeginning?: boolean;
  /** The clock, for dead-letter timestamps [Date.now]. */
  readonly now?: () => Date;
  /** Partitions handled at once, each in its own transactions [1]. */
  readonly partitionsConsumedConcurrently?: number;
  /** Largest fetch per partition in bytes [1 MiB]; raise it for topics with large records. */
  readonly maxBytesPerPartition?: number;
  /**
   * How long a partition must be quiet before the runner commits past the markers and aborted records at its end
   * [1,000 ms] (see idle-commit.ts); 0 commits at once.
   */
  readonly idleCommitMs?: number;
  /**
   * This instance's name among the group's members [the client's NCN_INSTANCE_ID, else none]: with one, the member
   * is static (a restart within the session timeout gets its partitions back at once) and its transactional ids are
   * stable (`<group>.<instance>.<n>`: a restart fences its predecessor and aborts what it left open at once); without
   * one, a crashed predecessor's open transaction holds its partitions until the broker aborts it
   * (TransactionTimeoutMs). Unique per running instance of the group.
   */
  readonly instanceId?: string;
  /** Called whenever the group assigns this instance partitions anew (they may have changed hands meanwhile). */
  readonly onAssigned?: (partitions: readonly TopicPartition[]) => void;
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

/** A pool of transactional producers, one per transaction that may be open at once. */
class ProducerPool {
  readonly #free: number[] = [];
  readonly #waiting: ((slot: number) => void)[] = [];
  readonly #producers: TransactionalProducer[] = [];

  constructor(
    private readonly make: (slot: number) => TransactionalProducer,
    readonly size: number,
  ) {}

  /** Makes and initialises every producer: each fences its id's previous owner and settles what it left open. */
  async start(): Promise<void> {
    await Promise.all(
      Array.from({ length: this.size }, async (_, slot) => {
        this.#producers[slot] = await this.#connected(slot);
        this.#free.push(slot);
      }),
    );
  }

  async #connected(slot: number): Promise<TransactionalProducer> {
    const producer = this.make(slot);
    await producer.connect();
    return producer;
  }

  /** A free producer's slot, waiting for one when all are in a transaction. */
  take(): Promise<number> {
    const slot = this.#free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  give(slot: number): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(slot);
    else this.#free.push(slot);
  }

  producer(slot: number): TransactionalProducer {
    const producer = this.#producers[slot];
    if (producer === undefined) throw new Error(`no producer in slot ${slot}`);
    return producer;
  }

  /** Replaces a slot's producer that the broker fenced or failed for good; the new one takes the same id. */
  async replace(slot: number): Promise<void> {
    const stale = this.#producers[slot];
    await stale?.disconnect().catch(() => undefined);
    this.#producers[slot] = await this.#connected(slot);
  }

  async close(): Promise<void> {
    await Promise.all(this.#producers.map((p) => p.disconnect().catch(() => undefined)));
  }
}

/**
 * The shared runner: consumes in polls, calls the handler for each record, and for each chunk of a partition's
 * records produces the handler's records and commits the input offsets in one Kafka transaction (KIP-447: the
 * offsets carry the consumer's group metadata, so a member that lost its partitions cannot commit them). Chunks of
 * different partitions run side by side, each in a transaction of its own producer (`partitionsConsumedConcurrently`
 * of them). Transient failures are retried with backoff; a record whose handler fails permanently goes to ncn.dlq
 * with its original bytes and the reason in named headers, in the same transaction, and the partition moves on.
 * Retries exhausted on a transient failure abort the transaction and read the partition again from the chunk:
 * nothing is skipped.
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
  const now = options.now ?? (() => new Date());
  const instanceId = options.instanceId ?? kafka.instanceId;
  // Without an instance name, a fresh one per start: ids stay unique among the group's running members.
  const idTag = instanceId ?? randomBytes(4).toString('hex');
  const metrics = createRunnerMetrics(service);
  const schemaIds = new Map<string, Promise<number>>();
  /** Per assigned partition, the offset the group has committed (by this instance, or before it got the partition). */
  const committedEnd = new Map<string, bigint>();
  let running = false;
  let failure: Error | undefined;
  const startedAt = Date.now();
  let firstCommitted = false;
  /** The poll being processed, which a revocation waits for. */
  let inflight: Promise<void> = Promise.resolve();

  const pool = new ProducerPool(
    (slot) => kafka.transactionalProducer({ transactionalId: `${groupId}.${idTag}.${slot}` }),
    concurrency,
  );

  const idle = new IdleCommits(
    options.idleCommitMs ?? 1_000,
    async (key, end) => {
      const partition = assignedPartitions.get(key);
      if (partition === undefined) return;
      await processChunk(partition, [], end);
    },
    (key, error) =>
      logger.warn({ err: error, partition: key }, 'committing past the end of a quiet partition failed; trying again'),
  );

  const assignedPartitions = new Map<string, TopicPartition>();
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
      }
      markJoined();
      options.onAssigned?.(partitions);
    },
    onRevoke: async (partitions) => {
      idle.reset();
      for (const p of partitions) assignedPartitions.delete(partitionKey(p));
      // What is in flight for them finishes (commits or aborts) before another member may read their offsets.
      await inflight;
      await Promise.all(partitions.map((p) => idle.take(partitionKey(p))));
      for (const p of partitions) {
        committedEnd.delete(partitionKey(p));
        nextChunk.delete(partitionKey(p));
      }
    },
  });

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

  async function encode(
    output: OutputRecord,
  ): Promise<{ key: string | Buffer | null; value: Buffer | null; headers?: Record<string, string | Buffer> }> {
    let value: Buffer | null;
    if (output.value === null || Buffer.isBuffer(output.value)) value = output.value;
    else value = await serde.encode(await schemaId(output.topic, output.value.avro), output.value.data);
    return { key: output.key, value, ...(output.headers ? { headers: { ...output.headers } } : {}) };
  }

  /** Handles one record: the handler's outputs encoded, or its dead letter when it fails permanently. */
  async function handle(
    record: InputRecord,
  ): Promise<{ topic: string; message: Awaited<ReturnType<typeof encode>> }[]> {
    const stop = metrics.processing.startTimer();
    try {
      return await withRetry(
        async () => {
          const outputs = await handler(record);
          return Promise.all(outputs.map(async (o) => ({ topic: o.topic, message: await encode(o) })));
        },
        {
          policy,
          isTransient,
          onRetry: (error, attempt, delayMs) => {
            metrics.failures.inc({ kind: 'retried' });
            logger.warn(
              { err: error, attempt, delayMs, topic: record.topic, offset: record.offset },
              'transient failure, retrying',
            );
          },
        },
      );
    } catch (error) {
      if (isTransient(error)) throw error;
      metrics.failures.inc({ kind: 'dead_lettered' });
      const failure = describeError(error);
      logger.warn(
        { code: failure.code, topic: record.topic, partition: record.partition, offset: record.offset },
        `dead-lettered: ${failure.message}`,
      );
      const letter = deadLetter(record, failure, service, now());
      return [{ topic: letter.topic, message: await encode(letter) }];
    } finally {
      stop();
    }
  }

  /**
   * The group's committed offset of a partition, read stable (a pending transaction's offsets are waited for). Asked
   * again while the cluster does not answer, for at most a minute.
   */
  async function committedOffset(partition: TopicPartition): Promise<bigint> {
    const deadline = Date.now() + 60_000;
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

  /**
   * Handles a chunk of a partition's records and, in one transaction, produces its outputs and commits `end` (the
   * offset after the chunk). A chunk may hold no record at all: the transaction then only commits past aborted
   * records and markers. Throws when the transaction did not commit (its hooks were told: aborted).
   */
  async function processChunk(
    partition: TopicPartition,
    records: readonly ConsumedRecord[],
    end: bigint,
  ): Promise<void> {
    const { topic } = partition;
    const key = partitionKey(partition);
    const scope = { topic, partition: partition.partition };
    const outputs: { topic: string; message: Awaited<ReturnType<typeof encode>> }[] = [];
    try {
      for (const record of records) {
        metrics.recordsIn.inc({ topic });
        outputs.push(...(await handle(record)));
      }
      const prepare = options.hooks?.prepare;
      if (prepare !== undefined && records.length > 0) {
        await withRetry(() => prepare(scope), {
          policy,
          isTransient: () => true,
          onRetry: (error, attempt, delayMs) => {
            metrics.failures.inc({ kind: 'retried' });
            logger.warn(
              { err: error, attempt, delayMs, topic, partition: scope.partition },
              'preparing a transaction failed, retrying',
            );
          },
        });
      }
    } catch (error) {
      // Retries of a transient failure (of a record's handling, or of preparing) ran out: nothing of this chunk is
      // produced; what it staged is dropped.
      options.hooks?.aborted?.(scope);
      throw error;
    }
    const slot = await pool.take();
    try {
      const producer = pool.producer(slot);
      /** Whether the producer is done for: fenced or fatal, or its transaction could not be aborted. */
      let broken = false;
      try {
        const transaction = await producer.transaction();
        try {
          const byTopic = new Map<string, (typeof outputs)[number]['message'][]>();
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
          await transaction.sendOffsets({
            consumer,
            topics: [{ topic, partitions: [{ partition: scope.partition, offset: end.toString() }] }],
          });
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
            { err: error, topic, partition: scope.partition },
            `the transactional producer failed (${describeError(error).message}); taking a new one`,
          );
          await pool
            .replace(slot)
            .catch((e: unknown) => logger.warn({ err: e }, 'a new transactional producer could not start yet'));
        }
        // The outcome is not certain: a commit can fail on the wire after the broker applied it. The committed offset,
        // read stable, says: past this chunk, it did commit and the service's staged state is final; otherwise it
        // aborted. When even that cannot be known (the broker is away), the chunk is taken for aborted and read
        // again; what did commit of it is then skipped by the offsets the group reads.
        const applied = await committedOffset(partition).then(
          (committed) => committed >= end,
          () => false,
        );
        if (!applied) {
          metrics.transactions.inc({ outcome: 'aborted' });
          options.hooks?.aborted?.(scope);
          throw error;
        }
        logger.warn(
          { err: error, topic, partition: scope.partition },
          'a commit answered with an error had been applied: going on',
        );
      }
    } finally {
      pool.give(slot);
    }
    metrics.transactions.inc({ outcome: 'committed' });
    for (const o of outputs) metrics.recordsOut.inc({ topic: o.topic });
    options.hooks?.committed?.(scope);
    if (assignedPartitions.has(key)) committedEnd.set(key, end);
    if (!firstCommitted && records.length > 0) {
      firstCommitted = true;
      logger.info({ topic, partition: scope.partition, afterMs: Date.now() - startedAt }, FirstCommitMessage);
    }
  }

  /**
   * Processes a partition's records of one poll, chunk by chunk. A chunk that did not commit sends the partition back
   * to its first record: it is read again after a pause, and nothing after it is processed before.
   */
  async function processPartition(partition: TopicPartition, records: readonly ConsumedRecord[]): Promise<void> {
    const key = partitionKey(partition);
    // This partition's transactions commit past whatever was deferred (it lies before these records).
    await idle.take(key);
    for (let i = 0; i < records.length; ) {
      if (!running || !assignedPartitions.has(key)) return;
      const size = nextChunk.get(key) ?? chunkSize;
      const chunk = records.slice(i, i + size);
      i += chunk.length;
      const first = chunk[0];
      const last = chunk[chunk.length - 1];
      if (first === undefined || last === undefined) break;
      try {
        await processChunk(partition, chunk, BigInt(last.offset) + 1n);
        if (size < chunkSize && assignedPartitions.has(key)) nextChunk.set(key, Math.min(chunkSize, size * 2));
      } catch (error) {
        logger.warn(
          { err: error, topic: partition.topic, partition: partition.partition, offset: first.offset },
          `a chunk did not commit (${describeError(error).message}); reading the partition again from it`,
        );
        if (assignedPartitions.has(key)) {
          nextChunk.set(key, firstChunk);
          await consumer.seek(partition, BigInt(first.offset)).catch((e: unknown) => {
            // Without the seek, what follows would be processed past the chunk: stop for the supervisor to restart.
            failure = e as Error;
            throw e;
          });
        }
        await sleep(1_000);
        return;
      }
    }
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
          .then(() => processChunk(partition, [], position))
          .catch(() => undefined);
    }
  }

  async function loop(): Promise<void> {
    const maxPoll = Math.min(5_000, Math.max(chunkSize, 100) * concurrency);
    while (running) {
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
      const byPartition = new Map<string, { partition: TopicPartition; records: ConsumedRecord[] }>();
      for (const record of records) {
        const key = partitionKey(record);
        let group = byPartition.get(key);
        if (group === undefined) {
          group = { partition: { topic: record.topic, partition: record.partition }, records: [] };
          byPartition.set(key, group);
        }
        group.records.push(record);
      }
      const work = eachLimited([...byPartition.values()], concurrency, (g) => processPartition(g.partition, g.records));
      inflight = work.catch(() => undefined);
      await work;
      for (const [key, partition] of assignedPartitions) {
        const end = consumer.end(partition);
        const position = consumer.position(partition) ?? committedEnd.get(key);
        if (end !== undefined && position !== undefined) {
          metrics.lag.set({ topic: partition.topic, partition: String(partition.partition) }, Number(end - position));
        }
      }
      deferIdleCommits(new Set(byPartition.keys()));
    }
  }

  await pool.start();
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
      detail: { service, groupId, ...(failure ? { error: failure.message } : {}) },
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
        await pool.close();
        await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
      })();
      return closing;
    },
  };
}
