import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesWith } from '../../../infra/local/processes';
import { stackSettings } from '../../../infra/local/settings';
import { down, status, up } from '../../../infra/local/stack';
import { unique } from '../../support/unique';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Settings for a stack of its own: the shared Kafka and registry, Redis on a port of its own, its own state. */
async function isolatedSettings() {
  const port = await freePort();
  return stackSettings({
    ...process.env,
    NCN_REDIS_URL: `redis://127.0.0.1:${port}`,
    NCN_STATE_DIR: join(tmpdir(), unique('ncn-stack-test')),
  });
}

const quiet = (): void => undefined;

describe('the local stack', () => {
  it('reports Kafka, the schema registry and Redis healthy at the configured endpoints', async () => {
    const parts = await status(stackSettings());
    expect(parts.map((p) => [p.name, p.healthy])).toEqual([
      ['kafka', true],
      ['schema-registry', true],
      ['redis', true],
    ]);
  });

  it('starts what does not answer, reports it as its own, and down stops it', async () => {
    const settings = await isolatedSettings();
    const before = await status(settings);
    expect(before.find((p) => p.name === 'redis')).toMatchObject({ healthy: false, owner: 'none' });

    const after = await up(settings, quiet);
    const redis = after.find((p) => p.name === 'redis');
    expect(redis).toMatchObject({ healthy: true, owner: 'ncn' });
    // Kafka and the registry already answered: up used them and started no second copy.
    expect(after.filter((p) => p.name !== 'redis').map((p) => p.owner)).not.toContain('ncn');

    await down(settings, quiet, { only: ['redis'] });
    expect((await status(settings)).find((p) => p.name === 'redis')).toMatchObject({ healthy: false, owner: 'none' });
    expect(processesWith(`redis-server 127.0.0.1:${settings.redis.port}`)).toEqual([]);
  });

  describe('with a Redis someone else started', () => {
    let external: ChildProcess;
    let settings: Awaited<ReturnType<typeof isolatedSettings>>;

    beforeAll(async () => {
      settings = await isolatedSettings();
      external = spawn('redis-server', ['--port', String(settings.redis.port), '--bind', '127.0.0.1', '--save', ''], {
        stdio: 'ignore',
      });
      for (let i = 0; i < 50 && !(await status(settings)).find((p) => p.name === 'redis')?.healthy; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    afterAll(() => {
      external.kill('SIGKILL');
    });

    it('calls it external and down leaves it running', async () => {
      expect((await status(settings)).find((p) => p.name === 'redis')).toMatchObject({
        healthy: true,
        owner: 'external',
      });
      await down(settings, quiet, { only: ['redis'] });
      expect((await status(settings)).find((p) => p.name === 'redis')?.healthy).toBe(true);
      expect(external.exitCode).toBeNull();
    });
  });
});
