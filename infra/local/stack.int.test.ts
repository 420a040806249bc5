import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackSettings, type StackSettings } from './settings';
import { down, status, up, type PartStatus } from './stack';
import { testConfig } from '../../test/support/clients';
import { freePort } from '../../test/support/free-port';
import { unique } from '../../test/support/unique';

/** Settings for a stack of its own: the shared Kafka and registry, Redis on a port of its own, its own state. */
async function isolatedSettings(): Promise<StackSettings> {
  const port = await freePort();
  return stackSettings({
    ...process.env,
    NCN_REDIS_URL: `redis://127.0.0.1:${port}`,
    NCN_STATE_DIR: join(tmpdir(), unique('ncn-stack-test')),
    // The shared Kafka's credentials (the local stack keeps them in its own state folder).
    ...(testConfig.kafka.clientProperties ? { NCN_KAFKA_CLIENT_PROPERTIES: testConfig.kafka.clientProperties } : {}),
  });
}

const quiet = (): void => undefined;
const redisOf = async (s: StackSettings): Promise<PartStatus | undefined> =>
  (await status(s)).find((p) => p.name === 'redis');
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** These tests start and stop Redis servers of their own: they need the redis-server program. */
const haveRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const withRedisServer = haveRedisServer ? describe : describe.skip;

describe('the local stack', () => {
  it('reports Kafka, the schema registry and Redis healthy at the configured endpoints', async () => {
    const parts = await status(stackSettings());
    expect(parts.map((p) => [p.name, p.healthy])).toEqual([
      ['kafka', true],
      ['schema-registry', true],
      ['redis', true],
    ]);
  });

  withRedisServer('with redis-server at hand', () => {
    it('starts what does not answer, reports it as its own, and down stops it', async () => {
      const settings = await isolatedSettings();
      try {
        expect(await redisOf(settings)).toMatchObject({ healthy: false, owner: 'none' });

        const after = await up(settings, quiet);
        const redis = after.find((p) => p.name === 'redis');
        expect(redis).toMatchObject({ healthy: true, owner: 'ncn' });
        // Kafka and the registry already answered: up used them and started no second copy.
        expect(after.filter((p) => p.name !== 'redis').map((p) => p.owner)).not.toContain('ncn');

        await down(settings, quiet, { only: ['redis'] });
        expect(await redisOf(settings)).toMatchObject({ healthy: false, owner: 'none' });
        expect(alive(redis!.pids![0]!)).toBe(false);
      } finally {
        await down(settings, quiet, { only: ['redis'] });
      }
    });

    it('calls a Redis someone else started external, and down leaves it running', async () => {
      const settings = await isolatedSettings();
      const external: ChildProcess = spawn(
        'redis-server',
        ['--port', String(settings.redis.port), '--bind', '127.0.0.1', '--save', ''],
        { stdio: 'ignore' },
      );
      external.on('error', () => undefined);
      try {
        for (let i = 0; i < 50 && !(await redisOf(settings))?.healthy; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(await redisOf(settings)).toMatchObject({ healthy: true, owner: 'external' });
        await down(settings, quiet, { only: ['redis'] });
        expect((await redisOf(settings))?.healthy).toBe(true);
        expect(external.exitCode).toBeNull();
      } finally {
        external.kill('SIGKILL');
      }
    });
  });
});
