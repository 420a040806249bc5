import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ThreadPoolEnv } from '../../services/runtime/kafka';

const root = join(__dirname, '../..');

/** A service running as its own process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Resolves once the service logged that it runs. */
  readonly ready: Promise<void>;
}

/**
 * Starts a service (`services/<name>/main.ts`) as its own process, the way an operator starts it, with extra
 * environment. node with tsx's loader, not the tsx command: that one runs the script in a child process, which a
 * kill of the parent would leave running. NCN_CRASH_LOG names a file that receives the process's log.
 */
export function startService(name: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, `services/${name}/main.ts`)], {
    cwd: root,
    env: { ...ThreadPoolEnv, ...process.env, NCN_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.NCN_CRASH_LOG) appendFileSync(process.env.NCN_CRASH_LOG, chunk);
      log = (log + chunk.toString()).slice(-20_000);
      if (log.includes(`${name} running`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${log}`)));
  });
  return { child, ready };
}

/** Stops a process gracefully, or kills it after 15 s; resolves when it is gone. */
export async function stopService(service: ServiceProcess | undefined): Promise<void> {
  const child = service?.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Kills a process with SIGKILL and resolves when it is gone. */
export async function killService(service: ServiceProcess): Promise<void> {
  const child = service.child;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
