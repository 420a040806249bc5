import type { Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { avroSchema } from '../../contracts/avro/schemas';
import { NodeConsumerGroupInputs } from '../../contracts/groups';
import { Topic } from '../../contracts/topics';
import { valueSubject, type AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import {
  FetchWaitMs,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from '../runtime/kafka';
import type { Logger } from '../runtime/logger';
import { deadLetter, describeError } from '../runtime/runner/dead-letter';
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
  async function deliver(d: EuresDelivery, heartbeat: () => Promise<void>): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      for (let wait = breaker.waitMs(Date.now()); wait > 0; wait = breaker.waitMs(Date.now())) {
        breakerOpen.set(1);
        if (!running) throw new Stopping();
        await sleep(Math.min(wait, 1_000));
        await heartbeat();
      }
      if (!running) throw new Stopping();
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
        await sleep(
          backoffDelay(attempt + 1, { attempts: Infinity, initialDelayMs: 200, maxDelayMs: 10_000 }, Math.random()),
        );
        await heartbeat();
      }
    }
  }

  /**
   * Decodes a document, waiting out a schema registry that does not answer (a retriable NCN_UNAVAILABLE) for as
   * long as it takes: a document the forwarder cannot read yet is not a bad one. Throws the permanent decode error
   * of a record that is not a document.
   */
  async function decode(message: KafkaMessage, heartbeat: () => Promise<void>): Promise<EuresDelivery> {
    if (message.value === null) throw new NcnError(ErrorCode.Decode, 'an empty record on eures.out');
    for (let attempt = 1; ; attempt++) {
      if (!running) throw new Stopping();
      try {
        return await serde.decode<EuresDelivery>(message.value);
      } catch (error) {
        if (!(error instanceof NcnError) || !error.retriable) throw error;
        if (attempt === 1 || attempt % 20 === 0) {
          logger.warn({ offset: message.offset, attempt }, `cannot read a document yet: ${error.message}`);
        }
        await sleep(
          backoffDelay(attempt + 1, { attempts: Infinity, initialDelayMs: 200, maxDelayMs: 10_000 }, Math.random()),
        );
        await heartbeat();
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

  const consumer: Consumer = kafka.consumer({
    groupId,
    maxBytesPerPartition: 16 * 1024 * 1024,
    readUncommitted: false,
    maxWaitTimeInMs: FetchWaitMs,
  });
  let markFetching: () => void = () => undefined;
  const fetching = new Promise<void>((resolve) => (markFetching = resolve));
  consumer.on(consumer.events.FETCH, () => markFetching());
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    if (!event.payload.restart && running) consumerStopped('eures-forwarder', event.payload.error);
  });

  async function eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    backlog.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    let audits: Promise<{ key: string; value: Buffer }>[] = [];
    let dead: { key: Buffer | null; value: Buffer; headers: Record<string, Buffer | string> }[] = [];
    let last: KafkaMessage | undefined;
    /** A record's dead letter, produced with the next flush: original key and bytes, and why. */
    const bury = (message: KafkaMessage, failure: { code: string; message: string }): void => {
      const { topic, partition } = batch;
      const input = {
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: {},
        timestamp: message.timestamp,
      };
      const letter = deadLetter(input, failure, 'eures-forwarder', new Date());
      dead.push({ key: message.key, value: message.value ?? Buffer.alloc(0), headers: { ...letter.headers } });
    };
    /** Sends what the records owe (audit events, dead letters) and commits past them, or to `end` when given. */
    const flush = async (end?: string): Promise<void> => {
      if (last === undefined && end === undefined) return;
      const messages = await Promise.all(audits);
      const topicMessages: {
        topic: string;
        messages: { key: Buffer | string | null; value: Buffer; headers?: Record<string, Buffer | string> }[];
      }[] = [{ topic: Topic.audit, messages }];
      if (dead.length > 0) topicMessages.push({ topic: Topic.dlq, messages: dead });
      if (messages.length > 0 || dead.length > 0) await producer.sendBatch({ topicMessages });
      const through = end ?? last?.offset;
      if (through === undefined) return;
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(through) + 1n).toString() },
      ]);
      resolveOffset(through);
      audits = [];
      dead = [];
      last = undefined;
    };
    // Whole batch handled: commit past its end, records kafkajs filtered out (aborted, markers) included, so a
    // caught-up forwarder has no lag. kafkajs (patched) hands over a batch of nothing but such records too.
    let end: string | undefined = batch.firstOffset() === null ? undefined : batch.lastOffset();
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || !running) {
          end = undefined;
          break;
        }
        let d: EuresDelivery;
        try {
          d = await decode(message, heartbeat);
        } catch (error) {
          // Only a record that is not a document is buried; stopping, a rebalance or the like go up.
          if (!(error instanceof NcnError) || error.retriable) throw error;
          bury(message, describeError(error));
          last = message;
          continue;
        }
        const outcome = await deliver(d, heartbeat);
        counts[outcome]++;
        requests.inc({ outcome });
        if (outcome === 'refused') {
          bury(message, { code: ErrorCode.Refused, message: `EURES refused ${d.idempotencyKey}` });
        }
        audits.push(Promise.resolve(audit(d, outcome)));
        last = message;
        if (audits.length >= 200) await flush();
      }
    } catch (error) {
      end = undefined;
      if (!(error instanceof Stopping)) throw error;
    } finally {
      await flush(end);
    }
    if (batch.firstOffset() === null) resolveOffset(batch.lastOffset());
  }

  await consumer.connect();
  for (const topic of NodeConsumerGroupInputs['eures-forwarder'])
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 3, eachBatch });

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
        await consumer.stop();
        await consumer.disconnect();
        await producer.disconnect();
        await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
      })();
      return closing;
    },
  };
}
