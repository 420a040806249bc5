import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javaExecutable } from './java';
import { isAlive, runningProcess, stopProcess } from './processes';
import { registryProcess, resolveRegistry, startRegistry, waitForRegistry } from './registry';
import { stackSettings, type StackSettings } from './settings';
import { freePort } from '../../test/support/free-port';
import { unique } from '../../test/support/unique';

/** The local stack runs the registry from Maven Central's jars: this needs Java (a Docker-only machine has none). */
const haveJava = ((): boolean => {
  try {
    javaExecutable();
    return true;
  } catch {
    return false;
  }
})();
const withJava = haveJava ? describe : describe.skip;

withJava('the local schema registry', () => {
  let settings: StackSettings;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    settings = stackSettings({
      ...process.env,
      NCN_SCHEMA_REGISTRY_URL: `http://127.0.0.1:${port}/apis/ccompat/v7`,
      NCN_STATE_DIR: join(tmpdir(), unique('ncn-registry-test')),
    });
    url = settings.config.registry.url;
    resolveRegistry(settings);
  });

  afterAll(async () => {
    const ref = runningProcess(registryProcess(settings));
    if (ref) await stopProcess(ref, 10_000);
    rmSync(settings.stateDir, { recursive: true, force: true });
  });

  const start = async (): Promise<void> => {
    startRegistry(settings);
    await waitForRegistry(settings, 120_000);
  };
  const register = async (subject: string): Promise<number> => {
    const schema = JSON.stringify({ type: 'record', name: subject, fields: [{ name: 'a', type: 'string' }] });
    const response = await fetch(`${url}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id: number }).id;
  };
  /** Every subject the registry holds, with the id of its latest version. */
  const held = async (): Promise<Record<string, number>> => {
    const subjects = (await (await fetch(`${url}/subjects`)).json()) as string[];
    const ids: Record<string, number> = {};
    for (const s of subjects) {
      const latest = (await (await fetch(`${url}/subjects/${s}/versions/latest`)).json()) as { id: number };
      ids[s] = latest.id;
    }
    return ids;
  };

  it('keeps every schema id it acknowledged across a SIGKILL and across a stop', async () => {
    // Records already written name these ids: a registry that forgot one (or gave it to another schema after a
    // restart) would make them unreadable. The chaos suite kills the registry; a machine can lose power.
    await start();
    const acknowledged: Record<string, number> = {};
    for (const subject of ['First', 'Second', 'Third']) acknowledged[subject] = await register(subject);
    const ref = runningProcess(registryProcess(settings));
    expect(ref).toBeDefined();
    process.kill(ref!.pid, 'SIGKILL'); // right after the last acknowledgement
    while (isAlive(ref!)) await new Promise((r) => setTimeout(r, 50));

    await start();
    expect(await held()).toEqual(acknowledged);

    acknowledged.Fourth = await register('Fourth');
    expect(await stopProcess(runningProcess(registryProcess(settings))!, 30_000)).toBe('terminated');
    await start();
    expect(await held()).toEqual(acknowledged);
  }, 240_000);
});
