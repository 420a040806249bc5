import type { EuresDelivery } from '../../contracts/avro/types';
import { NodeConsumerGroupInputs } from '../../contracts/groups';
import { EuresHeader } from '../../contracts/headers';
import { Topic, topicCatalogue } from '../../contracts/topics';
import { Counter, Gauge } from 'prom-client';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Kafka } from '../runtime/kafka';
import type { Logger } from '../runtime/logger';
import { deadLetter, describeError } from '../runtime/runner/dead-letter';
import { startRunner } from '../runtime/runner/runner';
import type { Handler, OutputRecord } from '../runtime/runner/types';
import { CircuitBreaker } from './breaker';

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
  /** Resolves once the forwarder has joined its group and has its partitions. */
  readonly fetching: Promise<void>;
  close(): Promise<void>;
}

/**
 * The EURES forwarder, a side-effect sink on the runner: consumes eures.out and POSTs each document to the EURES
 * endpoint with its idempotency key, a partition's records strictly in order (so each item's in order), the
 * partitions side by side. The offsets are committed in the round's transaction after the POSTs, with each
 * outcome's audit event (and a refused document's dead letter), so delivery to EURES is at least once: a round
 * that does not commit is handled again, and EURES applies a document once by its key. A failure (network,
 * timeout, 5xx, 408, 429) is transient: the runner retries it with backoff and, when the retries run out, reads
 * the partition again from its last commit, so a backlog waits in Kafka during an outage and drains in order
 * afterwards. Repeated failures open a circuit breaker: while it is open no request goes out (a document then
 * fails at once), after the cooldown one probe goes through. A refusal (another 4xx) goes to ncn.dlq with the
 * original bytes. Every outcome is counted and written to ncn.audit.
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
  // Registered in the runner's registry once it runs: served on its /metrics.
  const requests = new Counter({
    name: 'ncn_eures_requests_total',
    help: 'Requests to EURES by outcome (delivered, duplicate, refused, failed)',
    labelNames: ['outcome'],
    registers: [],
  });
  const breakerOpen = new Gauge({
    name: 'ncn_eures_breaker_open',
    help: '1 while the circuit breaker to EURES is open or half-open',
    registers: [],
  });

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

  /** The audit event of one delivery's outcome. */
  const audit = (d: EuresDelivery, outcome: Outcome): OutputRecord => ({
    topic: Topic.audit,
    key: d.root,
    value: {
      avro: 'it.ncn.AuditEvent',
      data: {
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
      },
    },
  });

  /**
   * One document: decoded (a registry that does not answer is transient: a document the forwarder cannot read yet
   * is not a bad one), POSTed unless the breaker is open, and its outcome audited.
   */
  const handler: Handler = async (record) => {
    if (record.value === null) throw new NcnError(ErrorCode.Decode, 'an empty record on eures.out');
    const d = await serde.decode<EuresDelivery>(record.value);
    if (breaker.waitMs(Date.now()) > 0) {
      breakerOpen.set(1);
      throw new NcnError(ErrorCode.Unavailable, `the circuit to EURES is ${breaker.state}: ${d.idempotencyKey} waits`, {
        retriable: true,
      });
    }
    let outcome: Outcome;
    try {
      outcome = await post(d);
      breaker.success();
      breakerOpen.set(0);
    } catch (error) {
      if (!(error instanceof NcnError) || !error.retriable) {
        breaker.success();
        counts.refused++;
        requests.inc({ outcome: 'refused' });
        return [audit(d, 'refused'), deadLetter(record, describeError(error), 'eures-forwarder', new Date())];
      }
      breaker.failure(Date.now());
      counts.failedAttempts++;
      requests.inc({ outcome: 'failed' });
      throw error;
    }
    counts[outcome]++;
    requests.inc({ outcome });
    return [audit(d, outcome)];
  };

  const runner = await startRunner({
    service: 'eures-forwarder',
    groupId,
    kafka,
    serde,
    logger,
    topics: NodeConsumerGroupInputs['eures-forwarder'],
    handler,
    httpPort: config.httpPort,
    fromBeginning: options.fromBeginning ?? true,
    // Every partition's documents go out side by side, each partition's in order.
    partitionsConsumedConcurrently: topicCatalogue.find((t) => t.name === Topic.euresOut)?.partitions ?? 1,
    firstChunkRecords: 8,
    maxRecordsPerTransaction: 200,
    maxBytesPerPartition: 16 * 1024 * 1024,
    health: () => ({ breaker: breaker.state, ...counts }),
    // A failure (EURES away) does not send again what EURES already took in the round, nor audit it twice.
    sideEffectSink: true,
  });
  runner.metrics.registry.registerMetric(requests);
  runner.metrics.registry.registerMetric(breakerOpen);

  return {
    counts,
    breaker,
    httpPort: runner.httpPort,
    fetching: runner.fetching,
    close: () => runner.close(),
  };
}
