import { rmSync } from 'node:fs';
import { topicCatalogue } from '../../contracts/topics';
import { createKafka, connectAdmin } from '../../services/runtime/kafka';
import { createLogger } from '../../services/runtime/logger';
import { ensureTopics } from '../../services/runtime/topics';
import { kafkaHealthy, kafkaProcess, resolveKafka, startKafka, waitForKafka } from './kafka';
import { processesWith, removeFile, runningPid, stopPid, type Managed } from './processes';
import { redisHealthy, redisProcess, startRedis, waitForRedis } from './redis';
import { registryHealthy, registryProcess, resolveRegistry, startRegistry, waitForRegistry } from './registry';
import type { StackSettings } from './settings';

/** One part of the stack as `status` sees it. */
export interface PartStatus {
  readonly name: 'kafka' | 'schema-registry' | 'redis';
  readonly endpoint: string;
  readonly healthy: boolean;
  /** `ncn` when this stack started it (with its pid), `external` when something else answers there. */
  readonly owner: 'ncn' | 'external' | 'none';
  readonly pid?: number;
}

type Say = (line: string) => void;

interface Part {
  readonly name: PartStatus['name'];
  readonly endpoint: (s: StackSettings) => string;
  readonly process: (s: StackSettings) => Managed;
  readonly healthy: (s: StackSettings) => Promise<boolean>;
  readonly resolve?: (s: StackSettings) => { resolved: boolean };
  readonly start: (s: StackSettings) => number;
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

/** Resolves what the stack runs from Maven Central into the cache (a no-op when already there). */
export function resolveStack(s: StackSettings, say: Say): void {
  for (const part of parts) {
    if (part.resolve === undefined) continue;
    const started = Date.now();
    say(`resolving ${part.name} into ${s.cacheDir}…`);
    const { resolved } = part.resolve(s);
    say(resolved ? `  ${part.name} resolved in ${seconds(started)}` : `  ${part.name} already in the cache`);
  }
}

/**
 * Brings every part up and waits until each is healthy. A part that already answers at its endpoint (ours
 * from an earlier `up`, or someone else's) is used as it is, so `up` is idempotent. Then creates the topic
 * catalogue.
 */
export async function up(s: StackSettings, say: Say, timeoutMs = 120_000): Promise<PartStatus[]> {
  const started = Date.now();
  resolveStack(s, say);
  const startedAt = Date.now();
  await Promise.all(
    parts.map(async (part) => {
      if (await part.healthy(s)) {
        say(`${part.name}: already answering at ${part.endpoint(s)}`);
        return;
      }
      const t0 = Date.now();
      const pid = part.start(s);
      say(`${part.name}: started (pid ${pid}), waiting until healthy…`);
      await part.wait(s, timeoutMs);
      say(`${part.name}: healthy at ${part.endpoint(s)} after ${seconds(t0)}`);
    }),
  );
  say(`all parts healthy ${seconds(startedAt)} after start (${seconds(started)} with resolution)`);
  const logger = createLogger('infra', 'warn');
  const admin = await connectAdmin(createKafka(s.config, logger, 'ncn-infra'));
  try {
    const { created, existing } = await ensureTopics(admin, topicCatalogue, s.config.kafka.replicationFactor);
    say(`topics: ${created.length} created, ${existing.length} already there`);
  } finally {
    await admin.disconnect();
  }
  return status(s);
}

/**
 * Stops what this stack started (never an external service), all parts or only those named, and removes the
 * state folder unless kept.
 */
export async function down(
  s: StackSettings,
  say: Say,
  options: { keepData?: boolean; only?: readonly PartStatus['name'][] } = {},
): Promise<void> {
  const chosen = parts.filter((p) => options.only === undefined || options.only.includes(p.name));
  for (const part of [...chosen].reverse()) {
    const proc = part.process(s);
    const pids = new Set<number>(proc.markerIsUnique ? processesWith(proc.marker) : []);
    const pid = runningPid(proc);
    if (pid !== undefined) pids.add(pid);
    for (const p of pids) {
      const how = await stopPid(p, 30_000);
      say(`${part.name}: stopped pid ${p} (${how})`);
    }
    if (pids.size === 0) say(`${part.name}: not running from this stack`);
    removeFile(proc.pidFile);
  }
  if (!options.keepData) {
    rmSync(s.stateDir, { recursive: true, force: true });
    say(`removed ${s.stateDir}`);
  }
}

/** Health and ownership of each part. */
export async function status(s: StackSettings): Promise<PartStatus[]> {
  return Promise.all(
    parts.map(async (part): Promise<PartStatus> => {
      const healthy = await part.healthy(s);
      const pid = runningPid(part.process(s));
      const owner = pid !== undefined ? 'ncn' : healthy ? 'external' : 'none';
      return { name: part.name, endpoint: part.endpoint(s), healthy, owner, ...(pid === undefined ? {} : { pid }) };
    }),
  );
}
