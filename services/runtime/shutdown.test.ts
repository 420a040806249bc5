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
