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
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown incomplete');
          process.exit(1);
        },
      );
    });
  }
}
