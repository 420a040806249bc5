import { NodeConsumerGroupInputs } from '../../../contracts/groups';
import { Topic } from '../../../contracts/topics';
import type { ServiceName } from '../../../infra/local/services';
import { AvroSerde } from '../../../services/runtime/avro-serde';
import { readDeliveries, readReceipts, type DeliveriesResult, type ReceiptsResult } from './measure';
import type { BenchNode, NodeProcess } from './node';
import { waitDrained, type Watched } from './observe';
import { passThrough, PassThroughPartitions, passThroughTopics, type PassThroughResult } from './passthrough';
import { ResourceSampler, type ProcessUsage } from './resources';
import { connectProducer, realisticMix, sendAll, sendPaced, type SentAt } from './submissions';

/** What every phase is given. */
export interface PhaseContext {
  readonly node: BenchNode;
  readonly seed: number;
  readonly say: (line: string) => void;
}

const inbound: Watched = {
  group: 'ingest',
  topics: NodeConsumerGroupInputs.ingest,
  markerSlack: false,
};
const pending: Watched = { group: 'ingest.pending', topics: [Topic.ingestPending], markerSlack: true };
const dispatcher: Watched = { group: 'dispatcher', topics: NodeConsumerGroupInputs.dispatcher, markerSlack: true };
/** Downstream of the deliveries: the node is quiet only once these have read them too. */
const downstream: readonly Watched[] = [
  { group: 'eures-forwarder', topics: [Topic.euresOut], markerSlack: true },
  { group: 'audit-indexer', topics: [Topic.audit], markerSlack: true },
  { group: 'scheduler', topics: [Topic.scheduler], markerSlack: true },
];

const lagLine = (lags: Record<string, number>): string =>
  Object.entries(lags)
    .map(([g, l]) => `${g} ${l}`)
    .join(', ');

/** A progress line every few seconds on stderr. */
function progress(ctx: PhaseContext, what: string): (lags: Record<string, number>) => void {
  let last = 0;
  return (lags) => {
    if (Date.now() - last < 5_000) return;
    last = Date.now();
    ctx.say(`    ${what}: behind ${lagLine(lags)}`);
  };
}

/** The pass-through baseline, plain and transactional: the better of two runs of each (interleaved). */
export interface BaselineResult {
  readonly plain: PassThroughResult;
  readonly transactional: PassThroughResult;
  /** Every run, in order. */
  readonly runs: readonly PassThroughResult[];
}

export async function baselinePhase(ctx: PhaseContext, count: number): Promise<BaselineResult> {
  const modes = ['plain', 'transactional'] as const;
  const rounds = 2;
  await ctx.node.reset(
    Array.from({ length: rounds }, (_, round) =>
      modes.flatMap((m) => {
        const t = passThroughTopics(m, round);
        return [
          { topic: t.in, numPartitions: PassThroughPartitions },
          { topic: t.out, numPartitions: PassThroughPartitions },
        ];
      }),
    ).flat(),
  );
  // The same documents the node gets: generated submissions (3–5 KiB of XML).
  const documents = realisticMix(2_000, ctx.seed + 1).map((s) => s.value);
  const runs: PassThroughResult[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const result = await passThrough(ctx.node.kafka, documents, count, mode, round);
      ctx.say(`    ${mode}: ${Math.round(result.perSecond)} records/s`);
      runs.push(result);
    }
  }
  const best = (mode: PassThroughResult['mode']): PassThroughResult =>
    runs.filter((r) => r.mode === mode).reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  return { plain: best('plain'), transactional: best('transactional'), runs };
}

/** Ingest alone on a backlog. */
export interface IngestResult {
  readonly submissions: number;
  readonly receipts: ReceiptsResult;
  /** Receipts per second from the first to the last, of submissions not parked for a predecessor. */
  readonly perSecond: number;
  /** From starting the process to the last receipt (startup, tables, group join included), seconds. */
  readonly wallSeconds: number;
  readonly resources: readonly ProcessUsage[];
}

export async function ingestPhase(ctx: PhaseContext, count: number): Promise<IngestResult> {
  await ctx.node.reset();
  const submissions = realisticMix(count, ctx.seed);
  const producer = await connectProducer(ctx.node.kafka);
  let sentAt: SentAt;
  try {
    sentAt = await sendAll(producer, submissions);
  } finally {
    await producer.disconnect();
  }
  ctx.say(`    ${submissions.length} submissions loaded; starting ingest`);
  const started = Date.now();
  await ctx.node.start(1, { only: ['ingest'] });
  const sampler = new ResourceSampler(await ctx.node.processes(1));
  await waitDrained(ctx.node.kafka, [inbound, pending], {
    timeoutMs: 20 * 60_000,
    progress: progress(ctx, 'ingest'),
  });
  const resources = sampler.stop();
  await ctx.node.stop();
  const receipts = await readReceipts(ctx.node.kafka, new AvroSerde(ctx.node.config.registry.url), sentAt);
  if (receipts.receipts < submissions.length)
    throw new Error(`ingest wrote ${receipts.receipts} receipts for ${submissions.length} submissions`);
  return {
    submissions: submissions.length,
    receipts,
    perSecond: receipts.direct.perSecond,
    wallSeconds: (receipts.lastAt - started) / 1000,
    resources,
  };
}

/** The whole node on the realistic mix. */
export interface EndToEndResult {
  readonly instances: number;
  readonly mode: 'paced' | 'saturation';
  /** The rate asked for (paced), submissions/s. */
  readonly targetRate: number | undefined;
  readonly submissions: number;
  /** Sending took this long; the paced sender fell this far behind its schedule at worst. */
  readonly sendSeconds: number;
  readonly sendBehindMs: number;
  /** Every submission sent, per second, from the first sent to the last delivery. */
  readonly submissionsPerSecond: number;
  readonly receipts: ReceiptsResult;
  readonly deliveries: DeliveriesResult;
  /** From the first submission sent until ingest and dispatcher had read everything / every group had. */
  readonly drainedSeconds: number;
  readonly quietSeconds: number | undefined;
  readonly resources: readonly ProcessUsage[];
  /** The processes of the run (pids name the profiles of profiled services). */
  readonly processes: readonly NodeProcess[];
}

export async function endToEndPhase(
  ctx: PhaseContext,
  options: {
    count: number;
    instances: number;
    rate?: number;
    profile?: { dir: string; services: readonly ServiceName[] };
  },
): Promise<EndToEndResult> {
  await ctx.node.reset();
  const submissions = realisticMix(options.count, ctx.seed);
  await ctx.node.start(options.instances, {
    ...(options.profile
      ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.profile.dir}`], profiled: options.profile.services }
      : {}),
  });
  const processes = await ctx.node.processes(options.instances);
  const sampler = new ResourceSampler(processes);
  const producer = await connectProducer(ctx.node.kafka);
  const t0 = Date.now();
  let sent: { sentAt: SentAt; seconds: number; behindMs: number };
  try {
    if (options.rate !== undefined) sent = await sendPaced(producer, submissions, options.rate);
    else {
      const sentAt = await sendAll(producer, submissions);
      sent = { sentAt, seconds: (Date.now() - t0) / 1000, behindMs: 0 };
    }
  } finally {
    await producer.disconnect();
  }
  ctx.say(`    ${submissions.length} submissions sent in ${sent.seconds.toFixed(1)} s`);
  const firstSent = Math.min(...sent.sentAt.values());
  const drainedAt = await waitDrained(ctx.node.kafka, [inbound, pending, dispatcher], {
    timeoutMs: 30 * 60_000,
    progress: progress(ctx, 'node'),
  });
  let quietAt: number | undefined;
  try {
    quietAt = await waitDrained(ctx.node.kafka, downstream, {
      timeoutMs: 5 * 60_000,
      progress: progress(ctx, 'downstream'),
    });
  } catch (error) {
    ctx.say(`    downstream not quiet: ${error instanceof Error ? error.message : String(error)}`);
  }
  const resources = sampler.stop();
  await ctx.node.stop();
  const serde = new AvroSerde(ctx.node.config.registry.url);
  const receipts = await readReceipts(ctx.node.kafka, serde, sent.sentAt);
  const deliveries = await readDeliveries(ctx.node.kafka, serde, sent.sentAt);
  if (receipts.receipts < submissions.length)
    throw new Error(`ingest wrote ${receipts.receipts} receipts for ${submissions.length} submissions`);
  if (deliveries.node === 0) throw new Error('no delivery reached any node');
  return {
    instances: options.instances,
    mode: options.rate === undefined ? 'saturation' : 'paced',
    targetRate: options.rate,
    submissions: submissions.length,
    sendSeconds: sent.seconds,
    sendBehindMs: sent.behindMs,
    submissionsPerSecond: submissions.length / deliveries.seconds,
    receipts,
    deliveries,
    drainedSeconds: (drainedAt - firstSent) / 1000,
    quietSeconds: quietAt === undefined ? undefined : (quietAt - firstSent) / 1000,
    resources,
    processes,
  };
}
