import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaExecutable, maven } from './java';
import { run, runningProcess, startDetached, tail, waitFor, type Managed, type ProcessRef } from './processes';
import { Versions, type StackSettings } from './settings';

const artifact = `io.apicurio:apicurio-registry-app:${Versions.apicurio}:tar.gz:all`;
const distDir = (s: StackSettings): string => join(s.cacheDir, `apicurio-${Versions.apicurio}`);
const registryDir = (s: StackSettings): string => join(s.stateDir, 'registry');

export const registryProcess = (s: StackSettings): Managed => ({
  name: 'schema registry',
  pidFile: join(registryDir(s), 'registry.pid'),
  marker: `-Dncn.stack=${join(s.stateDir, 'registry')}`,
  markerIsUnique: true,
});

/** The runnable jar of the distribution: `quarkus-run.jar` (fast-jar) or `*-runner.jar` (uber-jar). */
function runnableJar(dir: string): string | undefined {
  const app = join(dir, 'app');
  if (!existsSync(app)) return undefined;
  const names = readdirSync(app);
  const found = names.find((n) => n === 'quarkus-run.jar') ?? names.find((n) => n.endsWith('-runner.jar'));
  return found === undefined ? undefined : join(app, found);
}

/** Resolves Apicurio Registry's runnable distribution (classifier `all`) from Maven Central and unpacks it. */
export function resolveRegistry(s: StackSettings): { resolved: boolean } {
  const dir = distDir(s);
  const done = join(dir, '.complete');
  if (existsSync(done) && runnableJar(dir) !== undefined) return { resolved: false };
  mkdirSync(dir, { recursive: true });
  maven(['dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`], dir);
  const archive = readdirSync(dir).find((n) => n.endsWith('-all.tar.gz'));
  if (archive === undefined) throw new Error(`Maven returned no ${artifact} in ${dir}`);
  const app = join(dir, 'app');
  mkdirSync(app, { recursive: true });
  const untar = run('tar', ['-xzf', join(dir, archive), '-C', app]);
  if (untar.status !== 0) throw new Error(`Unpacking ${archive} failed: ${untar.output}`);
  if (runnableJar(dir) === undefined) throw new Error(`${archive} holds no quarkus-run.jar nor *-runner.jar`);
  writeFileSync(done, new Date().toISOString());
  return { resolved: true };
}

/**
 * Starts the registry with its H2 database in a file under the state folder, so schemas and their ids survive a
 * restart of the registry (as a production registry's do: records written earlier name those ids). `down`
 * removes it with the rest of the state.
 *
 * Two H2 settings make that hold when the registry is killed or stopped (`registry.int.test.ts`):
 * - `WRITE_DELAY=0`: a registration is in the file when the registry acknowledges it. H2's default writes up to a
 *   second later, so a SIGKILL right after registering lost the ids it had just handed out.
 * - `DB_CLOSE_ON_EXIT=FALSE`: on SIGTERM the application closes the database through its pool. H2's own exit hook
 *   closed it underneath requests still running (its trace logged "Database is already closed"), and once, in the
 *   chaos suite, a stop under load left a file the next start could not read.
 */
export function startRegistry(s: StackSettings): ProcessRef {
  const dir = registryDir(s);
  mkdirSync(dir, { recursive: true });
  const jar = runnableJar(distDir(s));
  if (jar === undefined) throw new Error('Apicurio Registry is not resolved: run `npm run infra:resolve`');
  return startDetached(
    registryProcess(s),
    javaExecutable(),
    [
      '-Xms128m',
      '-Xmx512m',
      registryProcess(s).marker,
      `-Dquarkus.http.host=${s.registry.host}`,
      `-Dquarkus.http.port=${s.registry.port}`,
      '-Dquarkus.log.level=WARN',
      '-Dquarkus.http.access-log.enabled=false',
      `-Dapicurio.datasource.url=jdbc:h2:file:${join(dir, 'db', 'registry')};DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0`,
      '-jar',
      jar,
    ],
    { cwd: dir, logFile: join(dir, 'registry.log') },
  );
}

/** True when the Confluent-compatible API lists subjects. */
export async function registryHealthy(s: StackSettings): Promise<boolean> {
  try {
    const response = await fetch(`${s.config.registry.url}/subjects`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function waitForRegistry(s: StackSettings, timeoutMs: number): Promise<void> {
  const proc = registryProcess(s);
  await waitFor('Schema registry', () => registryHealthy(s), {
    timeoutMs,
    failFast: () =>
      runningProcess(proc) === undefined
        ? `the registry exited; its log ends:\n${tail(join(registryDir(s), 'registry.log'))}`
        : undefined,
  });
}
