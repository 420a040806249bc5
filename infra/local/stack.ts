import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { topicCatalogue } from '../../contracts/topics';
import { createKafka, connectAdmin } from '../../services/runtime/kafka';
import { createLogger } from '../../services/runtime/logger';
import { ensureTopics } from '../../services/runtime/topics';
import {
  kafkaHealthy,
  kafkaProcess,
  resolveKafka,
  stackCredentials,
  stackClientProperties,
  startKafka,
  waitForKafka,
} from './kafka';
import { processesWith, removeFile, runningProcess, stopProcess, type Managed, type ProcessRef } from './processes';
import { redisHealthy, redisProcess, startRedis, waitForRedis } from './redis';
import { registryHealthy, registryProcess, resolveRegistry, startRegistry, waitForRegistry } from './registry';
import { stopServices } from './services';
import type { StackSettings } from './settings';

/** One part of the stack as `status` sees it. */
export interface PartStatus {
  readonly name: PartName;
  readonly endpoint: string;
  readonly healthy: boolean;
  /** `ncn` when this stack started it (with its pid), `external` when something else answers there. */
  readonly owner: 'ncn' | 'external' | 'none';
  readonly pid?: number;
}

export type PartName = 'kafka' | 'schema-registry' | 'redis';

type Say = (line: string) => void;

interface Part {
  readonly name: PartName;
  readonly endpoint: (s: StackSettings) => string;
  readonly process: (s: StackSettings) => Managed;
  readonly healthy: (s: StackSettings) => Promise<boolean>;
  readonly resolve?: (s: StackSettings) => { resolved: boolean };
  readonly start: (s: StackSettings) => ProcessRef;
  readonly wait: (s: StackSettings, timeoutMs: number) => Promise<void>;
}

const parts: readonly Part[] = [
  {
    name: 'kafka',
    endpoint: (s) => s.config.kafka.brokers.join(','),
    process: kafkaProcess,
    healthy: kafkaHealthy,
    resolve: resolveKafka,
    start: startKafka,
    wait: waitForKafka,
  },
  {
    name: 'schema-registry',
    endpoint: (s) => s.config.registry.url,
    process: registryProcess,
    healthy: registryHealthy,
    resolve: resolveRegistry,
    start: startRegistry,
    wait: waitForRegistry,
  },
  {
    name: 'redis',
    endpoint: (s) => s.config.redis.url,
    process: redisProcess,
    healthy: redisHealthy,
    start: startRedis,
    wait: waitForRedis,
  },
];

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

/**
 * Brings every part up and waits until each is healthy. A part that already answers at its endpoint (ours
 * from an earlier `up`, or someone else's) is used as it is, and one of ours still starting is waited for, so
 * `up` is idempotent. Resolves only what it is about to start. Then creates the topic catalogue.
 */
export async function up(s: StackSettings, say: Say, timeoutMs = 120_000): Promise<PartStatus[]> {
  const started = Date.now();
  const outcomes = await Promise.allSettled(
    parts.map(async (part) => {
      if (await part.healthy(s)) {
        say(`${part.name}: already answering at ${part.endpoint(s)}`);
        return;
      }
      const t0 = Date.now();
      const running = runningProcess(part.process(s));
      if (running !== undefined) {
        say(`${part.name}: already starting (pid ${running.pid}), waiting until healthy…`);
      } else {
        resolvePart(part, s, say);
        const ref = part.start(s);
        say(`${part.name}: started (pid ${ref.pid}), waiting until healthy…`);
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
    const proc = part.process(s);
    const refs = new Map<number, ProcessRef>();
    for (const ref of proc.markerIsUnique ? processesWith(proc.marker) : []) refs.set(ref.pid, ref);
    const own = runningProcess(proc);
    if (own !== undefined) refs.set(own.pid, own);
    for (const ref of refs.values()) {
      const how = await stopProcess(ref, 30_000);
      say(`${part.name}: stopped pid ${ref.pid} (${how})`);
    }
    if (refs.size === 0) say(`${part.name}: not running from this stack`);
    removeFile(proc.pidFile);
    if (!options.keepData) rmSync(dirname(proc.pidFile), { recursive: true, force: true });
  }
  // Kafka's data is gone: so are the credentials of its users (the admin's, and those `ncn security provision` made).
  if (!options.keepData && chosen.some((p) => p.name === 'kafka')) {
    rmSync(stackClientProperties(s), { force: true });
    rmSync(join(s.stateDir, 'credentials'), { recursive: true, force: true });
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
      const ref = runningProcess(part.process(s));
      const owner = ref !== undefined ? 'ncn' : healthy ? 'external' : 'none';
      return {
        name: part.name,
        endpoint: part.endpoint(s),
        healthy,
        owner,
        ...(ref === undefined ? {} : { pid: ref.pid }),
      };
    }),
  );
}
