import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeFile, runningProcess, startDetached, stopProcess, type Managed } from './processes';
import { kafkaLibs } from './kafka';
import { ThreadPoolEnv } from '../../services/runtime/kafka';
import type { StackSettings } from './settings';

/** The node's services, each `services/<dir>/main.ts`, logging "<name> running" once it runs. */
export const ServiceNames = [
  'ingest',
  'enricher',
  'dispatcher',
  'scheduler',
  'eures-forwarder',
  'audit-indexer',
  'lag-monitor',
] as const;
export type ServiceName = (typeof ServiceNames)[number] | 'eures-stub';

const root = resolve(__dirname, '../..');
const entry: Record<ServiceName, string[]> = {
  ingest: ['services/ingest/main.ts'],
  enricher: ['services/enricher/main.ts'],
  dispatcher: ['services/dispatcher/main.ts'],
  scheduler: ['services/scheduler/main.ts'],
  'eures-forwarder': ['services/eures/main.ts'],
  'lag-monitor': ['services/lag/main.ts'],
  'audit-indexer': ['services/audit/main.ts'],
  'eures-stub': ['services/cli/main.ts', 'eures-stub'],
};
const readyLine: Record<ServiceName, string> = {
  ingest: 'ingest running',
  enricher: 'enricher running',
  dispatcher: 'dispatcher running',
  scheduler: 'scheduler running',
  'eures-forwarder': 'eures-forwarder running',
  'lag-monitor': 'lag-monitor running',
  'audit-indexer': 'audit-indexer running',
  'eures-stub': 'EURES receiver listening',
};

const dir = (s: StackSettings): string => join(s.stateDir, 'services');

/** How one process of a service is known: its name, or `<name>@<n>` for instance n > 1 of the same service. */
const processName = (name: ServiceName, instance = 1): string => (instance > 1 ? `${name}@${instance}` : name);

export const serviceLog = (s: StackSettings, name: ServiceName, instance = 1): string =>
  join(dir(s), `${processName(name, instance)}.log`);

function managed(s: StackSettings, name: ServiceName, instance = 1): Managed {
  // The command line names the service's file, which other checkouts could run too: only the pid file counts.
  const id = processName(name, instance);
  return { name: id, pidFile: join(dir(s), `${id}.pid`), marker: entry[name][0] ?? name, markerIsUnique: false };
}

/** How to start a service beyond its environment; defaults in brackets. */
export interface ServiceStartOptions {
  /** Which process of the service [1]: several instances of one service run side by side, each with its own pid file and log. */
  readonly instance?: number;
  /** Arguments for node itself, before the loader (e.g. `--cpu-prof`) [none]. */
  readonly nodeArgs?: readonly string[];
  /** Arguments after the service's entry (e.g. the EURES receiver's `--port`) [none]. */
  readonly args?: readonly string[];
}

/** The pid of a service's process started from this state folder, while it runs. */
export function servicePid(s: StackSettings, name: ServiceName, instance = 1): number | undefined {
  return runningProcess(managed(s, name, instance))?.pid;
}

/**
 * Starts a service as a detached process (node with tsx's loader, from the sources) unless it already runs,
 * and waits for its "running" line in its log. It outlives the command; `stopServices` (and `infra down`) stop it.
 */
export async function startService(
  s: StackSettings,
  name: ServiceName,
  env: Record<string, string>,
  timeoutMs = 120_000,
  options: ServiceStartOptions = {},
): Promise<'started' | 'running'> {
  const instance = options.instance ?? 1;
  const proc = managed(s, name, instance);
  if (runningProcess(proc) !== undefined) return 'running';
  const log = serviceLog(s, name, instance);
  const before = existsSync(log) ? readFileSync(log).length : 0;
  const ref = startDetached(
    proc,
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', ...entry[name], ...(options.args ?? [])],
    { cwd: root, logFile: log, env: { ...ThreadPoolEnv, NCN_KAFKA_LIBS: kafkaLibs(s), ...process.env, ...env } },
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(log).subarray(before).toString('utf8');
    if (text.includes(readyLine[name])) return 'started';
    if (runningProcess(proc)?.pid !== ref.pid) throw new Error(`${proc.name} exited while starting; see ${log}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not start within ${timeoutMs / 1000} s; see ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops every service started from this state folder (by pid file, every instance), gracefully first. */
export async function stopServices(s: StackSettings, say: (line: string) => void): Promise<void> {
  if (!existsSync(dir(s))) return;
  const ids = readdirSync(dir(s))
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -4));
  await Promise.all(
    ids.map(async (id) => {
      const [name, n] = id.split('@') as [ServiceName, string | undefined];
      const proc = managed(s, name, n === undefined ? 1 : Number(n));
      const ref = runningProcess(proc);
      if (ref !== undefined) say(`${id}: stopped pid ${ref.pid} (${await stopProcess(ref, 15_000)})`);
      removeFile(proc.pidFile);
    }),
  );
}
