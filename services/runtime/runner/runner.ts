import type { Server } from 'node:http';
import { avroSchema } from '../../../contracts/avro/schemas';
import { valueSubject, type AvroSerde } from '../avro-serde';
import {
  FetchWaitMs,
  fetchStableOffsets,
  isFencedProducerError,
  sharedAdmin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type TransactionalProducer,
} from '../kafka';
import { ErrorCode, NcnError } from '../errors';
import type { Logger } from '../logger';
import { CoPartitionedAssigner } from './assigner';
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
}

/** A running service. `close()` is idempotent: it finishes the batch in flight, commits, leaves the group. */
export interface Runner {
  readonly metrics: RunnerMetrics;
  /** The port of /metrics and /health, when served. */
  readonly httpPort: number | undefined;
  /** Resolves when the consumer first joins its group and gets its partitions. */
  readonly joined: Promise<void>;
  /** Resolves after the first fetch: from then on, where the group starts reading is settled. */
  readonly fetching: Promise<void>;
  close(): Promise<void>;
}

const isTransient = (error: unknown): boolean => error instanceof NcnError && error.retriable;

/** A partition's key (topic:partition) back as its parts; topic names hold no colon. */
function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function toInput(topic: string, partition: number, message: KafkaMessage): InputRecord {
  const headers: Record<string, Buffer | undefined> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    headers[name] = Array.isArray(value)
      ? Buffer.from(String(value[0] ?? ''))
      : value === undefined
        ? undefined
        : Buffer.from(value);
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
    timestamp: message.timestamp,
  };
}

/**
 * The shared runner: consumes in batches, calls the handler for each record, and for each chunk of a batch
 * produces the handler's records and commits the input offsets in one Kafka transaction (one transactional id
 * per input partition, as fencing requires). Transient failures are retried with backoff; a record whose
 * handler fails permanently goes to ncn.dlq with its original bytes and the reason in named headers, in the
 * same transaction, and the partition moves on. Retries exhausted on a transient failure abort the
 * transaction and let kafkajs restart the consumer from the committed offset: nothing is skipped.
 */
export async function startRunner(options: RunnerOptions): Promise<Runner> {
  const { service, kafka, serde, logger, handler } = options;
  const groupId = options.groupId ?? service;
  const policy = options.retry ?? defaultRetryPolicy;
  const chunkSize = options.maxRecordsPerTransaction ?? 500;
  const now = options.now ?? (() => new Date());
  const metrics = createRunnerMetrics(service);
  const producers = new Map<string, Promise<TransactionalProducer>>();
  const schemaIds = new Map<string, Promise<number>>();
  /** Per input partition, the offset from which records are this instance's to process (see settledOffset). */
  const settled = new Map<string, bigint>();
  let running = false;
  let crashed: Error | undefined;
  const idle = new IdleCommits(
    options.idleCommitMs ?? 1_000,
    async (key, end) => {
      const [topic, partition] = splitKey(key);
      await processChunk(topic, partition, [], end);
    },
    (key, error) =>
      logger.warn({ err: error, partition: key }, 'committing past the end of a quiet partition failed; trying again'),
  );

  const consumer: Consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: FetchWaitMs,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    maxBytes: Math.max(options.maxBytesPerPartition ?? 0, 10 * 1024 * 1024) * 2,
    partitionAssigners: [CoPartitionedAssigner],
  });
  consumer.on(consumer.events.CRASH, (event) => {
    crashed = event.payload.error;
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    if (!event.payload.restart && running) {
      logger.fatal({ err: event.payload.error }, 'kafkajs will not restart the consumer: it has stopped for good');
      consumerStopped(service, event.payload.error);
    }
  });
  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));
  let markFetching: () => void = () => undefined;
  const fetching = new Promise<void>((resolve) => (markFetching = resolve));
  consumer.on(consumer.events.FETCH, () => markFetching());
  consumer.on(consumer.events.REBALANCING, () => idle.reset());
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    crashed = undefined;
    idle.reset();
    // A new assignment: committed offsets are read again after the producers fence earlier owners.
    settled.clear();
    markJoined();
    logger.info({ assignment: event.payload.memberAssignment }, 'joined the group');
  });

  /** The transactional producer of one input partition: its id is stable, so a restarted instance fences the old one. */
  function producerFor(topic: string, partition: number): Promise<TransactionalProducer> {
    const transactionalId = `${groupId}.${topic}.${partition}`;
    let producer = producers.get(transactionalId);
    if (producer === undefined) {
      const created = kafka.transactionalProducer({
        transactionalId,
        maxInFlightRequests: 1,
      });
      producer = created.connect().then(() => created);
      producer.catch(() => producers.delete(transactionalId));
      producers.set(transactionalId, producer);
    }
    return producer;
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
   * Reads the group's committed offsets; kept, since one per partition settled cost a connection and a SCRAM login
   * each (PBKDF2 on both ends), dozens at every rebalance.
   */
  const offsetReader = sharedAdmin(kafka);

  /**
   * Where the group's committed offset of a partition stands, read right after this instance's transactional
   * producer for the partition was initialised. Initialising it fenced any previous owner and settled its last
   * transaction, so records below this offset were already processed and committed by someone else (a zombie
   * or the previous owner before a rebalance): they are skipped, never processed twice. The offset is read stable
   * (fetchStableOffsets): a settled transaction's offsets can take a moment to be applied by the group
   * coordinator, and read before that, the previous owner's last records were processed a second time.
   */
  async function settledOffset(topic: string, partition: number): Promise<bigint> {
    const key = `${topic}:${partition}`;
    const known = settled.get(key);
    if (known !== undefined) return known;
    // kafkajs initialises a transactional producer (InitProducerId: fencing the previous owner and settling its
    // open transaction) at its first transaction, not at connect: begin and abort an empty one to do it now.
    const producer = await producerFor(topic, partition);
    const fence = await producer.transaction();
    await fence.abort();
    const offsets = await fetchStableOffsets(await offsetReader.get(), groupId, topic);
    const committed = offsets.find((p) => p.partition === partition)?.offset ?? '-1';
    const value = BigInt(committed === '' ? '-1' : committed);
    settled.set(key, value);
    logger.debug(
      { topic, partition, committed: value.toString() },
      'partition settled: processing from its committed offset',
    );
    return value;
  }

  /** Forgets a partition's producer and settled offset: its next chunk fences again and reads the offset anew. */
  function forget(topic: string, partition: number): void {
    settled.delete(`${topic}:${partition}`);
    const transactionalId = `${groupId}.${topic}.${partition}`;
    const stale = producers.get(transactionalId);
    producers.delete(transactionalId);
    void stale?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /**
   * What a chunk's failure tells kafkajs. A fenced producer (a rebalance gave the partition to another instance,
   * or the broker expired the transaction) is permanent for that producer only, yet kafkajs took it for permanent
   * and stopped the consumer for good, which ended the process. The partition's producer is forgotten and the
   * failure handed on as retriable: kafkajs fetches the chunk again and, while the partition is still this
   * instance's, a new producer fences whoever took the id and the chunk is processed from the committed offset.
   */
  function restartable(error: unknown, topic: string, partition: number): unknown {
    if (!isFencedProducerError(error)) return error;
    forget(topic, partition);
    const message = `the producer of ${topic}[${partition}] was fenced: ${describeError(error).message}; taking a new one`;
    logger.warn({ topic, partition }, message);
    return new NcnError(ErrorCode.Unavailable, message, { retriable: true });
  }

  /**
   * Handles a chunk of a partition's batch and, in one transaction, produces its outputs and commits `end` (the
   * offset after the chunk; for a batch's last chunk, after the records kafkajs filtered out at its end too).
   * A chunk may hold no record at all: the transaction then only commits past aborted records and markers.
   */
  async function processChunk(
    topic: string,
    partition: number,
    all: readonly KafkaMessage[],
    end: bigint,
  ): Promise<void> {
    const from = await settledOffset(topic, partition);
    if (end <= from) return;
    const messages = all.filter((m) => BigInt(m.offset) >= from);
    const outputs: { topic: string; message: Awaited<ReturnType<typeof encode>> }[] = [];
    try {
      for (const message of messages) {
        metrics.recordsIn.inc({ topic });
        outputs.push(...(await handle(toInput(topic, partition, message))));
      }
      const prepare = options.hooks?.prepare;
      if (prepare !== undefined && messages.length > 0) {
        await withRetry(() => prepare({ topic, partition }), {
          policy,
          isTransient: () => true,
          onRetry: (error, attempt, delayMs) => {
            metrics.failures.inc({ kind: 'retried' });
            logger.warn({ err: error, attempt, delayMs, topic, partition }, 'preparing a transaction failed, retrying');
          },
        });
      }
    } catch (error) {
      // Retries of a transient failure (of a record's handling, or of preparing) ran out: nothing of this chunk is
      // produced; what it staged is dropped.
      options.hooks?.aborted?.({ topic, partition });
      throw error;
    }
    const producer = await producerFor(topic, partition);
    const transaction = await producer.transaction();
    try {
      const byTopic = new Map<string, (typeof outputs)[number]['message'][]>();
      for (const o of outputs) {
        const list = byTopic.get(o.topic);
        if (list === undefined) byTopic.set(o.topic, [o.message]);
        else list.push(o.message);
      }
      if (byTopic.size > 0) {
        await transaction.sendBatch({ topicMessages: [...byTopic].map(([t, messages]) => ({ topic: t, messages })) });
      }
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic, partitions: [{ partition, offset: end.toString() }] }],
      });
      await transaction.commit();
    } catch (error) {
      metrics.failures.inc({ kind: 'transaction' });
      await transaction.abort().catch(() => undefined);
      // The outcome is not certain: a commit can fail on the wire after the broker applied it. Forget this
      // partition's producer and settled offset, fence again (which completes whatever the broker holds of this
      // transaction) and read the committed offset anew: past this chunk, it did commit, and the service's staged
      // state is final; otherwise it aborted. When even that cannot be known (the broker is away), the chunk is
      // taken for aborted and the next attempt skips whatever did commit; the services then catch their tables up.
      forget(topic, partition);
      const applied = await settledOffset(topic, partition).then(
        (committed) => committed >= end,
        () => false,
      );
      if (!applied) {
        metrics.transactions.inc({ outcome: 'aborted' });
        options.hooks?.aborted?.({ topic, partition });
        throw error;
      }
      logger.warn({ err: error, topic, partition }, 'a commit answered with an error had been applied: going on');
    }
    metrics.transactions.inc({ outcome: 'committed' });
    for (const o of outputs) metrics.recordsOut.inc({ topic: o.topic });
    options.hooks?.committed?.({ topic, partition });
    settled.set(`${topic}:${partition}`, end);
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    // The batch's last offset counts the records kafkajs filtered out (aborted transactions, commit markers); the
    // last chunk commits past them, so a caught-up group has no lag. kafkajs is patched to hand over a batch that
    // held nothing else (see patches/): committing past it, in an offsets-only transaction, is all there is to do.
    const key = `${batch.topic}:${batch.partition}`;
    if (batch.messages.length === 0) {
      if (!isRunning() || isStale()) return;
      // Nothing at or after the fetched offset (compacted away): move on as kafkajs itself does, committing nothing.
      if (batch.firstOffset() !== null) {
        const end = BigInt(batch.lastOffset()) + 1n;
        if ((options.idleCommitMs ?? 1_000) > 0) idle.defer(key, end);
        else
          await processChunk(batch.topic, batch.partition, [], end).catch((error: unknown) => {
            throw restartable(error, batch.topic, batch.partition);
          });
      }
      resolveOffset(batch.lastOffset());
      await heartbeat();
      return;
    }
    // This batch's last transaction commits past whatever was deferred (it lies before the batch).
    await idle.take(key);
    for (let i = 0; i < batch.messages.length; i += chunkSize) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(i, i + chunkSize);
      const last = chunk[chunk.length - 1];
      if (last === undefined) continue;
      const isLast = i + chunkSize >= batch.messages.length;
      const end = BigInt(isLast ? batch.lastOffset() : last.offset) + 1n;
      await processChunk(batch.topic, batch.partition, chunk, end).catch((error: unknown) => {
        throw restartable(error, batch.topic, batch.partition);
      });
      resolveOffset(last.offset);
      await heartbeat();
    }
  }

  await consumer.connect();
  for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch,
  });
  running = true;

  let http: { server: Server; port: number } | undefined;
  if (options.httpPort !== undefined) {
    http = await startHttp(options.httpPort, metrics.registry, () => ({
      healthy: running && crashed === undefined,
      detail: { service, groupId, ...(crashed ? { error: crashed.message } : {}) },
    }));
    logger.info({ port: http.port }, 'serving /metrics and /health');
  }

  let closing: Promise<void> | undefined;
  return {
    metrics,
    httpPort: http?.port,
    joined,
    fetching,
    close() {
      closing ??= (async () => {
        running = false;
        await idle.close();
        await consumer.stop();
        await consumer.disconnect();
        for (const producer of producers.values()) await (await producer.catch(() => undefined))?.disconnect();
        await offsetReader.close();
        await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
      })();
      return closing;
    },
  };
}
