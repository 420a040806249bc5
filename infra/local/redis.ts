import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { run, runningProcess, startDetached, tail, waitFor, type Managed, type ProcessRef } from './processes';
import type { StackSettings } from './settings';

const redisDir = (s: StackSettings): string => join(s.stateDir, 'redis');
const bindHost = (s: StackSettings): string => (s.redis.host === 'localhost' ? '127.0.0.1' : s.redis.host);

export const redisProcess = (s: StackSettings): Managed => ({
  name: 'redis',
  pidFile: join(redisDir(s), 'redis.pid'),
  // Before Redis sets its process title the command line is `redis-server --bind …`, after it `redis-server
  // host:port`: only the program name is common to both, and the pid file says which one is ours.
  marker: 'redis-server',
  markerIsUnique: false,
});

/** True when Redis answers PING. */
export async function redisHealthy(s: StackSettings): Promise<boolean> {
  const client = new Redis(s.config.redis.url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** redis-server on the PATH, installing Debian's package when it is missing and we may (root with apt-get). */
function redisServer(): string {
  if (run('redis-server', ['--version']).status === 0) return 'redis-server';
  const root = process.getuid?.() === 0;
  if (!root || run('apt-get', ['--version']).status !== 0) {
    throw new Error(
      'Redis is not answering and redis-server is not installed: install it (apt-get install redis-server)',
    );
  }
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server']]) {
    const result = run('apt-get', args);
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed:\n${result.output.slice(-2000)}`);
  }
  return 'redis-server';
}

/** Starts a throwaway redis-server (no persistence) on the configured host and port. */
export function startRedis(s: StackSettings): ProcessRef {
  const dir = redisDir(s);
  mkdirSync(dir, { recursive: true });
  return startDetached(
    redisProcess(s),
    redisServer(),
    ['--bind', bindHost(s), '--port', String(s.redis.port), '--save', '', '--appendonly', 'no', '--dir', dir],
    { cwd: dir, logFile: join(dir, 'redis.log') },
  );
}

export async function waitForRedis(s: StackSettings, timeoutMs: number): Promise<void> {
  await waitFor('Redis', () => redisHealthy(s), {
    timeoutMs,
    failFast: () =>
      runningProcess(redisProcess(s)) === undefined
        ? `redis-server exited:\n${tail(join(redisDir(s), 'redis.log'))}`
        : undefined,
  });
}
