import type { Kafka } from '../../../services/runtime/kafka';
import { NodeIds } from '../../../contracts/nodes';
import { nodeTopic, Topic } from '../../../contracts/topics';
import type { AvroSerde } from '../../../services/runtime/avro-serde';
import { readTopics } from './observe';
import { percentiles, perSecond, Span, type Percentiles } from './stats';
import type { SentAt } from './submissions';

/** What ingest did with a run's submissions, read back from the receipts. */
export interface ReceiptsResult {
  readonly receipts: number;
  /** Inbound records (node, partition, offset) that got more than one receipt: each should be decided once. */
  readonly decidedTwice: number;
  readonly outcomes: Readonly<Record<string, number>>;
  /** Rejections by the code of their first error. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Receipts per second from the first receipt to the last. */
  readonly perSecond: number;
  /** From the first submission sent to the last receipt, seconds. */
  readonly seconds: number;
  /** Submission sent → its receipt appended, ms. */
  readonly latencyMs: Percentiles;
  readonly firstAt: number;
  readonly lastAt: number;
  /**
   * Updates parked because their predecessor was not known yet (ncn.ingest.pending): they wait up to
   * NCN_PREDECESSOR_WAIT_MS, so the last receipts come from them. The rest, the ingest path proper: how many,
   * per second from the first receipt to the last, and the time of the last.
   */
  readonly parked: number;
  /** Records on ncn.ingest.pending: each parking and each turn a parked update waited in the queue again. */
  readonly parkings: number;
  readonly direct: { readonly receipts: number; readonly perSecond: number; readonly lastAt: number };
  /** Receipts per second of the run, from the first submission sent. */
  readonly series: readonly number[];
}

/** Reads every receipt of the run (nr.*.receipts) and matches it to its submission by item code (the key). */
export async function readReceipts(kafka: Kafka, serde: AvroSerde, sentAt: SentAt): Promise<ReceiptsResult> {
  const outcomes: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  const latency: number[] = [];
  const span = new Span();
  const parked = new Set<string>();
  const parkings = await readTopics(kafka, [Topic.ingestPending], (_topic, _partition, message) => {
    if (message.key !== null) parked.add(message.key.toString());
  });
  const direct = new Span();
  const times: number[] = [];
  const decided = new Map<string, number>();
  await readTopics(
    kafka,
    NodeIds.map((n) => nodeTopic.receipts(n)),
    async (_topic, _partition, message) => {
      if (message.value === null) return;
      const receipt = await serde.decode<{
        outcome: string;
        issues: { code: string; severity: string }[];
        node: string;
        partition: number;
        offset: number;
      }>(message.value);
      const place = `${receipt.node}/${receipt.partition}/${receipt.offset}`;
      decided.set(place, (decided.get(place) ?? 0) + 1);
      outcomes[receipt.outcome] = (outcomes[receipt.outcome] ?? 0) + 1;
      const reason = receipt.issues.find((i) => i.severity === 'ERROR')?.code;
      if (receipt.outcome === 'REJECTED' && reason !== undefined) reasons[reason] = (reasons[reason] ?? 0) + 1;
      const at = Number(message.timestamp);
      span.add(at);
      times.push(at);
      const key = message.key?.toString() ?? '';
      if (!parked.has(key)) direct.add(at);
      const sent = sentAt.get(key);
      if (sent !== undefined) latency.push(at - sent);
    },
  );
  const firstSent = Math.min(...sentAt.values());
  return {
    receipts: span.count,
    decidedTwice: [...decided.values()].filter((n) => n > 1).length,
    outcomes,
    reasons,
    perSecond: span.rate,
    seconds: (span.last - firstSent) / 1000,
    latencyMs: percentiles(latency),
    firstAt: span.first,
    lastAt: span.last,
    parked: parked.size,
    parkings,
    direct: { receipts: direct.count, perSecond: direct.rate, lastAt: direct.last },
    series: perSecond(times, firstSent),
  };
}

/** The deliveries of a run, read back from nr.*.out and eures.out. */
export interface DeliveriesResult {
  readonly node: number;
  readonly eures: number;
  /** Delivery ids (node) and idempotency keys (EURES) found more than once: each should be delivered once. */
  readonly deliveredTwice: number;
  readonly byAction: Readonly<Record<string, number>>;
  /** Deliveries (node and EURES) per second from the first to the last. */
  readonly perSecond: number;
  /** Submissions that caused at least one delivery, per second from the first sent to the last delivery. */
  readonly submissionsPerSecond: number;
  readonly submissionsDelivered: number;
  /** From the first submission sent to the last delivery, seconds. */
  readonly seconds: number;
  /** Per delivery: its submission sent → the delivery record's timestamp, ms. */
  readonly latencyMs: Percentiles;
  /** Per submission: sent → its last node delivery, ms. */
  readonly submissionLatencyMs: Percentiles;
  /** Deliveries per second of the run, from the first submission sent. */
  readonly series: readonly number[];
}

interface Delivered {
  readonly deliveryId: string;
  readonly code: string;
  readonly root: string;
  readonly version: number;
  readonly action: string;
}

/**
 * Reads every delivery of the run. A node delivery names the code of the version it delivers; an EURES delivery
 * names root and version only, matched to the code through the node deliveries of the same version. Latency is
 * the delivery record's timestamp (set by the dispatcher's producer as it sends the transaction's records; both
 * clocks are this machine's) minus the submission's (set by the bench as it sent it).
 */
export async function readDeliveries(kafka: Kafka, serde: AvroSerde, sentAt: SentAt): Promise<DeliveriesResult> {
  const byAction: Record<string, number> = {};
  const perDelivery: number[] = [];
  const lastBySubmission = new Map<string, number>();
  const codeOf = new Map<string, string>();
  const euresPending: { root: string; version: number; at: number }[] = [];
  const span = new Span();
  const times: number[] = [];
  let node = 0;
  let eures = 0;
  const ids = new Set<string>();
  let deliveredTwice = 0;
  const once = (id: string): void => {
    if (ids.has(id)) deliveredTwice++;
    else ids.add(id);
  };
  const outTopics = NodeIds.map((n) => nodeTopic.out(n));
  await readTopics(kafka, [...outTopics, Topic.euresOut], async (topic, _partition, message) => {
    if (message.value === null) return;
    const at = Number(message.timestamp);
    span.add(at);
    times.push(at);
    if (topic === Topic.euresOut) {
      const d = await serde.decode<Omit<Delivered, 'code' | 'deliveryId'> & { idempotencyKey: string }>(message.value);
      once(`EURES ${d.idempotencyKey}`);
      byAction[`EURES ${d.action}`] = (byAction[`EURES ${d.action}`] ?? 0) + 1;
      euresPending.push({ root: d.root, version: d.version, at });
      eures++;
      return;
    }
    const d = await serde.decode<Delivered>(message.value);
    once(d.deliveryId);
    byAction[d.action] = (byAction[d.action] ?? 0) + 1;
    codeOf.set(`${d.root}/${d.version}`, d.code);
    node++;
    const sent = sentAt.get(d.code);
    if (sent === undefined) return;
    perDelivery.push(at - sent);
    lastBySubmission.set(d.code, Math.max(lastBySubmission.get(d.code) ?? 0, at));
  });
  for (const e of euresPending) {
    const sent = sentAt.get(codeOf.get(`${e.root}/${e.version}`) ?? '');
    if (sent !== undefined) perDelivery.push(e.at - sent);
  }
  const firstSent = Math.min(...sentAt.values());
  const perSubmission = [...lastBySubmission].map(([code, at]) => at - (sentAt.get(code) ?? at));
  const seconds = (span.last - firstSent) / 1000;
  return {
    node,
    eures,
    deliveredTwice,
    byAction,
    perSecond: span.rate,
    submissionsPerSecond: lastBySubmission.size / seconds,
    submissionsDelivered: lastBySubmission.size,
    seconds,
    latencyMs: percentiles(perDelivery),
    submissionLatencyMs: percentiles(perSubmission),
    series: perSecond(times, firstSent),
  };
}
