import { spawnSync } from 'node:child_process';
import { stackSettings } from '../../infra/local/settings';
import { down, status, up } from '../../infra/local/stack';
import { startContainers } from './containers';

declare global {
  // Read by global-teardown.ts, which runs in the same process.
  var ncnTeardown: (() => Promise<void>) | undefined;
}

const dockerEngine = (): boolean => spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;

/**
 * Integration tests run against real servers: the ones the shared variables point at when all answer; else
 * containers when a Docker engine is present; else the local stack started from Maven Central artifacts.
 * Whatever this setup starts, the teardown stops.
 */
export default async function globalSetup(): Promise<void> {
  const settings = stackSettings();
  const parts = await status(settings);
  if (parts.every((p) => p.healthy)) {
    console.log(`\nintegration tests use the running stack: ${parts.map((p) => p.endpoint).join(', ')}`);
    return;
  }
  if (parts.every((p) => !p.healthy) && dockerEngine()) {
    console.log('\nstarting Kafka, the registry and Redis with testcontainers…');
    const containers = await startContainers(settings);
    globalThis.ncnTeardown = async () => {
      await Promise.all(containers.map((c) => c.stop()));
    };
    return;
  }
  console.log('\nstarting the local stack (infra/local) for the integration tests…');
  const started = parts.filter((p) => !p.healthy).map((p) => p.name);
  const stop = (): Promise<void> => down(settings, () => undefined, { only: started });
  try {
    await up(settings, (line) => console.log(`  ${line}`));
  } catch (error) {
    await stop();
    throw error;
  }
  globalThis.ncnTeardown = stop;
}
