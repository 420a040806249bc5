import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeConsumerGroups } from '../../contracts/groups';
import { runNcn } from '../../test/support/cli';
import { freePort } from '../../test/support/free-port';

const root = join(__dirname, '../..');

/** The demo's own stack: its own ports and state folder, so its services never read the test stack's topics. */
async function demoEnv(stateDir: string): Promise<Record<string, string>> {
  const [kafka, controller, registry, redis, lag, eures] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  return {
    NCN_STATE_DIR: stateDir,
    NCN_KAFKA_BROKERS: `localhost:${kafka}`,
    NCN_KAFKA_CONTROLLER_PORT: String(controller),
    NCN_SCHEMA_REGISTRY_URL: `http://localhost:${registry}/apis/ccompat/v7`,
    NCN_REDIS_URL: `redis://127.0.0.1:${redis}`,
    NCN_LAG_PORT: String(lag),
    NCN_EURES_URL: `http://127.0.0.1:${eures}/documents`,
  };
}

/** Runs an npm script as a user would, with only the given NCN_* variables (none inherited from this process). */
function npm(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number | null; stdout: string; stderr: string; seconds: number }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NCN_')));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...clean, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The `Examples:` lines of `ncn demo --help`, as argument lists after `ncn demo`. */
async function demoExamples(): Promise<string[][]> {
  const help = await runNcn(['demo', '--help']);
  expect(help.status).toBe(0);
  const lines = help.stdout.slice(help.stdout.indexOf('Examples:')).split('\n').slice(1);
  return lines
    .map((line) => (line.split('#')[0] ?? '').trim())
    .filter((command) => command.startsWith('ncn demo'))
    .map((command) => command.split(/\s+/).slice(2));
}

const option = (args: readonly string[], name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(args[at + 1]);
};

/**
 * `npm run demo` as a user runs it, at every size its help shows (zeros included), on a stack of its own: each
 * run ends with its summary once what it sent has flowed through, whichever services had nothing to read.
 */
describe('npm run demo', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'ncn-demo-'));
  let env: Record<string, string>;

  beforeAll(async () => {
    env = await demoEnv(stateDir);
    const up = await npm(['infra:up'], env, 300_000);
    if (up.status !== 0) throw new Error(`the demo's stack did not come up:\n${up.stdout}\n${up.stderr}`);
  }, 320_000);

  afterAll(async () => {
    await npm(['infra:down'], env, 120_000);
    rmSync(stateDir, { recursive: true, force: true });
  }, 130_000);

  it('runs every example of its help, small days within a minute of the stack being up', async () => {
    const examples = await demoExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(examples.some((args) => ['cvs', 'vacancies', 'inps', 'co'].every((n) => option(args, n, 1) === 0))).toBe(
      true,
    );
    const size = (args: readonly string[]): number =>
      option(args, 'cvs', 3000) +
      option(args, 'vacancies', 1500) +
      option(args, 'inps', 800) +
      option(args, 'co', 1500);
    // Smallest first: the first run also starts the services.
    for (const args of [...examples].sort((a, b) => size(a) - size(b))) {
      const run = await npm(['demo', '--', ...args], env, 600_000);
      const shown = `ncn demo ${args.join(' ')} (${run.seconds.toFixed(0)} s, exit ${run.status}):\n${run.stdout}\n${run.stderr}`;
      console.log(shown);
      expect({ args, status: run.status }).toEqual({ args, status: 0 });
      expect(run.stdout).toMatch(/== summary \(flowed through in \d+ s\)/);
      const submissions = option(args, 'cvs', 3000) + option(args, 'vacancies', 1500);
      expect(run.stdout).toMatch(new RegExp(`^submissions: ${submissions.toLocaleString('en')}(, |$)`, 'm'));
      const sent = /sending a day of traffic \([^)]*\): ([\d,]+) records/.exec(run.stdout)?.[1];
      expect(sent).toBe(size(args).toLocaleString('en'));
      // Contact messages: as many 03s as asked (one per 8 items unless --messages says), and every accepted message
      // delivered to exactly one node (the audit events between the demo's marks).
      const messages = option(args, 'messages', Math.round(submissions / 8));
      const line =
        /^contact messages: ([\d,]+) of interest \(03\) and ([\d,]+) replies \(04\) sent(.*); ([\d,]+) delivered, each to one node$/m.exec(
          run.stdout,
        );
      expect(line).not.toBeNull();
      const [, interest = '', replies = '', outcomes = '', delivered = ''] = line ?? [];
      const number = (text: string): number => Number(text.replace(/,/g, ''));
      const outcome = (name: string): number => number(new RegExp(`${name} (\\d+)`).exec(outcomes)?.[1] ?? '0');
      expect(number(interest)).toBe(messages);
      expect(outcome('ACCEPTED') + outcome('REJECTED') + outcome('DUPLICATE')).toBe(number(interest) + number(replies));
      expect(number(delivered)).toBe(outcome('ACCEPTED'));
      if (messages > 0) expect(outcome('ACCEPTED')).toBeGreaterThan(0);
      // Every group of the node is caught up, whether it had records to read or none.
      for (const group of NodeConsumerGroups) {
        const name = group.replace('.', '\\.');
        expect(run.stdout).toMatch(new RegExp(`^${name}\\s+0\\s+(OK, lag 0|not listed: nothing committed yet)$`, 'm'));
      }
      if (size(args) <= 100) expect(run.seconds).toBeLessThan(60);
    }
  }, 1_800_000);
});
