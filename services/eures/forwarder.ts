import type { Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { avroSchema } from '../../contracts/avro/schemas';
import { NodeConsumerGroupInputs } from '../../contracts/groups';
import { Topic } from '../../contracts/topics';
import { valueSubject, type AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import { partitionKey, type ConsumedRecord, type Kafka, type Producer, type TopicPartition } from '../runtime/kafka';
import type { Logger } from '../runtime/logger';
import { deadLetter, describeError } from '../runtime/runner/dead-letter';
import { FirstCommitMessage } from '../runtime/runner/runner';
import { consumerStopped } from '../runtime/runner/stopped';
import { startHttp } from '../runtime/runner/http';
import { backoffDelay } from '../runtime/runner/retry';
import { CircuitBreaker } from './breaker';
import { EuresHeader } from './stub';

/** A document for EURES as the dispatcher wrote it (contracts/avro/eures-delivery.avsc). */
export interface EuresDelivery {
  readonly action: 'UPSERT' | 'WITHDRAW' | 'CLOSE' | 'EXPIRE';
  readonly kind: 'CANDIDATURA' | 'VACANCY';
  readonly root: string;
  readonly version: number;
  readonly idempotencyKey: string;
  readonly contentType: string;
  readonly document: string | null;
  readonly createdAt: number;
}

/** How one delivery ended. */
export type Outcome = 'delivered' | 'duplicate' | 'refused';

export interface ForwarderOptions {
  readonly config: Config;
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Consumer group [eures-forwarder]. */
  readonly groupId?: string;
  /** Where a group without offsets starts [from the beginning]. */
  readonly fromBeginning?: boolean;
}

export interface Forwarder {
  readonly counts: Record<Outcome | 'failedAttempts', number>;
  readonly breaker: CircuitBreaker;
  readonly httpPort: number | undefined;
  /** Resolves after the first fetch. */
  readonly fetching: Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `ms` in steps of at most a second, calling `check` (which throws to stop waiting) before each. */
async function waitChecking(ms: number, check: () => void): Promise<void> {
  for (let left = ms; left > 0; left -= 1_000) {
    check();
    await sleep(Math.min(left, 1_000));
  }
}

/** Thrown when the service is stopping while a delivery waits: the offset stays uncommitted, nothing is lost. */
class Stopping extends Error {}

/**
 * The EURES forwarder: consumes eures.out and POSTs each document to the EURES endpoint with its idempotency
 * key, one partition's records strictly in order (so each item's in order). A failure (network, timeout, 5xx,
 * 408, 429) is retried with exponential backoff and full jitter for as long as it takes; repeated failures open
 * a circuit breaker that stops all requests for a cooldown, then lets one probe through. Offsets are committed
 * only after EURES has answered, so a backlog waits in Kafka during an outage and drains in order afterwards;
 * after a crash a few documents may be sent again, which EURES applies once by key. A refusal (another 4xx)
 * goes to ncn.dlq with the original bytes. Every outcome is counted and written to ncn.audit.
 */
export async function startEuresForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const { config, kafka, serde, logger } = options;
  const groupId = options.groupId ?? 'eures-forwarder';
  const startedAt = Date.now();
  let firstCommitted = false;
  const breaker = new CircuitBreaker({
    failures: config.eures.breakerFailures,
    cooldownMs: config.eures.breakerCooldownMs,
    maxCooldownMs: 60_000,
  });
  const counts = { delivered: 0, duplicate: 0, refused: 0, failedAttempts: 0 };
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'eures-forwarder' });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'ncn_eures_requests_total',
    help: 'Requests to EURES by outcome (delivered, duplicate, refused, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const breakerOpen = new Gauge({
    name: 'ncn_eures_breaker_open',
    help: '1 while the circuit breaker to EURES is open or half-open',
    registers: [registry],
  });
  const backlog = new Gauge({
    name: 'ncn_eures_backlog',
    help: 'Documents waiting in eures.out, per partition, at the last fetch',
    labelNames: ['partition'],
    registers: [registry],
  });

  const producer: Producer = kafka.producer({ idempotent: true });
  await producer.connect();
  // Asked when first needed and again after a failure: a registry down at start must not crash the process (an
  // unawaited rejected promise would) nor stay failed once it is back.
  let auditSchemaId: Promise<number> | undefined;
  const auditSchema = (): Promise<number> => {
    if (auditSchemaId === undefined) {
      const asked = serde.register(valueSubject(Topic.audit), avroSchema('it.ncn.AuditEvent'));
      asked.catch(() => {
        if (auditSchemaId === asked) auditSchemaId = undefined;
      });
      auditSchemaId = asked;
    }
    return auditSchemaId;
  };
  let running = true;

  /** One POST; resolves with the outcome, or throws a transient NcnError. */
  async function post(d: EuresDelivery): Promise<Outcome> {
    let response: Response;
    try {
      response = await fetch(config.eures.url, {
        method: 'POST',
        headers: {
          'content-type': d.contentType || 'application/xml',
          [EuresHeader.idempotencyKey]: d.idempotencyKey,
          [EuresHeader.action]: d.action,
          [EuresHeader.kind]: d.kind,
          [EuresHeader.root]: d.root,
          [EuresHeader.version]: String(d.version),
        },
        body: d.document ?? '',
        signal: AbortSignal.timeout(config.eures.timeoutMs),
      });
    } catch (error) {
      throw new NcnError(ErrorCode.Unavailable, `EURES did not answer: ${describeError(error).message}`, {
        retriable: true,
        cause: error,
      });
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return text.includes('"duplicate"') ? 'duplicate' : 'delivered';
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw new NcnError(ErrorCode.Unavailable, `EURES answered ${response.status}`, { retriable: true });
    }
    throw new NcnError(
      ErrorCode.Refused,
      `EURES refused ${d.idempotencyKey} (${response.status}): ${text.slice(0, 500)}`,
    );
  }

  /** Delivers one document, waiting out failures and the breaker for as long as it takes. */
  async function deliver(d: EuresDelivery, check: () => void): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      for (let wait = breaker.waitMs(Date.now()); wait > 0; wait = breaker.waitMs(Date.now())) {
        breakerOpen.set(1);
        await waitChecking(Math.min(wait, 1_000), check);
      }
      check();
      try {
        const outcome = await post(d);
        breaker.success();
        breakerOpen.set(0);
        return outcome;
      } catch (error) {
        if (!(error instanceof NcnError) || !error.retriable) {
          breaker.success();
          return 'refused';
        }
        breaker.failure(Date.now());
        counts.failedAttempts++;
        requests.inc({ outcome: 'failed' });
        if (attempt === 1 || attempt % 20 === 0) {
          logger.warn({ key: d.idempotencyKey, attempt, breaker: breaker.state }, error.message);
        }
        await waitChecking(
          backoffDelay(attempt + 1, { attempts: Infinity, initialDelayMs: 200, maxDelayMs: 10_000 }, Math.random()),
          check,
        );
      }
    }
  }

  /**
   * Decodes a document, waiting out a schema registry that does not answer (a retriable NCN_UNAVAILABLE) for as
   * long as it takes: a document the forwarder cannot read yet is not a bad one. Throws the permanent decode error
   * of a record that is not a document.
   */
  async function decode(message: ConsumedRecord, check: () => void): Promise<EuresDelivery> {
    if (message.value === null) throw new NcnError(ErrorCode.Decode, 'an empty record on eures.out');
    for (let attempt = 1; ; attempt++) {
      check();
      try {
        return await serde.decode<EuresDelivery>(message.value);
      } catch (error) {
        if (!(error instanceof NcnError) || !error.retriable) throw error;
        if (attempt === 1 || attempt % 20 === 0) {
          logger.warn({ offset: message.offset, attempt }, `cannot read a document yet: ${error.message}`);
        }
        await waitChecking(
          backoffDelay(attempt + 1, { attempts: Infinity, initialDelayMs: 200, maxDelayMs: 10_000 }, Math.random()),
          check,
        );
      }
    }
  }

  const audit = (
    d: EuresDelivery,
    outcome: Outcome,
  ): { key: string; value: Buffer } | Promise<{ key: string; value: Buffer }> =>
    auditSchema().then(async (id) => ({
      key: d.root,
      value: await serde.encode(id, {
        at: Date.now(),
        service: 'eures-forwarder',
        event: `EURES_${outcome.toUpperCase()}`,
        kind: d.kind,
        root: d.root,
        version: d.version,
        fromNode: null,
        toNode: 'EURES',
        rule: `${d.action} ${d.idempotencyKey}`,
        subjectHash: null,
      }),
    }));

  /** A partition of eures.out this instance holds: its records waiting in order, and how far it is committed. */
  interface Lane {
    readonly partition: TopicPartition;
    readonly queue: ConsumedRecord[];
    /** The offset committed (read next after a restart). */
    committed: bigint;
    worker: Promise<void> | undefined;
    revoked: boolean;
    paused: boolean;
    /** Documents in the lane's next run: FirstRun after an assignment, doubled by each commit up to FullRun. */
    runSize: number;
  }
  const lanes = new Map<string, Lane>();
  /** Records waiting in a lane before its partition is paused, and below which it is resumed. */
  const HighWater = 2_000;
  const LowWater = 500;
  /**
   * Documents per run (one commit each): a lane starts small so that a restarted forwarder commits within a second
   * or so of its first documents, then runs grow to FullRun.
   */
  const FirstRun = 8;
  const FullRun = 200;
  let markFetching: () => void = () => undefined;
  const fetching = new Promise<void>((resolve) => (markFetching = resolve));

  const consumer = kafka.groupConsumer({
    groupId,
    topics: NodeConsumerGroupInputs['eures-forwarder'],
    fromBeginning: options.fromBeginning ?? true,
    instanceId: kafka.instanceId,
    maxBytesPerPartition: 16 * 1024 * 1024,
    onAssign: (partitions) => {
      for (const p of partitions) {
        lanes.set(partitionKey(p), {
          partition: { topic: p.topic, partition: p.partition },
          queue: [],
          committed: p.offset,
          worker: undefined,
          revoked: false,
          runSize: FirstRun,
          paused: false,
        });
      }
      markFetching();
    },
    // The group waits for the deliveries in flight: each ends after its current attempt (see `check`).
    onRevoke: async (partitions) => {
      const leaving = partitions.flatMap((p) => lanes.get(partitionKey(p)) ?? []);
      for (const lane of leaving) lane.revoked = true;
      await Promise.all(leaving.map((lane) => lane.worker));
      for (const lane of leaving) lanes.delete(partitionKey(lane.partition));
    },
  });

  /**
   * Commits a lane up to `offset` (the next to read), also while its partition is being revoked (the group waits
   * for that); a failure is logged: those records are sent again, and EURES applies them once by key. Whether
   * it committed.
   */
  async function commit(lane: Lane, offset: bigint): Promise<boolean> {
    if (offset <= lane.committed) return false;
    try {
      await consumer.commit([{ ...lane.partition, offset }]);
      lane.committed = offset;
      return true;
    } catch (error) {
      logger.warn({ err: error, partition: lane.partition.partition, offset: String(offset) }, 'commit failed');
      return false;
    }
  }

  /** Handles a lane's waiting records in order, a run at a time, committing after each run's side effects. */
  async function work(lane: Lane): Promise<void> {
    const check = (): void => {
      if (!running || lane.revoked) throw new Stopping();
    };
    while (lane.queue.length > 0 && running && !lane.revoked) {
      const run = lane.queue.splice(0, lane.runSize);
      const audits: Promise<{ key: string; value: Buffer }>[] = [];
      const dead: { key: Buffer | null; value: Buffer; headers: Record<string, Buffer | string> }[] = [];
      let through: ConsumedRecord | undefined;
      /** A record's dead letter, produced with the run's audit events: original key and bytes, and why. */
      const bury = (record: ConsumedRecord, failure: { code: string; message: string }): void => {
        const letter = deadLetter({ ...record, headers: {} }, failure, 'eures-forwarder', new Date());
        dead.push({ key: record.key, value: record.value ?? Buffer.alloc(0), headers: { ...letter.headers } });
      };
      try {
        for (const record of run) {
          let d: EuresDelivery;
          try {
            d = await decode(record, check);
          } catch (error) {
            // Only a record that is not a document is buried; stopping and the like go up.
            if (!(error instanceof NcnError) || error.retriable) throw error;
            bury(record, describeError(error));
            through = record;
            continue;
          }
          const outcome = await deliver(d, check);
          counts[outcome]++;
          requests.inc({ outcome });
          if (outcome === 'refused') {
            bury(record, { code: ErrorCode.Refused, message: `EURES refused ${d.idempotencyKey}` });
          }
          audits.push(Promise.resolve(audit(d, outcome)));
          through = record;
        }
      } catch (error) {
        if (!(error instanceof Stopping)) throw error;
      }
      if (through === undefined) return;
      const topicMessages: {
        topic: string;
        messages: { key: Buffer | string | null; value: Buffer; headers?: Record<string, Buffer | string> }[];
      }[] = [{ topic: Topic.audit, messages: await Promise.all(audits) }];
      if (dead.length > 0) topicMessages.push({ topic: Topic.dlq, messages: dead });
      await producer.sendBatch({ topicMessages });
      const committed = await commit(lane, BigInt(through.offset) + 1n);
      if (committed) lane.runSize = Math.min(FullRun, lane.runSize * 2);
      if (committed && !firstCommitted) {
        firstCommitted = true;
        // The same line as the runner's: how long after start this process first had records done (the chaos suite
        // measures a restart's recovery by it).
        logger.info({ partition: lane.partition.partition, afterMs: Date.now() - startedAt }, FirstCommitMessage);
      }
      if (lane.paused && lane.queue.length <= LowWater && !lane.revoked) {
        consumer.resume([lane.partition]);
        lane.paused = false;
      }
    }
  }

  /** Starts a lane's worker when it has records and none runs; a failed run reads the lane again from its commit. */
  function drive(lane: Lane): void {
    if (lane.worker !== undefined || lane.queue.length === 0) return;
    lane.worker = work(lane)
      .catch(async (error: unknown) => {
        logger.error({ err: error, partition: lane.partition.partition }, 'delivery run failed: reading again');
        await sleep(1_000);
        if (lane.revoked || !running) return;
        await consumer.seek(lane.partition, lane.committed).catch(() => undefined);
        // What was fetched before the seek comes again after it, in order.
        lane.queue.length = 0;
        if (lane.paused) {
          consumer.resume([lane.partition]);
          lane.paused = false;
        }
      })
      .finally(() => {
        lane.worker = undefined;
        if (!lane.revoked && running) drive(lane);
      });
  }

  /**
   * Polls all the time, whatever the deliveries wait for (librdkafka's group needs a poll every max.poll.interval),
   * hands records to their lanes and pauses a partition whose lane is full. An idle lane commits past the markers
   * its partition ends in, so a caught-up forwarder has no lag.
   */
  async function pollLoop(): Promise<void> {
    let lastIdleCommit = 0;
    while (running) {
      let records: ConsumedRecord[];
      try {
        records = await consumer.poll(1_000);
      } catch (error) {
        if ((error as { isFatal?: boolean }).isFatal === true) throw error;
        logger.warn({ err: error }, 'poll failed');
        await sleep(1_000);
        continue;
      }
      for (const record of records) {
        const lane = lanes.get(partitionKey(record));
        if (lane === undefined || lane.revoked) continue;
        lane.queue.push(record);
      }
      for (const lane of lanes.values()) {
        if (lane.queue.length >= HighWater && !lane.paused) {
          consumer.pause([lane.partition]);
          lane.paused = true;
        }
        drive(lane);
        const end = consumer.end(lane.partition);
        if (end !== undefined)
          backlog.set({ partition: String(lane.partition.partition) }, Number(end - lane.committed));
      }
      if (Date.now() - lastIdleCommit >= 1_000) {
        lastIdleCommit = Date.now();
        for (const lane of lanes.values()) {
          const position = consumer.position(lane.partition);
          if (lane.worker === undefined && lane.queue.length === 0 && position !== undefined)
            await commit(lane, position);
        }
      }
    }
  }

  await consumer.connect();
  const polling = pollLoop().catch((error: unknown) => {
    logger.error({ err: error }, 'the consumer stopped');
    if (running) consumerStopped('eures-forwarder', error instanceof Error ? error : new Error(String(error)));
  });

  let http: { server: Server; port: number } | undefined;
  if (config.httpPort !== undefined) {
    http = await startHttp(config.httpPort, registry, () => ({
      healthy: running,
      detail: { service: 'eures-forwarder', breaker: breaker.state, ...counts },
    }));
  }

  let closing: Promise<void> | undefined;
  return {
    counts,
    breaker,
    httpPort: http?.port,
    fetching,
    close() {
      closing ??= (async () => {
        running = false;
        await polling;
        await Promise.all([...lanes.values()].map((lane) => lane.worker));
        await consumer.disconnect();
        await producer.disconnect();
        await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
      })();
      return closing;
    },
  };
}
