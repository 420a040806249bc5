import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A process of the stack, known by its pid file. */
export interface Managed {
  readonly name: string;
  readonly pidFile: string;
  /** A string the process' command line contains, so a recycled pid is never mistaken for ours. */
  readonly marker: string;
  /**
   * True when the marker names this stack alone (it holds the state folder), so a process found by it is ours
   * even when its pid file was lost. False when another program could show the same command line (a Redis
   * started by someone else on the same address): then only the pid file counts.
   */
  readonly markerIsUnique: boolean;
}

/** A process' command line, arguments joined by single spaces and followed by one. */
export function commandLine(pid: number): string | undefined {
  try {
    return `${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trimEnd()} `;
  } catch {
    return undefined;
  }
}

const hasMarker = (pid: number, marker: string): boolean => commandLine(pid)?.includes(`${marker} `) === true;

/** The pid of a managed process when it is alive and still ours. */
export function runningPid(proc: Managed): number | undefined {
  if (!existsSync(proc.pidFile)) return undefined;
  const pid = Number(readFileSync(proc.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return hasMarker(pid, proc.marker) ? pid : undefined;
}

/** Starts a detached process writing to a log file; it outlives this one. */
export function startDetached(
  proc: Managed,
  command: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): number {
  mkdirSync(dirname(options.logFile), { recursive: true });
  mkdirSync(dirname(proc.pidFile), { recursive: true });
  const out = openSync(options.logFile, 'a');
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
  });
  if (child.pid === undefined) throw new Error(`Could not start ${proc.name} (${command})`);
  child.unref();
  writeFileSync(proc.pidFile, `${child.pid}\n`);
  return child.pid;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return commandLine(pid) !== undefined && !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after the grace period. Resolves when the process is gone. */
export async function stopPid(pid: number, graceMs: number): Promise<'terminated' | 'killed'> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'terminated';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return 'terminated';
    await sleep(200);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  while (alive(pid)) await sleep(100);
  return 'killed';
}

/** Every live process whose command line contains the marker (orphans whose pid file was lost included). */
export function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && hasMarker(pid, marker) && !isZombie(pid));
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** Runs a command to completion, streaming nothing; returns its exit status and combined output. */
export function run(command: string, args: readonly string[], cwd?: string): { status: number; output: string } {
  const result = spawnSync(command, [...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) return { status: 127, output: result.error.message };
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Polls until check() is true or the time is up. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; failFast?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check()) return;
    const fatal = options.failFast?.();
    if (fatal !== undefined) throw new Error(`${what}: ${fatal}`);
    if (Date.now() > deadline) throw new Error(`${what}: not healthy after ${options.timeoutMs / 1000} s`);
    await sleep(options.intervalMs ?? 250);
  }
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
