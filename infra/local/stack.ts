import { readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { topicCatalogue } from '../../contracts/topics';
import { createKafka, connectAdmin, javaAdmin, readPartitionHealth, type Quorum } from '../../services/runtime/kafka';
import { createLogger } from '../../services/runtime/logger';
import { ensureTopics } from '../../services/runtime/topics';
import { clusterLayoutPath, defaults, type ClusterLayout } from '../../services/runtime/config';
import {
  brokerAddress,
  brokerHealthy,
  kafkaHealthy,
  kafkaLibs,
  kafkaProcesses,
  resolveKafka,
  stackCredentials,
  stackClientProperties,
  startKafka,
  waitForKafka,
} from './kafka';
import { namespacedLayout, namespacesAvailable, removeNamespaces } from './netns';
import { processesWith, removeFile, runningProcess, stopProcess, type Managed, type ProcessRef } from './processes';
import { redisHealthy, redisProcess, startRedis, waitForRedis } from './redis';
import { registryHealthy, registryProcess, resolveRegistry, startRegistry, waitForRegistry } from './registry';
import { stopServices } from './services';
import { stackSettings, type StackSettings } from './settings';

/** One part of the stack as `status` sees it. */
export interface PartStatus {
  readonly name: PartName;
  readonly endpoint: string;
  readonly healthy: boolean;
  /** `ncn` when this stack started it (with its pids), `external` when something else answers there. */
  readonly owner: 'ncn' | 'external' | 'none';
  readonly pids?: readonly number[];
}

export type PartName = 'kafka' | 'schema-registry' | 'redis';

type Say = (line: string) => void;

interface Part {
  readonly name: PartName;
  readonly endpoint: (s: StackSettings) => string;
  /** Its processes (a broker each for Kafka). */
  readonly processes: (s: StackSettings) => Managed[];
  readonly healthy: (s: StackSettings) => Promise<boolean>;
  readonly resolve?: (s: StackSettings) => { resolved: boolean };
  /** Starts whichever of its processes is not running. */
  readonly start: (s: StackSettings) => ProcessRef[];
  readonly wait: (s: StackSettings, timeoutMs: number) => Promise<void>;
}

const parts: readonly Part[] = [
  {
    name: 'kafka',
    endpoint: (s) => s.config.kafka.brokers.join(','),
    processes: kafkaProcesses,
    healthy: kafkaHealthy,
    resolve: resolveKafka,
    start: startKafka,
    wait: waitForKafka,
  },
  {
    name: 'schema-registry',
    endpoint: (s) => s.config.registry.url,
    processes: (s) => [registryProcess(s)],
    healthy: registryHealthy,
    resolve: resolveRegistry,
    start: (s) => [startRegistry(s)],
    wait: waitForRegistry,
  },
  {
    name: 'redis',
    endpoint: (s) => s.config.redis.url,
    processes: (s) => [redisProcess(s)],
    healthy: redisHealthy,
    start: (s) => [startRedis(s)],
    wait: waitForRedis,
  },
];

const pidsOf = (refs: readonly ProcessRef[]): string =>
  `pid${refs.length === 1 ? '' : 's'} ${refs.map((r) => r.pid).join(', ')}`;

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function resolvePart(part: Part, s: StackSettings, say: Say): void {
  if (part.resolve === undefined) return;
  const started = Date.now();
  say(`resolving ${part.name} into ${s.cacheDir}…`);
  const { resolved } = part.resolve(s);
  say(resolved ? `  ${part.name} resolved in ${seconds(started)}` : `  ${part.name} already in the cache`);
}

/** Resolves what the stack runs from Maven Central into the cache (a no-op when already there). */
export function resolveStack(s: StackSettings, say: Say): void {
  for (const part of parts) resolvePart(part, s, say);
}

/** How `up` lays out Kafka: how many brokers, and whether each runs in a network namespace of its own. */
export interface UpOptions {
  /** Brokers [1; a cluster already made keeps its size]. */
  readonly brokers?: number;
  /** Each broker of a cluster in a namespace with its own address [when root and iproute2 allow]. */
  readonly namespaces?: boolean;
  readonly timeoutMs?: number;
}

/**
 * The layout of a new cluster of `brokers` at the address the configuration asks for: in namespaces (one address
 * per broker, the same port), or on that host at every other port from the configured one (9092, 9094, 9096: each
 * broker's controller on the port after its own).
 */
export function clusterLayout(s: StackSettings, brokers: number, namespaces: boolean): ClusterLayout {
  const base = s.env.NCN_KAFKA_BROKERS || defaults.NCN_KAFKA_BROKERS;
  if (namespaces) return namespacedLayout(base, s.kafka.port, brokers);
  return {
    base,
    brokers: Array.from({ length: brokers }, (_, i) => ({
      id: i + 1,
      host: s.kafka.host,
      port: s.kafka.port + 2 * i,
      controllerPort: s.kafka.port + 2 * i + 1,
    })),
  };
}

/**
 * Lays out the cluster a new stack is asked for (`options.brokers` above 1: written in the state folder for every
 * later command), or checks that the one already there has the size asked. Returns the settings that follow.
 */
function withCluster(s: StackSettings, options: UpOptions, say: Say): StackSettings {
  const asked = options.brokers;
  const size = s.kafka.nodes.length;
  if (asked === undefined || asked === size) return s;
  if (size > 1 || runningBrokers(s) > 0) {
    throw new Error(
      `this stack runs ${size} broker${size === 1 ? '' : 's'}; \`ncn infra down\` first to start it with ${asked}`,
    );
  }
  if (asked === 1) return s;
  const namespaces = options.namespaces ?? namespacesAvailable();
  if (namespaces && !namespacesAvailable()) throw new Error('brokers in namespaces need root and iproute2 (ip)');
  const layout = clusterLayout(s, asked, namespaces);
  mkdirSync(s.stateDir, { recursive: true });
  writeFileSync(clusterLayoutPath(s.stateDir), `${JSON.stringify(layout, null, 2)}\n`);
  say(
    `kafka: a cluster of ${asked} brokers at ${layout.brokers.map((b) => `${b.host}:${b.port}`).join(', ')}` +
      (namespaces ? ' (each in a network namespace of its own)' : ''),
  );
  return stackSettings(s.env);
}

const runningBrokers = (s: StackSettings): number =>
  kafkaProcesses(s).filter((p) => runningProcess(p) !== undefined).length;

/**
 * Brings every part up and waits until each is healthy. A part that already answers at its endpoint (ours
 * from an earlier `up`, or someone else's) is used as it is, and one of ours still starting is waited for, so
 * `up` is idempotent. Resolves only what it is about to start. Then creates the topic catalogue, replicated as the
 * cluster allows.
 */
export async function up(given: StackSettings, say: Say, options: UpOptions = {}): Promise<PartStatus[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const s = withCluster(given, options, say);
  const started = Date.now();
  const outcomes = await Promise.allSettled(
    parts.map(async (part) => {
      if (await part.healthy(s)) {
        say(`${part.name}: already answering at ${part.endpoint(s)}`);
        return;
      }
      const t0 = Date.now();
      const running = part.processes(s).flatMap((p) => runningProcess(p) ?? []);
      if (running.length === part.processes(s).length) {
        say(`${part.name}: already starting (${pidsOf(running)}), waiting until healthy…`);
      } else {
        resolvePart(part, s, say);
        const refs = part.start(s);
        say(`${part.name}: started (${pidsOf(refs)}), waiting until healthy…`);
      }
      await part.wait(s, timeoutMs);
      say(`${part.name}: healthy at ${part.endpoint(s)} after ${seconds(t0)}`);
    }),
  );
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  if (failures.length > 0) {
    throw new Error(failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n'));
  }
  say(`all parts healthy ${seconds(started)} after up began`);
  // The stack's own super user (its credentials were written when Kafka was first started), else the configured ones.
  const config = { ...s.config, kafka: { ...s.config.kafka, sasl: stackCredentials(s) } };
  // Quiet: createTopics polls new partitions until each has a leader; the client's warnings meanwhile are expected.
  const admin = await connectAdmin(createKafka(config, createLogger('infra', 'fatal'), 'ncn-infra'));
  try {
    const { created, existing } = await ensureTopics(admin, topicCatalogue, s.config.kafka.replicationFactor);
    say(`topics: ${created.length} created, ${existing.length} already there`);
  } finally {
    await admin.disconnect();
  }
  return status(s);
}

/**
 * Stops what this stack started (never an external service), all parts or only those named, and removes their
 * state (the state folder itself once empty) unless kept.
 */
export async function down(
  s: StackSettings,
  say: Say,
  options: { keepData?: boolean; only?: readonly PartName[] } = {},
): Promise<void> {
  const chosen = parts.filter((p) => options.only === undefined || options.only.includes(p.name));
  // The node's services started by the demo go first: they use the servers.
  if (options.only === undefined) {
    await stopServices(s, say);
    if (!options.keepData) rmSync(join(s.stateDir, 'services'), { recursive: true, force: true });
  }
  for (const part of [...chosen].reverse()) {
    const refs = new Map<number, ProcessRef>();
    for (const proc of part.processes(s)) {
      for (const ref of proc.markerIsUnique ? processesWith(proc.marker) : []) refs.set(ref.pid, ref);
      const own = runningProcess(proc);
      if (own !== undefined) refs.set(own.pid, own);
    }
    await Promise.all(
      [...refs.values()].map(async (ref) => {
        const how = await stopProcess(ref, 30_000);
        say(`${part.name}: stopped pid ${ref.pid} (${how})`);
      }),
    );
    if (refs.size === 0) say(`${part.name}: not running from this stack`);
    for (const proc of part.processes(s)) {
      removeFile(proc.pidFile);
      if (!options.keepData) rmSync(dirname(proc.pidFile), { recursive: true, force: true });
    }
  }
  // Kafka's data is gone: so are the credentials of its users (the admin's, and those `ncn security provision` made),
  // and the cluster's layout and namespaces.
  if (!options.keepData && chosen.some((p) => p.name === 'kafka')) {
    rmSync(stackClientProperties(s), { force: true });
    rmSync(join(s.stateDir, 'credentials'), { recursive: true, force: true });
    if (s.kafka.cluster !== undefined) removeNamespaces(s.kafka.cluster);
    rmSync(clusterLayoutPath(s.stateDir), { force: true });
  }
  if (!options.keepData && isEmptyDir(s.stateDir)) {
    rmSync(s.stateDir, { recursive: true, force: true });
    say(`removed ${s.stateDir}`);
  }
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

/** Health and ownership of each part. */
export async function status(s: StackSettings): Promise<PartStatus[]> {
  return Promise.all(
    parts.map(async (part): Promise<PartStatus> => {
      const healthy = await part.healthy(s);
      const refs = part.processes(s).flatMap((p) => runningProcess(p) ?? []);
      const owner = refs.length > 0 ? 'ncn' : healthy ? 'external' : 'none';
      return {
        name: part.name,
        endpoint: part.endpoint(s),
        healthy,
        owner,
        ...(refs.length === 0 ? {} : { pids: refs.map((r) => r.pid) }),
      };
    }),
  );
}

/** One broker as `status` sees it. */
export interface BrokerStatus {
  readonly id: number;
  readonly address: string;
  /** Whether it answers a metadata request at its own address. */
  readonly answers: boolean;
  /** Its part in the KRaft controller quorum: the leader (the active controller), a voter, or unknown. */
  readonly controller: 'leader' | 'voter' | 'unknown';
  /** Partitions it leads. */
  readonly leads: number;
}

/** The brokers, their controller roles, and the partitions short of replicas or of a leader. */
export interface ClusterStatus {
  readonly brokers: readonly BrokerStatus[];
  /** Partitions with fewer replicas in sync than assigned (undefined: no broker answered). */
  readonly underReplicated?: number;
  /** Partitions without a leader. */
  readonly unled?: number;
}

/** Each broker of the stack, its controller role and leadership, and the partitions under-replicated or unled. */
export async function clusterStatus(s: StackSettings): Promise<ClusterStatus> {
  const answers = await Promise.all(s.kafka.nodes.map((node) => brokerHealthy(s, node)));
  const config = { ...s.config, kafka: { ...s.config.kafka, sasl: stackCredentials(s) } };
  const leads = new Map<number, number>();
  let underReplicated: number | undefined;
  let unled: number | undefined;
  let quorum: Quorum | undefined;
  if (answers.some(Boolean)) {
    // Metadata unreadable (no controller quorum, say): the brokers' answers are all there is to show.
    const health = await readPartitionHealth(createKafka(config, createLogger('infra', 'fatal'), 'ncn-infra')).catch(
      () => undefined,
    );
    if (health !== undefined) {
      underReplicated = health.underReplicated;
      unled = health.unled;
      for (const [id, n] of health.leads) leads.set(id, n);
    }
    // A hung broker answers nothing, not even no: the quorum is given 15 s, then shown as unknown.
    quorum = await Promise.race([
      javaAdmin(config, kafkaLibs(s))
        .quorum()
        .catch(() => undefined),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 15_000).unref()),
    ]);
  }
  return {
    brokers: s.kafka.nodes.map((node, i) => ({
      id: node.id,
      address: brokerAddress(node),
      answers: answers[i] === true,
      controller:
        quorum === undefined
          ? 'unknown'
          : quorum.leader === node.id
            ? 'leader'
            : quorum.voters.some((v) => v.id === node.id)
              ? 'voter'
              : 'unknown',
      leads: leads.get(node.id) ?? 0,
    })),
    ...(underReplicated === undefined ? {} : { underReplicated }),
    ...(unled === undefined ? {} : { unled }),
  };
}
