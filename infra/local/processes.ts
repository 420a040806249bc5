import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A process of the stack, known by its pid file. */
export interface Managed {
  readonly name: string;
  readonly pidFile: string;
  /** A string the process' command line contains. */
  readonly marker: string;
  /**
   * True when the marker names this stack alone (it holds the state folder), so a process found by it is ours
   * even when its pid file was lost. False when another program could show the same command line (a Redis
   * started by someone else on the same address): then only the pid file counts.
   */
  readonly markerIsUnique: boolean;
}

/** A process by pid and start time (in clock ticks since boot), so a recycled pid is never mistaken for it. */
export interface ProcessRef {
  readonly pid: number;
  readonly startTime: string;
}

/** A process' command line, arguments joined by single spaces and followed by one. */
export function commandLine(pid: number): string | undefined {
  try {
    return `${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trimEnd()} `;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat; the fields after the command name, which may hold spaces and parentheses. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

const hasMarker = (pid: number, marker: string): boolean => commandLine(pid)?.includes(`${marker} `) === true;

/** True while the very process the reference names is alive (not a zombie, not a recycled pid). */
export function isAlive(ref: ProcessRef): boolean {
  return startTime(ref.pid) === ref.startTime;
}

/** The managed process when its pid file names a live process that is still the one started. */
export function runningProcess(proc: Managed): ProcessRef | undefined {
  if (!existsSync(proc.pidFile)) return undefined;
  const [pidText, recorded] = readFileSync(proc.pidFile, 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || recorded === undefined) return undefined;
  const ref = { pid, startTime: recorded };
  return isAlive(ref) && hasMarker(pid, proc.marker) ? ref : undefined;
}

/** Starts a detached process writing to a log file; it outlives this one. Records pid and start time. */
export function startDetached(
  proc: Managed,
  command: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): ProcessRef {
  mkdirSync(dirname(options.logFile), { recursive: true });
  mkdirSync(dirname(proc.pidFile), { recursive: true });
  const out = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', out, out],
      env: options.env ?? process.env,
    });
    child.on('error', () => undefined); // a failed start shows as a missing process and in the log
    const started = child.pid === undefined ? undefined : startTime(child.pid);
    if (child.pid === undefined || started === undefined) throw new Error(`Could not start ${proc.name} (${command})`);
    child.unref();
    writeFileSync(proc.pidFile, `${child.pid} ${started}\n`);
    return { pid: child.pid, startTime: started };
  } finally {
    closeSync(out);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function signal(ref: ProcessRef, name: NodeJS.Signals): void {
  if (!isAlive(ref)) return;
  try {
    process.kill(ref.pid, name);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPERM') throw new Error(`Not allowed to stop pid ${ref.pid}: it belongs to another user.`);
    if (code !== 'ESRCH') throw e;
  }
}

/** SIGTERM, then SIGKILL after the grace period; each signal only while the process is still the same one. */
export async function stopProcess(ref: ProcessRef, graceMs: number): Promise<'terminated' | 'killed'> {
  signal(ref, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(ref)) return 'terminated';
    await sleep(200);
  }
  signal(ref, 'SIGKILL');
  while (isAlive(ref)) await sleep(100);
  return 'killed';
}

/** Every live process whose command line carries the marker (orphans whose pid file was lost included). */
export function processesWith(marker: string): ProcessRef[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && hasMarker(pid, marker))
    .flatMap((pid) => {
      const started = startTime(pid);
      return started === undefined ? [] : [{ pid, startTime: started }];
    });
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** Runs a command to completion; returns its exit status and combined output. */
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
