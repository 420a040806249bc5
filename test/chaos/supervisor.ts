import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ThreadPoolEnv } from '../../services/runtime/kafka';

const root = resolve(__dirname, '../..');

/** A process the chaos suite runs: a service or the EURES receiver. */
export interface ProcessSpec {
  readonly name: string;
  /** Arguments after `node --import tsx`. */
  readonly args: readonly string[];
  /** What its log says once it runs. */
  readonly ready: string;
  /** Whether it consumes under load and logs `FirstCommitMessage` when it first has records done after its start. */
  readonly reportsFirstCommit?: boolean;
}

/** The node's services (and the local EURES receiver), as their own processes. */
export const ServiceSpecs: readonly ProcessSpec[] = [
  { name: 'ingest', args: ['services/ingest/main.ts'], ready: 'ingest running', reportsFirstCommit: true },
  { name: 'enricher', args: ['services/enricher/main.ts'], ready: 'enricher running', reportsFirstCommit: true },
  { name: 'dispatcher', args: ['services/dispatcher/main.ts'], ready: 'dispatcher running', reportsFirstCommit: true },
  { name: 'scheduler', args: ['services/scheduler/main.ts'], ready: 'scheduler running', reportsFirstCommit: true },
  {
    name: 'eures-forwarder',
    args: ['services/eures/main.ts'],
    ready: 'eures-forwarder running',
    reportsFirstCommit: true,
  },
  { name: 'audit-indexer', args: ['services/audit/main.ts'], ready: 'audit-indexer running', reportsFirstCommit: true },
  { name: 'lag-monitor', args: ['services/lag/main.ts'], ready: 'lag-monitor running' },
];

/**
 * Keeps a process running, as an operator's supervisor (systemd, Kubernetes) would: starts it, restarts it when
 * it exits by itself (counted, with the reason in its log), and lets the chaos suite kill it on purpose.
 */
export class Supervised {
  #child: ChildProcess | undefined;
  #wanted = false;
  #starting: Promise<void> | undefined;
  /** Exits nobody asked for, each restarted. */
  unplannedExits = 0;
  /** SIGKILLs by the chaos suite. */
  kills = 0;
  /** Start attempts that failed (say, the registry was down) and were tried again. */
  failedStarts = 0;
  readonly log: string;
  /** When the process was last spawned, and how long its log was then. */
  #spawned = { at: 0, logFrom: 0 };

  constructor(
    readonly spec: ProcessSpec,
    private readonly env: Record<string, string>,
    logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.log = join(logDir, `${spec.name}.log`);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts it and resolves once it runs; retries every 2 s while it fails to start. */
  start(): Promise<void> {
    this.#wanted = true;
    this.#starting ??= this.#startUntilRunning().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #startUntilRunning(): Promise<void> {
    for (;;) {
      if (!this.#wanted) return;
      try {
        await this.#startOnce();
        return;
      } catch (error) {
        this.failedStarts++;
        this.#lastStartFailure = error instanceof Error ? error.message : String(error);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  }

  async #startOnce(): Promise<void> {
    const from = existsSync(this.log) ? statSync(this.log).size : 0;
    const fd = openSync(this.log, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', ...this.spec.args], {
      cwd: root,
      env: { ...ThreadPoolEnv, ...process.env, ...this.env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.#child = child;
    this.#spawned = { at: Date.now(), logFrom: from };
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.#child !== child) return;
      this.#child = undefined;
      if (this.#wanted && !this.#killing) {
        this.unplannedExits++;
        void this.start();
      }
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const text = readFileSync(this.log).subarray(from).toString('utf8');
      if (text.includes(this.spec.ready)) return;
      if (exited) throw new Error(`${this.spec.name} exited while starting`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${this.spec.name} did not start within 120 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #killing = false;
  #lastStartFailure: string | undefined;

  /** SIGKILL, then (after `downMs`) start again; resolves once it runs again. */
  async kill(downMs: number): Promise<void> {
    await this.#starting;
    const child = this.#child;
    if (child === undefined) return;
    this.#killing = true;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
    this.kills++;
    this.#killing = false;
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /**
   * Milliseconds from the process's last spawn until its log first says `text` (within `timeoutMs`), or undefined
   * when it did not say it in time.
   */
  async saidSinceSpawn(text: string, timeoutMs: number): Promise<number | undefined> {
    const { at, logFrom } = this.#spawned;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (readFileSync(this.log).subarray(logFrom).toString('utf8').includes(text)) return Date.now() - at;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  /** Its state and the last lines of its log since its last spawn, for a run that has to say why it stopped. */
  describe(lines = 6): string {
    const { at, logFrom } = this.#spawned;
    const since = existsSync(this.log) ? readFileSync(this.log).subarray(logFrom).toString('utf8') : '';
    const tail = since
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines)
      .map((l) => `    ${l.slice(0, 400)}`);
    return [
      `  ${this.spec.name}: ${this.#child === undefined ? 'not running' : `pid ${this.#child.pid}`}, ` +
        `spawned ${Math.round((Date.now() - at) / 1000)} s ago, killed ${this.kills}×, ` +
        `exited by itself ${this.unplannedExits}×, failed to start ${this.failedStarts}×` +
        `${this.#lastStartFailure === undefined ? '' : ` (last: ${this.#lastStartFailure})`}; its log since:`,
      ...tail,
    ].join('\n');
  }

  /** Stops it for good: SIGTERM, SIGKILL after 15 s. */
  async stop(): Promise<void> {
    this.#wanted = false;
    await this.#starting?.catch(() => undefined);
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }
}
