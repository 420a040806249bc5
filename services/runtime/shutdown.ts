import { spawn } from 'node:child_process';
import { ErrorCode, NcnError } from './errors';
import type { Logger } from './logger';

type Hook = { readonly name: string; readonly close: () => Promise<void> | void };

/** Graceful shutdown: one idempotent call, hooks run in reverse order of registration, under a deadline. */
export interface Shutdown {
  /** Registers something to close; the last registered closes first (consumers before the clients they use). */
  onShutdown(name: string, close: () => Promise<void> | void): void;
  /** Closes everything once; later calls return the same promise. Rejects with NCN_SHUTDOWN_TIMEOUT on deadline. */
  shutdown(reason: string): Promise<void>;
}

export function createShutdown(options: { timeoutMs: number; logger: Logger }): Shutdown {
  const hooks: Hook[] = [];
  let closing: Promise<void> | undefined;

  async function runHooks(): Promise<void> {
    for (const hook of [...hooks].reverse()) {
      try {
        await hook.close();
      } catch (error) {
        options.logger.error({ err: error, hook: hook.name }, 'shutdown hook failed');
      }
    }
  }

  return {
    onShutdown(name, close) {
      hooks.push({ name, close });
    },
    shutdown(reason) {
      if (closing !== undefined) return closing;
      options.logger.info({ reason }, 'shutting down');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new NcnError(ErrorCode.ShutdownTimeout, `Shutdown did not finish within ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      });
      closing = Promise.race([runHooks(), deadline]).finally(() => clearTimeout(timer));
      return closing;
    },
  };
}

/** Calls shutdown on SIGINT/SIGTERM and exits: 0 when everything closed in time, 1 otherwise. */
export function exitOnSignals(shutdown: Shutdown, logger: Logger): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shutdown.shutdown(signal).then(
        () => exitProcess(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown incomplete');
          exitProcess(1);
        },
      );
    });
  }
}

/** How long a process that called exitProcess may take to end before its watchdog SIGKILLs it. */
export const ExitPatienceMs = 10_000;

/** The watchdog: polls the process (argv[1]) until it is gone, or SIGKILLs it after argv[2] ms. Plain JS. */
const Watchdog = `
const [pid, patience] = process.argv.slice(1).map(Number);
const deadline = Date.now() + patience;
setInterval(() => {
  try { process.kill(pid, 0); } catch { process.exit(0); }
  if (Date.now() < deadline) return;
  try { process.kill(pid, 'SIGKILL'); } catch {}
  process.exit(0);
}, 100);`;

/**
 * Ends the process with `code`, and makes sure it ends. process.exit first waits for every job of libuv's
 * thread pool to return, and a Kafka client call stays in the pool for as long as librdkafka does not answer:
 * forever when its handle deadlocked (librdkafka issue #5476, a lock-order inversion when a broker leaves the
 * metadata while an OffsetForLeaderEpoch request is in flight). Such a process would hang in exit, and its
 * supervisor would never start it again. So a detached watchdog process is started first; it SIGKILLs this one
 * if it still runs `patienceMs` later, and ends by itself as soon as this one is gone.
 */
export function exitProcess(code: number, patienceMs = ExitPatienceMs): never {
  try {
    spawn(process.execPath, ['-e', Watchdog, String(process.pid), String(patienceMs)], {
      detached: true,
      stdio: 'ignore',
      // Plain node: no loader options (tsx) from the environment.
      env: { PATH: process.env.PATH ?? '' },
    }).unref();
  } catch {
    // No watchdog (no process could be started): exit as Node does.
  }
  process.exit(code);
}
