import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeFile, runningProcess, startDetached, stopProcess, type Managed } from './processes';
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
export const serviceLog = (s: StackSettings, name: ServiceName): string => join(dir(s), `${name}.log`);

function managed(s: StackSettings, name: ServiceName): Managed {
  // The command line names the service's file, which other checkouts could run too: only the pid file counts.
  return { name, pidFile: join(dir(s), `${name}.pid`), marker: entry[name][0] ?? name, markerIsUnique: false };
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
): Promise<'started' | 'running'> {
  const proc = managed(s, name);
  if (runningProcess(proc) !== undefined) return 'running';
  const log = serviceLog(s, name);
  const before = existsSync(log) ? readFileSync(log).length : 0;
  const ref = startDetached(proc, process.execPath, ['--import', 'tsx', ...entry[name]], {
    cwd: root,
    logFile: log,
    env: { ...process.env, ...env },
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(log).subarray(before).toString('utf8');
    if (text.includes(readyLine[name])) return 'started';
    if (runningProcess(proc)?.pid !== ref.pid) throw new Error(`${name} exited while starting; see ${log}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start within ${timeoutMs / 1000} s; see ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops every service started from this state folder (by pid file), gracefully first. */
export async function stopServices(s: StackSettings, say: (line: string) => void): Promise<void> {
  if (!existsSync(dir(s))) return;
  const names = readdirSync(dir(s))
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -4) as ServiceName);
  await Promise.all(
    names.map(async (name) => {
      const proc = managed(s, name);
      const ref = runningProcess(proc);
      if (ref !== undefined) say(`${name}: stopped pid ${ref.pid} (${await stopProcess(ref, 15_000)})`);
      removeFile(proc.pidFile);
    }),
  );
}
