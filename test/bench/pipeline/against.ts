/**
 * `npm run bench -- --against <ref>`: the pipeline bench of this working tree and of another git ref, phase by
 * phase on the same machine in one session. Each phase runs for both, one after the other (which goes first
 * alternates from phase to phase), each run a child bench with its own stack brought up and down; only the ratios
 * of the two are read, since this machine's absolute figures move from hour to hour.
 *
 * The ref is checked out with `git archive` into a folder of its own (NCN_BENCH_REFS_DIR, default
 * `<tmp>/ncn-bench-refs/<commit>`) and installed there with `npm ci` once; its bench is its own code, so each side
 * is measured by the bench it shipped with (the two must write the same report: `BenchReport`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { table } from '../../../services/cli/table';
import type { EndToEndResult } from './phases';
import { machine, type BenchReport } from './report';
import type { ProcessUsage } from './resources';
import type { Phase } from './settings';

/** One side of the comparison: a tree to run the bench in. */
interface Side {
  readonly label: string;
  readonly commit: string;
  readonly dir: string;
  /** The side's own stack folder (NCN_STATE_DIR): the two never share one. */
  readonly stateDir: string;
}

/** One phase, run on both sides. */
export interface PhaseComparison {
  readonly phase: Phase;
  /** Which side ran first. */
  readonly first: 'here' | 'against';
  readonly here: BenchReport | { readonly error: string };
  readonly against: BenchReport | { readonly error: string };
}

/** What bench-results/against-<time>.json holds. */
export interface AgainstReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: BenchReport['machine'];
  readonly here: { readonly commit: string; readonly uncommitted: boolean };
  readonly against: { readonly ref: string; readonly commit: string };
  readonly args: readonly string[];
  readonly phases: readonly PhaseComparison[];
}

const git = (args: readonly string[], cwd: string): string => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
};

/** Runs a command to its end with the output on stderr; throws a sentence when it fails. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} in ${cwd} ended with ${signal ?? code}`)),
    );
  });
}

/**
 * The ref's tree, extracted and installed (once per commit: a folder holding `.ncn-bench-ready` is reused).
 * `npm ci` compiles the Kafka client as `.ci/run` does (CKJS_LINKING=dynamic).
 */
async function prepareRef(root: string, ref: string, say: (line: string) => void): Promise<Side> {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root);
  } catch {
    throw new Error(`--against ${ref}: not a commit of this repository (git rev-parse found nothing)`);
  }
  const base = process.env.NCN_BENCH_REFS_DIR || join(tmpdir(), 'ncn-bench-refs');
  const dir = join(base, commit.slice(0, 12));
  const ready = join(dir, '.ncn-bench-ready');
  if (!existsSync(ready)) {
    say(`preparing ${ref} (${commit.slice(0, 12)}) in ${dir}: git archive, then npm ci (a few minutes, once)…`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await run('sh', ['-c', `git -C "${root}" archive ${commit} | tar -x -C "${dir}"`], root, process.env);
    await run('npm', ['ci', '--no-audit', '--no-fund'], dir, { ...process.env, CKJS_LINKING: 'dynamic' });
    writeFileSync(ready, `${commit}\n`);
  }
  return { label: ref, commit, dir, stateDir: join(tmpdir(), `ncn-bench-${commit.slice(0, 8)}`) };
}

/** One side's bench for one phase; its report, or why there is none. */
async function benchOnce(
  side: Side,
  phase: Phase,
  args: readonly string[],
  say: (line: string) => void,
): Promise<BenchReport | { error: string }> {
  say(`\n=== ${phase} on ${side.label} (${side.commit.slice(0, 12)})`);
  const started = Date.now();
  const latest = join(side.dir, 'bench-results', 'latest.json');
  try {
    await run('npx', ['tsx', 'test/bench/pipeline.bench.ts', '--only', phase, ...args], side.dir, {
      ...process.env,
      NCN_STATE_DIR: side.stateDir,
    });
  } catch (error) {
    // A failed bench still writes its report (with its error); read it if it is this run's.
    if (!existsSync(latest) || statSync(latest).mtimeMs < started)
      return { error: error instanceof Error ? error.message : String(error) };
  }
  if (!existsSync(latest) || statSync(latest).mtimeMs < started)
    return { error: `the bench of ${side.label} wrote no report (${latest})` };
  return JSON.parse(readFileSync(latest, 'utf8')) as BenchReport;
}

/** Runs every phase on both sides, alternating which goes first; writes and returns the comparison. */
export async function benchAgainst(
  ref: string,
  phases: readonly Phase[],
  args: readonly string[],
  resultsDir: string,
  say: (line: string) => void,
): Promise<{ report: AgainstReport; file: string }> {
  const root = resolve(__dirname, '../../..');
  const startedAt = new Date().toISOString();
  const against = await prepareRef(root, ref, say);
  const commit = git(['rev-parse', 'HEAD'], root);
  const uncommitted = git(['status', '--porcelain', '--untracked-files=no'], root) !== '';
  const here: Side = {
    label: uncommitted ? 'this tree (uncommitted changes)' : 'this commit',
    commit,
    dir: root,
    stateDir: join(tmpdir(), 'ncn-bench'),
  };
  const comparisons: PhaseComparison[] = [];
  for (const [i, phase] of phases.entries()) {
    const first = i % 2 === 0 ? 'here' : 'against';
    const order = first === 'here' ? [here, against] : [against, here];
    const results = [];
    for (const side of order) results.push(await benchOnce(side, phase, args, say));
    const [a, b] = results as [BenchReport | { error: string }, BenchReport | { error: string }];
    comparisons.push({ phase, first, here: first === 'here' ? a : b, against: first === 'here' ? b : a });
  }
  const report: AgainstReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(),
    here: { commit, uncommitted },
    against: { ref, commit: against.commit },
    args,
    phases: comparisons,
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `against-${against.commit.slice(0, 8)}-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return { report, file };
}

const isReport = (r: BenchReport | { error: string }): r is BenchReport => 'options' in r;

/** CPU seconds of a phase's processes by service name (instances summed: `dispatcher@2` counts as dispatcher). */
function cpuByProcess(resources: readonly ProcessUsage[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const u of resources) {
    const name = u.name.replace(/@.*$/, '');
    out.set(name, (out.get(name) ?? 0) + u.cpuSeconds);
  }
  return out;
}

/** The rows of one metric: its value on each side and this ÷ that. */
type Row = [metric: string, here: number | undefined, against: number | undefined, unit: string];

function endToEndRows(name: string, h: EndToEndResult | undefined, a: EndToEndResult | undefined): Row[] {
  const rows: Row[] = [
    [`${name}: submissions/s`, h?.submissionsPerSecond, a?.submissionsPerSecond, '/s'],
    [`${name}: deliveries/s`, h?.deliveries.perSecond, a?.deliveries.perSecond, '/s'],
    [`${name}: to last node delivery p50`, h?.deliveries.submissionLatencyMs.p50, a?.deliveries.submissionLatencyMs.p50, 'ms'],
    [`${name}: to last node delivery p99`, h?.deliveries.submissionLatencyMs.p99, a?.deliveries.submissionLatencyMs.p99, 'ms'],
  ];
  const hc = cpuByProcess(h?.resources ?? []);
  const ac = cpuByProcess(a?.resources ?? []);
  const perSubmission = (cpu: Map<string, number>, e: EndToEndResult | undefined, p: string): number | undefined =>
    e === undefined || !cpu.has(p) ? undefined : ((cpu.get(p) ?? 0) * 1000) / e.submissions;
  for (const p of [...new Set([...hc.keys(), ...ac.keys()])].sort())
    rows.push([`${name}: CPU per submission, ${p}`, perSubmission(hc, h, p), perSubmission(ac, a, p), 'ms']);
  const total = (cpu: Map<string, number>, e: EndToEndResult | undefined): number | undefined =>
    e === undefined ? undefined : ([...cpu.values()].reduce((s, c) => s + c, 0) * 1000) / e.submissions;
  rows.push([`${name}: CPU per submission, all processes`, total(hc, h), total(ac, a), 'ms']);
  rows.push([`${name}: decided more than once`, h?.receipts.decidedTwice, a?.receipts.decidedTwice, '']);
  rows.push([`${name}: delivered more than once`, h?.deliveries.deliveredTwice, a?.deliveries.deliveredTwice, '']);
  return rows;
} // prettier-ignore

/** The comparison as a table: each metric on both sides and the ratio this ÷ ref. */
export function renderAgainst(r: AgainstReport): string {
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const c of r.phases) {
    for (const [side, result] of [
      ['this', c.here],
      [r.against.ref, c.against],
    ] as const)
      if (!isReport(result) || result.error !== undefined)
        failures.push(
          `${c.phase} on ${side}: ${(isReport(result) ? result.error : result.error)?.split('\n')[0] ?? ''}`,
        );
    const h = isReport(c.here) ? c.here : undefined;
    const a = isReport(c.against) ? c.against : undefined;
    if (c.phase === 'baseline') {
      rows.push(['pass-through, plain: records/s', h?.baseline?.plain.perSecond, a?.baseline?.plain.perSecond, '/s']);
      rows.push([
        'pass-through, transactional: records/s',
        h?.baseline?.transactional.perSecond,
        a?.baseline?.transactional.perSecond,
        '/s',
      ]);
    } else if (c.phase === 'ingest') {
      rows.push(['ingest alone: submissions/s', h?.ingest?.perSecond, a?.ingest?.perSecond, '/s']);
      const hc = cpuByProcess(h?.ingest?.resources ?? []);
      const ac = cpuByProcess(a?.ingest?.resources ?? []);
      for (const p of [...new Set([...hc.keys(), ...ac.keys()])].sort()) {
        const per = (cpu: Map<string, number>, n: number | undefined): number | undefined =>
          n === undefined || !cpu.has(p) ? undefined : ((cpu.get(p) ?? 0) * 1000) / n;
        rows.push([
          `ingest alone: CPU per submission, ${p}`,
          per(hc, h?.ingest?.submissions),
          per(ac, a?.ingest?.submissions),
          'ms',
        ]);
      }
    } else
      rows.push(
        ...endToEndRows(c.phase === 'scaling' ? 'saturation, 2 instances' : c.phase, h?.[c.phase], a?.[c.phase]),
      );
  }
  const value = (n: number | undefined, unit: string): string =>
    n === undefined || !Number.isFinite(n)
      ? '—'
      : `${unit === 'ms' && n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString('en')}${unit === '/s' || unit === '' ? '' : ` ${unit}`}`;
  const ratio = (h: number | undefined, a: number | undefined): string =>
    h === undefined || a === undefined || !(a > 0) ? '—' : `${(h / a).toFixed(2)}×`;
  const lines = [
    `ncn pipeline bench: this tree (${r.here.commit.slice(0, 12)}${r.here.uncommitted ? ' + uncommitted changes' : ''}) against ${r.against.ref} (${r.against.commit.slice(0, 12)}), ${r.startedAt} → ${r.finishedAt}`,
    `${r.machine.cpus} × ${r.machine.cpuModel}, node ${r.machine.node}; each phase run on both sides in turn (${r.phases.map((c) => `${c.phase}: ${c.first === 'here' ? 'this first' : `${r.against.ref} first`}`).join(', ')}); args ${r.args.join(' ') || '(none)'}`,
    '',
    table(['metric', 'this', r.against.ref, 'this ÷ ref'], rows.map(([m, h, a, unit]) => [m, value(h, unit), value(a, unit), ratio(h, a)])),
  ]; // prettier-ignore
  if (failures.length > 0) lines.push('', 'FAILED:', ...failures.map((f) => `  ${f}`));
  return lines.join('\n');
}
