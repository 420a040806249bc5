/**
 * `npm run test:chaos [-- --size N --seed S --instances I --keep]`: the whole node under load and faults, then an
 * independent check of what came out. On its own local stack (own ports and state folder, see `chaosEnv`), it:
 *  1. starts every service (I instances of each consuming service sharing its group, default 1; one lag monitor)
 *     and a local EURES receiver as supervised processes;
 *  2. sends generated traffic (default 100,000 submissions: 60 % CVs across the three scopes, 40 % vacancies,
 *     with updates, closes and 1 % broken ones; plus INPS and CO records) at a steady pace over a window, with a
 *     burst of 1 % poison submissions of every bad-input class halfway;
 *  3. meanwhile injects faults at random moments: SIGKILL of each service instance (3 times each), a broker restart, a
 *     Redis FLUSHALL, the schema registry down for 30 s, the EURES receiver down for 60 s;
 *  4. waits until every group has caught up, reads every topic back from the beginning and checks the
 *     invariants (invariants.ts); prints the faults and invariants with counts, writes them as JSON under
 *     chaos-results/, and exits 1 on any violation.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { avroSchema } from '../../contracts/avro/schemas';
import { NodeIds, type NodeId } from '../../contracts/nodes';
import { nodeTopic, Topic } from '../../contracts/topics';
import { brokerProcess, kafkaLibs } from '../../infra/local/kafka';
import { runningProcess, stopProcess } from '../../infra/local/processes';
import { registryProcess, startRegistry, waitForRegistry } from '../../infra/local/registry';
import { stackSettings } from '../../infra/local/settings';
import { down, up } from '../../infra/local/stack';
import { table } from '../../services/cli/table';
import { daysAgo, generateTraffic } from '../../lib/gen/traffic';
import { Random } from '../../lib/gen/random';
import { AvroSerde, valueSubject } from '../../services/runtime/avro-serde';
import { loadConfig } from '../../services/runtime/config';
import { createKafka, type Producer } from '../../services/runtime/kafka';
import { FirstCommitMessage } from '../../services/runtime/runner/runner';
import { exitProcess } from '../../services/runtime/shutdown';
import type { BrokerNode } from '../../services/runtime/config';
import {
  ClusterWatch,
  busiestLeader,
  freezeBroker,
  isolateBroker,
  killBroker,
  measured,
  restartBroker,
  untilFullyReplicated,
  type Recovery,
} from './cluster-faults';
import { acknowledgedKept, checkInvariants, inputCounts, type Verdict } from './invariants';
import { followInpsWaiting, readBack } from './read-back';
import { poisonOf, PoisonClasses } from './poison';
import { ServiceSpecs, Supervised } from './supervisor';

/** The chaos stack's own ports and folder, so it never touches the test stack (or a demo) on the default ones. */
export const chaosEnv: Record<string, string> = {
  NCN_STATE_DIR: join(process.env.TMPDIR ?? '/tmp', 'ncn-chaos'),
  NCN_KAFKA_BROKERS: 'localhost:29092',
  NCN_SCHEMA_REGISTRY_URL: 'http://localhost:28081/apis/ccompat/v7',
  NCN_REDIS_URL: 'redis://127.0.0.1:26379',
  NCN_LAG_PORT: '28088',
  NCN_EURES_URL: 'http://127.0.0.1:28090/documents',
};

/** How long after the traffic ends the faults still running may take (a restart, its first commit) [4 min]. */
const FaultGraceMs = 240_000;
/**
 * How long the driver's records may wait for the cluster [10 min]: longer than any fault keeps it unwritable (two
 * brokers down 20 s, their restart of up to 3 minutes, a follower back in sync).
 */
const SenderPatienceMs = 600_000;
/**
 * How long a part the suite stopped (the schema registry) may take to answer again once started [5 min]: a JVM
 * starting while every service restarts at once after a broker fault takes minutes on a small machine.
 */
const RestartPatienceMs = 300_000;
/** Batches of traffic sent and not yet acknowledged, at most (5 s of ticks). */
const MaxBatchesInFlight = 25;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;

interface Args {
  size: number;
  seed: number;
  windowMs: number;
  /** Instances of each consuming service, in one group. */
  instances: number;
  /** Kafka brokers: 1, or a cluster of 3 (replication 3) with the faults only a cluster can have. */
  brokers: number;
  keep: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const size = Number(value('size') ?? process.env.NCN_CHAOS_SIZE ?? 100_000);
  const seed = Number(value('seed') ?? process.env.NCN_CHAOS_SEED ?? Date.now() % 100_000);
  if (!Number.isInteger(size) || size < 1_000) throw new Error(`--size must be a whole number ≥ 1000, got ${size}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, got ${seed}`);
  const instances = Number(value('instances') ?? 1);
  if (!Number.isInteger(instances) || instances < 1 || instances > 4)
    throw new Error(`--instances must be a whole number from 1 to 4, got ${value('instances')}`);
  const brokers = Number(value('brokers') ?? 1);
  if (brokers !== 1 && brokers !== 3) throw new Error(`--brokers must be 1 or 3, got ${value('brokers')}`);
  // The faults need room: at least 150 s of traffic (the EURES outage alone is a minute), more for a larger run,
  // and more again for a cluster's faults one after the other.
  const least = brokers === 1 ? 150 : 300;
  const windowMs = Number(value('window') ?? Math.min(900, Math.max(least, size / 60))) * 1000;
  return { size, seed, windowMs, instances, brokers, keep: argv.includes('--keep') };
}

/** A fault injected, for the table. */
interface FaultRecord {
  kind: string;
  target: string;
  atMs: number;
  tookMs: number;
  /** For a SIGKILLed consuming service: from its restart until it committed records again. */
  processingMs?: number;
  /** For a fault of the cluster: when every partition was led again and the lag was back (see Recovery). */
  recovery?: Recovery;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  for (const [k, v] of Object.entries(chaosEnv)) process.env[k] ??= v;
  let settings = stackSettings();
  if (process.argv.includes('--down')) {
    await down(settings, (line) => console.log(line));
    return 0;
  }
  let config = loadConfig();
  const say = (line: string): void => console.log(line);
  const started = Date.now();
  const at = (): string => `[${seconds(Date.now() - started).padStart(5)}]`;
  const rng = new Random(args.seed);

  say(
    `chaos: ${args.size.toLocaleString('en')} submissions, seed ${args.seed}, traffic over ${seconds(args.windowMs)}` +
      (args.instances > 1 ? `, ${args.instances} instances of each consuming service` : '') +
      (args.brokers > 1 ? `, ${args.brokers} brokers` : ''),
  );
  say(
    `own stack: ${config.kafka.brokers.join(',')}, ${config.registry.url}, ${config.redis.url}; state ${settings.stateDir}`,
  );
  await down(settings, () => undefined);
  // Read again after down: the settings of a cluster left by an earlier run name its brokers, and up would take
  // that cluster (whose layout down has just removed) as already laid out.
  settings = stackSettings();
  const parts = await up(settings, (line) => say(`  ${line}`), { brokers: args.brokers });
  if (!parts.every((p) => p.healthy)) throw new Error('the chaos stack did not come up');
  config = loadConfig(); // the new cluster's credentials and brokers, written by up
  settings = stackSettings();

  const logDir = join('chaos-results', 'logs');
  const journal = join(logDir, 'eures-received.jsonl');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const serviceEnv = {
    NCN_LOG_LEVEL: 'info',
    NCN_QUALIFICATION_WAIT_MS: '20000',
    NCN_LAG_INTERVAL_MS: '2000',
    NCN_EURES_BREAKER_COOLDOWN_MS: '2000',
    NCN_KAFKA_LIBS: kafkaLibs(settings),
  };
  // Each process a named instance: a static group member with stable transactional ids, so that a restart takes
  // its partitions back at once. With --instances I, a consuming service runs as I members of its group
  // (ingest-1, ingest-2, …) that share its partitions; the lag monitor, which serves one port, runs once.
  const services = ServiceSpecs.flatMap((spec) => {
    const n = spec.reportsFirstCommit && args.instances > 1 ? args.instances : 1;
    return Array.from({ length: n }, (_, i) => {
      const named = n === 1 ? spec : { ...spec, name: `${spec.name}-${i + 1}` };
      return new Supervised(named, { ...serviceEnv, NCN_INSTANCE_ID: `chaos-${named.name}` }, logDir);
    });
  });
  const eures = new Supervised(
    {
      name: 'eures-receiver',
      args: ['services/cli/main.ts', 'eures-stub', '--port', new URL(config.eures.url).port, '--journal', journal],
      ready: 'EURES receiver listening',
    },
    {},
    logDir,
  );
  const everyone = [eures, ...services];
  // Stopped from outside (Ctrl-C, CI's timeout): leave nothing running.
  const abandon = (): void => {
    console.log('chaos: stopped; stopping the services and the chaos stack');
    void Promise.all(everyone.map((s) => s.stop()))
      .then(() => down(settings, () => undefined))
      .finally(() => exitProcess(130));
  };
  process.once('SIGINT', abandon);
  process.once('SIGTERM', abandon);
  // The driver and the checker must outlive the broker restart the suite causes: they keep trying for ten minutes.
  // The driver's own Kafka client logs (warnings and up) go beside the services' logs.
  const harnessLog = pino(
    { name: 'ncn-chaos', level: 'warn', base: { service: 'ncn-chaos' } },
    pino.destination({ dest: join(logDir, 'chaos-driver.log'), sync: true }),
  );
  const kafka = createKafka(config, harnessLog, 'ncn-chaos', { connectTimeoutMs: 10 * 60_000 });
  /** The cluster's partitions and the node's lag. */
  const watch = new ClusterWatch();
  let producer: Producer | undefined;
  try {
    await Promise.all(everyone.map((s) => s.start()));
    say(`${at()} services running (logs in ${logDir})`);

    const serde = new AvroSerde(config.registry.url);
    // Idempotent: its retries across the broker restart never write a record twice. A regional node waits out a
    // cluster that lost its quorum (two brokers down, then restarted and caught up): its records are not given up
    // after the port's default minute.
    producer = kafka.producer({ idempotent: true, deliveryTimeoutMs: SenderPatienceMs });
    await producer.connect();
    const ids = {
      inps: await serde.register(valueSubject(Topic.inpsPercettori), avroSchema('it.ncn.Percettore')),
      co: await serde.register(valueSubject(Topic.coRapporti), avroSchema('it.ncn.RapportoLavoro')),
    };

    // The traffic, made up front (payloads only), so the pace is the producer's alone.
    const mix = {
      seed: args.seed,
      candidature: Math.round(args.size * 0.6),
      vacancies: Math.round(args.size * 0.4),
      inps: Math.round(args.size * 0.18),
      co: Math.round(args.size * 0.33),
      invalid: 0.01,
      // Contact messages after the items (03s, then 04s to about half of them), under the same faults.
      messages: Math.round(args.size * 0.05),
      // Fifteen days ago, whatever the date of the run: the CVs and vacancies whose datascadenza the generator put
      // 10 to 14 days after insertion (about 1 % of them) are already due on arrival, so every run expires some
      // items under the faults, and the same number whenever it runs (a fixed day would expire more every week).
      day: daysAgo(15),
    };
    const traffic: { topic: string; key: string; value: Buffer; reply?: boolean }[] = [];
    let template: string | undefined;
    for (const record of generateTraffic(mix)) {
      if ('xml' in record) {
        if (template === undefined && record.kind === 'candidatura' && !record.xml.includes('precedente>'))
          template = record.xml;
        traffic.push({
          topic: record.topic,
          key: record.key,
          value: Buffer.from(record.xml, 'utf8'),
          ...(record.kind === 'messaggio' && record.replyTo !== undefined ? { reply: true } : {}),
        });
      } else {
        traffic.push({
          topic: record.topic,
          key: record.key,
          value: await serde.encode(ids[record.kind], record.value),
        });
      }
    }
    if (template === undefined) throw new Error('the generator made no new CV to make poison from');
    const submissions = traffic.filter((t) => t.topic.startsWith('nr.')).length;
    say(
      `${at()} traffic of ${mix.day.toISOString().slice(0, 10)}: ${submissions.toLocaleString('en')} submissions, ${(traffic.length - submissions).toLocaleString('en')} INPS and CO records`,
    );

    // Two CVs the poison refers to: one of node 01 (updated by node 02: not its owner; closed without motivo by 01).
    const anchorCode = (n: number): string =>
      `01C20261231${String(args.seed).padStart(6, '0')}${String(n).padStart(8, '0')}`;
    const anchor = anchorCode(0);
    const setCode = (xml: string, code: string): string =>
      xml.replace(/<codicecandidatura>[^<]*<\/codicecandidatura>/, `<codicecandidatura>${code}</codicecandidatura>`);
    /** Records the brokers acknowledged, per input topic: each must be there after the faults. */
    const acked = new Map<string, number>();
    const ack = (topic: string, n = 1): void => void acked.set(topic, (acked.get(topic) ?? 0) + n);
    await producer.send({ topic: nodeTopic.in('01'), messages: [{ key: anchor, value: setCode(template, anchor) }] });
    ack(nodeTopic.in('01'));

    // Faults at random moments of the window.
    const faults: FaultRecord[] = [];
    const window = args.windowMs;
    const when = (from: number, to: number): number => Math.round(window * (from + rng.next() * (to - from)));
    /** The faults, each at its moment; one with `after` waits until that promise settles (the previous fault's end). */
    const plan: {
      atMs: number;
      kind: string;
      target: string;
      run: () => Promise<unknown>;
      after?: Promise<unknown>;
      settled?: () => void;
    }[] = [];
    for (const s of services) {
      for (let i = 0; i < 3; i++) {
        plan.push({
          atMs: when(0.05, 0.95),
          kind: 'SIGKILL',
          target: s.spec.name,
          run: async () => {
            await s.kill(1_000 + rng.next() * 3_000);
            // Under load a consuming service has records waiting: how long until it committed some again.
            return s.spec.reportsFirstCommit ? s.saidSinceSpawn(FirstCommitMessage, 120_000) : undefined;
          },
        });
      }
    }
    const nodes = settings.kafka.nodes;
    const anyNode = (): BrokerNode => nodes[Math.floor(rng.next() * nodes.length)] ?? (nodes[0] as BrokerNode);
    const restarted = anyNode();
    const restart = {
      kind: 'broker restart',
      target: brokerProcess(settings, restarted).name,
      run: async (): Promise<void> => {
        const ref = runningProcess(brokerProcess(settings, restarted));
        if (ref) await stopProcess(ref, 60_000);
        await restartBroker(settings, restarted);
      },
    };
    if (nodes.length === 1) plan.push({ atMs: when(0.2, 0.8), ...restart });
    else {
      // The lag counts as back within a second of traffic of where it was.
      const slack = Math.ceil((traffic.length / window) * 1_000);
      // The broker faults one after the other, each in its own part of the window, so that each shows what it does
      // alone (two at once would be the last fault's, and more).
      const frozen = anyNode();
      const isolated = anyNode();
      const pair = [...nodes].sort(() => rng.next() - 0.5).slice(0, 2);
      const clusterFaults: { kind: string; target: string; run: () => Promise<Recovery> }[] = [
        { ...restart, run: () => measured(watch, [restarted], restart.run, { slack }) },
        {
          kind: 'SIGKILL of the busiest leader, back after 20 s',
          target: 'kafka (most leaders)',
          run: async () => {
            const leader = await busiestLeader(watch, nodes);
            return measured(
              watch,
              [leader],
              async () => {
                await killBroker(settings, leader);
                await sleep(20_000);
                await restartBroker(settings, leader);
              },
              { slack },
            );
          },
        },
        {
          kind: 'SIGSTOP 30 s (hung broker)',
          target: brokerProcess(settings, frozen).name,
          run: () => measured(watch, [frozen], () => freezeBroker(settings, frozen, 30_000), { slack }),
        },
        ...(settings.kafka.cluster?.bridge !== undefined
          ? [
              {
                kind: 'network partition 30 s',
                target: brokerProcess(settings, isolated).name,
                run: () => measured(watch, [isolated], () => isolateBroker(settings, isolated, 30_000), { slack }),
              },
            ]
          : []),
        {
          kind: 'two brokers down 20 s (no quorum)',
          target: pair.map((n) => brokerProcess(settings, n).name).join(' + '),
          run: () =>
            measured(
              watch,
              pair,
              async () => {
                await Promise.all(pair.map((n) => killBroker(settings, n)));
                await sleep(20_000);
                await Promise.all(pair.map((n) => restartBroker(settings, n)));
              },
              { slack },
            ),
        },
      ];
      if (settings.kafka.cluster?.bridge === undefined)
        say('the brokers do not run in namespaces (not root?): no network partition fault');
      // Each waits for the one before it to end: a restart can take longer than its share of the window.
      let previous: Promise<unknown> = Promise.resolve();
      clusterFaults.forEach((f, i) => {
        const slot = 0.8 / clusterFaults.length;
        let settled: () => void = () => undefined;
        const after = previous;
        previous = new Promise<void>((resolve) => (settled = resolve));
        plan.push({ atMs: when(0.1 + i * slot, 0.1 + i * slot + slot / 2), ...f, after, settled });
      });
    }
    plan.push({
      atMs: when(0.1, 0.9),
      kind: 'Redis FLUSHALL',
      target: 'redis',
      run: async () => {
        const redis = new Redis(config.redis.url);
        try {
          await redis.flushall();
        } finally {
          redis.disconnect();
        }
      },
    });
    plan.push({
      atMs: when(0.1, Math.max(0.1, 1 - 30_000 / window)),
      kind: 'registry down 30 s',
      target: 'schema registry',
      run: async () => {
        const ref = runningProcess(registryProcess(settings));
        if (ref) await stopProcess(ref, 30_000);
        await sleep(30_000);
        startRegistry(settings);
        await waitForRegistry(settings, RestartPatienceMs);
      },
    });
    plan.push({
      atMs: when(0.1, Math.max(0.1, 1 - 60_000 / window)),
      kind: 'EURES down 60 s',
      target: 'EURES receiver',
      run: () => eures.kill(60_000),
    });
    plan.sort((a, b) => a.atMs - b.atMs);
    const t0 = Date.now();
    let faultFailure: Error | undefined;
    const unlessAFaultFailed = (): void => {
      if (faultFailure) throw faultFailure;
    };
    const pending = new Map<(typeof plan)[number], number>();
    const faultsDone = Promise.all(
      plan.map(async (f) => {
        await sleep(f.atMs);
        await f.after;
        const begun = Date.now();
        pending.set(f, begun);
        say(`${at()} fault: ${f.kind} ${f.target}`);
        let outcome: unknown;
        try {
          outcome = await f.run().finally(() => {
            pending.delete(f);
            f.settled?.();
          });
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          say(`${at()} fault ${f.kind} ${f.target} failed: ${why}`);
          // The run stops at its next step (and cleans up): the node was not given back what the fault took.
          faultFailure ??= new Error(`the fault '${f.kind}' on ${f.target} did not complete: ${why}`);
          return;
        }
        faults.push({
          kind: f.kind,
          target: f.target,
          atMs: begun - t0,
          tookMs: Date.now() - begun,
          ...(typeof outcome === 'number' ? { processingMs: outcome } : {}),
          ...(typeof outcome === 'object' && outcome !== null ? { recovery: outcome as Recovery } : {}),
        });
      }),
    );

    // The traffic at a steady pace over the window, the poison burst halfway.
    const poison = new Map<string, string>();
    const poisonCount = Math.max(PoisonClasses.length, Math.round(args.size * 0.01));
    const sendPoison = async (): Promise<void> => {
      for (let i = 0; i < poisonCount; i++) {
        const kind = PoisonClasses[i % PoisonClasses.length];
        if (kind === undefined) continue;
        // The ownership classes are sent by nodes 02 (not the anchor's owner) and 01 (its owner).
        const node =
          kind.code === 'NOT_OWNER'
            ? '02'
            : kind.code === 'CLOSE_WITHOUT_MOTIVOCHIUSURA'
              ? '01'
              : (NodeIds[i % NodeIds.length] ?? '05');
        const code = `${node}C20261231${String(args.seed).padStart(6, '0')}9${String(i).padStart(7, '0')}`;
        const bytes = poisonOf(kind, template ?? '', { code, node, others: anchor, own: anchor });
        const topic = nodeTopic.in(node);
        const [meta] = await (producer as Producer).send({ topic, messages: [{ key: code, value: bytes }] });
        if (meta === undefined) throw new Error('the broker gave no offset for a poison submission');
        ack(topic);
        poison.set(`${node}:${meta.partition}:${meta.baseOffset ?? '?'}`, kind.code);
      }
    };
    const perTick = Math.max(1, Math.ceil((traffic.length / window) * 200));
    // A reply answers a 03 ingest has taken in, or it is refused (REPLY_NOT_RECEIVED): before the first reply the
    // sender gives ingest up to 30 s to catch up, whatever the faults are doing meanwhile.
    const firstReply = traffic.findIndex((t) => t.reply === true);
    let sent = 0;
    let poisonSent = false;
    // Batches go out every tick without waiting for the one before to be acknowledged (a round trip with acks=all
    // on a loaded cluster is longer than a tick), up to MaxBatchesInFlight; the client keeps each partition's order.
    const inFlight = new Set<Promise<void>>();
    let sendFailure: unknown;
    const unlessASendFailed = (): void => {
      if (sendFailure !== undefined) throw sendFailure;
    };
    const landed = async (): Promise<void> => {
      await Promise.all(inFlight);
      unlessASendFailed();
    };
    while (sent < traffic.length) {
      unlessAFaultFailed();
      unlessASendFailed();
      const tick = Date.now();
      if (sent === firstReply) {
        await landed();
        const until = Date.now() + 30_000;
        while (Date.now() < until && ((await watch.lags().catch(() => undefined))?.get('ingest') ?? 1) > 0)
          await sleep(1_000);
        say(`${at()} replies (04) from here on`);
      }
      const slice = traffic.slice(sent, firstReply > sent ? Math.min(firstReply, sent + perTick) : sent + perTick);
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const r of slice) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), { key: r.key, value: r.value }]);
      const batch: Promise<void> = producer
        .sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
        .then(
          () => {
            for (const [topic, messages] of byTopic)
              if (topic.startsWith('nr.') || topic === Topic.inpsPercettori) ack(topic, messages.length);
          },
          (error: unknown) => void (sendFailure ??= error),
        )
        .finally(() => inFlight.delete(batch));
      inFlight.add(batch);
      if (inFlight.size >= MaxBatchesInFlight) await Promise.race(inFlight);
      sent += slice.length;
      if (!poisonSent && sent >= traffic.length / 2) {
        poisonSent = true;
        await sendPoison();
        say(`${at()} poison burst: ${poison.size} submissions of ${PoisonClasses.length} classes`);
      }
      if (sent % (perTick * 50) < perTick)
        say(`${at()} sent ${sent.toLocaleString('en')} / ${traffic.length.toLocaleString('en')}`);
      await sleep(Math.max(0, 200 - (Date.now() - tick)));
    }
    await landed();
    say(`${at()} all traffic sent; waiting for the faults to end`);
    // Every fault ends on its own (a restart is tried until it runs): one that has not after FaultGraceMs is
    // a service that cannot come back, and the run says which, with the end of its log, instead of hanging.
    const overdue = await Promise.race([faultsDone.then(() => false), sleep(FaultGraceMs).then(() => true)]);
    if (overdue) {
      for (const [f, begun] of pending) {
        say(`${at()} fault still not over after ${Math.round((Date.now() - begun) / 1000)} s: ${f.kind} ${f.target}`);
        const s = everyone.find((x) => x.spec.name === f.target);
        if (s !== undefined) say(s.describe());
      }
      throw new Error(`faults not over ${FaultGraceMs / 60_000} minutes after the traffic ended`);
    }
    unlessAFaultFailed();
    say(`${at()} faults done; waiting until every group has caught up`);

    // Caught up: nothing held by the enricher (INPS records waiting for CO data go out when their wait, counted
    // from when it read them, runs out) and then no group of the node behind, three polls in a row.
    const deadline = Date.now() + Math.max(10 * 60_000, args.size * 20);
    let calm = 0;
    let lag = new Map<string, number>();
    const inps = await followInpsWaiting(kafka, harnessLog);
    try {
      for (;;) {
        const waiting = await inps.count();
        lag = await watch.lags();
        const behind = [...lag.values()].reduce((a, b) => a + b, 0);
        calm = behind === 0 && waiting === 0 ? calm + 1 : 0;
        if (calm >= 3) break;
        const shown = [
          ...[...lag].filter(([, n]) => n > 0).map(([g, n]) => `${g} ${n}`),
          ...(waiting === 0 ? [] : [`INPS records of ${waiting ?? '?'} people waiting for CO data`]),
        ].join(', ');
        if (Date.now() > deadline) {
          say(`${at()} not caught up in time: ${shown}`);
          break;
        }
        if (calm === 0) say(`${at()} behind: ${shown}`);
        await sleep(3_000);
      }
    } finally {
      await inps.close();
    }

    // On a cluster, every partition is fully replicated again before the topics are read back.
    let replicatedMs: number | undefined;
    if (settings.kafka.nodes.length >= 3) {
      replicatedMs = await untilFullyReplicated(watch, 300_000);
      say(
        replicatedMs === undefined
          ? `${at()} partitions still under-replicated after 300 s`
          : `${at()} every partition fully replicated and led (after ${(replicatedMs / 1000).toFixed(1)} s)`,
      );
    }

    say(`${at()} reading every topic back from the beginning…`);
    const held = readFileSync(journal, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { key: string }).key);
    const { observed, records } = await readBack({ kafka, serde, euresHeld: held, poison });
    const verdicts = [
      ...checkInvariants(observed),
      acknowledgedKept(
        acked,
        inputCounts(observed, (node) => nodeTopic.in(node as NodeId), Topic.inpsPercettori),
      ),
      ...(settings.kafka.nodes.length >= 3
        ? [
            {
              name: 'under-replicated partitions return to 0',
              checked: 1,
              violations: replicatedMs === undefined ? 1 : 0,
              examples: replicatedMs === undefined ? ['partitions still under-replicated 300 s after the traffic'] : [],
            },
          ]
        : []),
    ];
    say(`${at()} read ${records.toLocaleString('en')} records\n`);

    // A restart while the broker, the registry or Redis is away waits for them (the EURES forwarder also for
    // EURES): its recovery is marked, and the target is read over the others.
    const outageFor = (f: FaultRecord, o: FaultRecord): boolean =>
      o.kind !== 'SIGKILL' && (!o.kind.startsWith('EURES') || f.target === 'eures-forwarder');
    const overlapsOutage = (f: FaultRecord): boolean =>
      faults.some((o) => o !== f && outageFor(f, o) && f.atMs < o.atMs + o.tookMs && o.atMs < f.atMs + f.tookMs);
    const seconds = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(1));
    const faultRows = new Map<
      string,
      { count: number; took: number[]; processing: string[]; led: string[]; lag: string[] }
    >();
    for (const f of faults) {
      const key = `${f.kind}|${f.target}`;
      const row = faultRows.get(key) ?? { count: 0, took: [], processing: [], led: [], lag: [] };
      row.count++;
      row.took.push(f.tookMs);
      if (f.processingMs !== undefined)
        row.processing.push(`${seconds(f.processingMs)}${overlapsOutage(f) ? '*' : ''}`);
      if (f.recovery !== undefined) {
        row.led.push(seconds(f.recovery.ledMs));
        row.lag.push(seconds(f.recovery.lagMs));
      }
      faultRows.set(key, row);
    }
    const cluster = faults.some((f) => f.recovery !== undefined);
    say(
      table(
        [
          'fault',
          'target',
          'injected',
          'back after (s)',
          'committing again after restart (s)',
          ...(cluster ? ['every partition led after (s)', 'lag back after (s)'] : []),
        ],
        [...faultRows].map(([key, row]) => {
          const [kind, target] = key.split('|');
          const processing = row.processing.join(', ');
          return [
            kind ?? '',
            target ?? '',
            String(row.count),
            row.took.map(seconds).join(', '),
            processing,
            ...(cluster ? [row.led.join(', '), row.lag.join(', ')] : []),
          ];
        }),
      ),
    );
    const median = (values: readonly number[]): number | undefined =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const recoveries = faults.flatMap((f) => (f.processingMs === undefined ? [] : [f.processingMs]));
    const clear = faults.flatMap((f) => (f.processingMs === undefined || overlapsOutage(f) ? [] : [f.processingMs]));
    if (recoveries.length > 0) {
      say(
        `\nSIGKILLed services committing records again after their restart: ${recoveries.length} measured, ` +
          `median ${seconds(median(recoveries))} s, worst ${seconds(Math.max(...recoveries))} s; ` +
          `${recoveries.length - clear.length} of them (*) overlapped an outage of the broker, the registry or Redis (or EURES, for its forwarder); ` +
          (clear.length > 0
            ? `the ${clear.length} others: median ${seconds(median(clear))} s, worst ${seconds(Math.max(...clear))} s`
            : 'no others') +
          ' (target: within 10 s)',
      );
    }
    const exits = everyone.filter((s) => s.unplannedExits > 0 || s.failedStarts > 0);
    if (exits.length > 0) {
      say(
        `\nrestarts besides the kills: ${exits.map((s) => `${s.spec.name} exited by itself ${s.unplannedExits}×, failed to start ${s.failedStarts}×`).join('; ')}`,
      );
    }
    say(
      `\n${table(
        ['invariant', 'checked', 'violations'],
        verdicts.map((v) => [v.name, v.checked.toLocaleString('en'), String(v.violations)]),
      )}`,
    );
    const violations = verdicts.reduce((a, v) => a + v.violations, 0);
    for (const v of verdicts.filter((x) => x.violations > 0)) {
      say(`\n${v.name}: ${v.violations} violations, e.g.\n  ${v.examples.join('\n  ')}`);
    }
    const outcomes = new Map<string, number>();
    for (const r of observed.receipts) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    const messageOutcomes = new Map<string, number>();
    const messageReasons = new Map<string, number>();
    for (const r of observed.receipts.filter((x) => x.kind === 'MESSAGGIO')) {
      messageOutcomes.set(r.outcome, (messageOutcomes.get(r.outcome) ?? 0) + 1);
      for (const code of r.codes) messageReasons.set(code, (messageReasons.get(code) ?? 0) + 1);
    }
    const summary = {
      size: args.size,
      seed: args.seed,
      instances: args.instances,
      windowSeconds: window / 1000,
      submissions: observed.submissions.length,
      outcomes: Object.fromEntries(outcomes),
      deliveries: observed.deliveries.length,
      messages: {
        interest: observed.messages.filter((m) => m.tipo === '03').length,
        replies: observed.messages.filter((m) => m.tipo === '04').length,
        outcomes: Object.fromEntries(messageOutcomes),
        rejectedBecause: Object.fromEntries(messageReasons),
        delivered: observed.messageDeliveries.length,
      },
      euresDocuments: observed.eures.length,
      inpsRecords: observed.inps.length,
      expiries: observed.expired.length,
      deadLetters: observed.deadLetters.length,
      poison: poison.size,
      faults,
      restarts: everyone.map((s) => ({
        name: s.spec.name,
        kills: s.kills,
        unplannedExits: s.unplannedExits,
        failedStarts: s.failedStarts,
      })),
      invariants: verdicts,
      violations,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    say(
      `\nsubmissions ${summary.submissions.toLocaleString('en')} (${[...outcomes].map(([o, n]) => `${o} ${n}`).join(', ')}), node deliveries ${summary.deliveries.toLocaleString('en')}, contact messages ${summary.messages.interest.toLocaleString('en')} 03 and ${summary.messages.replies.toLocaleString('en')} 04 (${[...messageOutcomes].map(([o, n]) => `${o} ${n}`).join(', ')}; ${summary.messages.delivered.toLocaleString('en')} delivered; refused for ${[...messageReasons].map(([c, n]) => `${c} ${n}`).join(', ') || 'nothing'}), EURES documents ${summary.euresDocuments.toLocaleString('en')}, INPS records ${summary.inpsRecords.toLocaleString('en')}, expiries ${summary.expiries.toLocaleString('en')}, dead letters ${summary.deadLetters.toLocaleString('en')}; ${summary.seconds} s in all`,
    );
    mkdirSync('chaos-results', { recursive: true });
    const file = join('chaos-results', `chaos-${args.size}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(join('chaos-results', 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
    say(`results: ${file}`);
    say(violations === 0 ? '\nchaos: no violation' : `\nchaos: ${violations} violations`);
    return violations === 0 ? 0 : 1;
  } finally {
    watch.close();
    await producer?.disconnect().catch(() => undefined);
    await Promise.all(everyone.map((s) => s.stop()));
    if (args.keep)
      say(
        `the chaos stack keeps running (state ${settings.stateDir}); stop it with NCN_STATE_DIR=… npm run infra:down`,
      );
    else await down(settings, () => undefined);
  }
}

/** A summary of verdicts, for other callers (none yet). */
export type { Verdict };

main().then(
  (code) => exitProcess(code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exitProcess(2);
  },
);
