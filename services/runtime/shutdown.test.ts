import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createShutdown } from './shutdown';

const logger = pino({ level: 'silent' });

describe('createShutdown', () => {
  it('closes in reverse order of registration, once, however often it is called', async () => {
    const closed: string[] = [];
    const shutdown = createShutdown({ timeoutMs: 1_000, logger });
    shutdown.onShutdown('kafka client', () => void closed.push('kafka client'));
    shutdown.onShutdown('consumer', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      closed.push('consumer');
    });
    const first = shutdown.shutdown('SIGTERM');
    const second = shutdown.shutdown('SIGINT');
    expect(second).toBe(first);
    await first;
    expect(closed).toEqual(['consumer', 'kafka client']);
  });

  it('goes on closing the rest when one hook fails', async () => {
    const closed: string[] = [];
    const shutdown = createShutdown({ timeoutMs: 1_000, logger });
    shutdown.onShutdown('redis', () => void closed.push('redis'));
    shutdown.onShutdown('broken', () => {
      throw new Error('boom');
    });
    await shutdown.shutdown('test');
    expect(closed).toEqual(['redis']);
  });

  it('rejects with NCN_SHUTDOWN_TIMEOUT when a hook outlives the deadline', async () => {
    const shutdown = createShutdown({ timeoutMs: 20, logger });
    let release: () => void = () => undefined;
    shutdown.onShutdown('stuck', () => new Promise<void>((resolve) => (release = resolve)));
    await expect(shutdown.shutdown('test')).rejects.toMatchObject({ code: 'NCN_SHUTDOWN_TIMEOUT' });
    release();
  });
});

describe('exitProcess', () => {
  /**
   * A process whose thread pool holds a job that never returns (opening a FIFO no one writes blocks a pool
   * thread, as a call into a deadlocked librdkafka handle does), then ends through `exit`.
   */
  function stuckProcess(exit: 'exitProcess' | 'process.exit'): ChildProcess {
    const fifo = join(mkdtempSync(join(tmpdir(), 'ncn-exit-')), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const call = exit === 'exitProcess' ? 'exitProcess(3, 500)' : 'process.exit(3)';
    const script = `
      import { open } from 'node:fs';
      import { exitProcess } from ${JSON.stringify(join(__dirname, 'shutdown.ts'))};
      open(${JSON.stringify(fifo)}, 'r', () => undefined);
      setTimeout(() => ${call}, 200);`;
    return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
  }

  const ended = (child: ChildProcess, withinMs: number): Promise<{ code: number | null; signal: string | null }> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ code: null, signal: 'still running' }), withinMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });

  it('ends a process that process.exit cannot end, by SIGKILL once its patience is over', async () => {
    const control = stuckProcess('process.exit');
    const watched = stuckProcess('exitProcess');
    try {
      const [hung, killed] = await Promise.all([ended(control, 5_000), ended(watched, 5_000)]);
      expect(hung).toEqual({ code: null, signal: 'still running' });
      expect(killed).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      control.kill('SIGKILL');
      watched.kill('SIGKILL');
    }
  }, 20_000);

  it('exits with its code when nothing holds the process', async () => {
    const script = `import { exitProcess } from ${JSON.stringify(join(__dirname, 'shutdown.ts'))}; exitProcess(3, 500);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: 'ignore',
    });
    expect(await ended(child, 8_000)).toEqual({ code: 3, signal: null });
  }, 20_000);
});
