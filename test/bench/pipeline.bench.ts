/**
 * `npm run bench` (after the validator bench): the whole node on this machine, with its own stack co-located
 * (issue 9). In one run:
 *  - baseline: a plain consume → produce pass-through (the port's client) of submission-sized records, and the
 *    same in transactions as the node's runner makes them;
 *  - ingest alone on a pre-loaded backlog: submissions per second;
 *  - end to end with the realistic mix at a fixed 500/s and at saturation: submissions and deliveries per second,
 *    latency from submission to delivery (p50, p95, p99), RSS and CPU per process;
 *  - the same at saturation with two instances of each service.
 * Prints a table and the ratio of delivery throughput to the pass-through; writes JSON to bench-results/. Nothing
 * is asserted but that every phase completes: a target missed is reported as such. `--against <ref>` runs each
 * phase for this tree and for another git ref in turn and prints the ratios (against.ts). `--help` for the options.
 */
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stackSettings } from '../../infra/local/settings';
import { benchAgainst, renderAgainst } from './pipeline/against';
import { BenchNode } from './pipeline/node';
import { baselinePhase, endToEndPhase, ingestPhase, type PhaseContext } from './pipeline/phases';
import { renderTop, tsxSourceLines, type CpuProfile } from './pipeline/profile';
import { machine, renderReport, targets, writeReport, type BenchReport } from './pipeline/report';
import { applyBenchEnv, parseBenchArgs, Usage, type BenchOptions } from './pipeline/settings';

const resultsDir = resolve(__dirname, '../../bench-results');
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(0)} s`;

/**
 * Names each profile after its service (node names them CPU.<date>.<time>.<pid>.<thread>.<n>) and writes the top
 * frames of each main thread beside it. tsx's loader runs in a worker thread of its own, profiled too.
 */
function summariseProfiles(dir: string, pids: ReadonlyMap<number, string>): string[] {
  const written: string[] = [];
  const lines = tsxSourceLines();
  for (const file of readdirSync(dir).filter((f) => /^CPU\..*\.cpuprofile$/.test(f))) {
    const [, , , pid, thread] = file.split('.');
    const name = pids.get(Number(pid)) ?? `pid-${pid}`;
    const target = join(dir, thread === '0' ? `${name}.cpuprofile` : `${name}.thread-${thread}.cpuprofile`);
    renameSync(join(dir, file), target);
    if (thread !== '0') continue;
    const top = renderTop(JSON.parse(readFileSync(target, 'utf8')) as CpuProfile, 15, process.cwd(), lines);
    writeFileSync(join(dir, `${name}.top.txt`), `${top}\n`);
    say(`\n== ${name}: top frames by self time (${target})\n${top}`);
    written.push(target);
  }
  return written;
}

async function run(options: BenchOptions, node: BenchNode): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const report: { -readonly [K in keyof BenchReport]: BenchReport[K] } = {
    startedAt,
    finishedAt: startedAt,
    machine: machine(),
    options: {
      sizes: options.sizes,
      quick: options.quick,
      scale: options.scale,
      phases: options.phases,
      seed: options.seed,
    },
    targets: [],
  };
  const ctx: PhaseContext = { node, seed: options.seed, say };
  const profileDir =
    options.profileDir === undefined
      ? undefined
      : resolve(options.profileDir || join(resultsDir, 'profiles', startedAt.replace(/[:.]/g, '-')));
  try {
    let t0 = Date.now();
    say(`bringing up the bench's stack (${node.settings.stateDir}, Kafka ${node.settings.config.kafka.brokers.join(',')})…`);
    await node.up(options.brokers);
    say(`stack up in ${seconds(t0)}`);
    for (const phase of options.phases) {
      t0 = Date.now();
      say(`\n== ${phase}`);
      const { sizes } = options;
      if (phase === 'baseline') report.baseline = await baselinePhase(ctx, sizes.passThrough);
      else if (phase === 'ingest') report.ingest = await ingestPhase(ctx, sizes.ingest);
      else if (phase === 'paced')
        report.paced = await endToEndPhase(ctx, {
          count: sizes.pacedRate * sizes.pacedSeconds,
          instances: 1,
          rate: sizes.pacedRate,
        });
      else if (phase === 'saturation') {
        const profile = profileDir ? { dir: profileDir, services: ['ingest', 'dispatcher'] as const } : undefined;
        report.saturation = await endToEndPhase(ctx, { count: sizes.saturation, instances: 1, ...(profile ? { profile } : {}) });
        if (profileDir)
          report.profiles = summariseProfiles(profileDir, new Map(report.saturation.processes.map((p) => [p.pid, p.name])));
      } else report.scaling = await endToEndPhase(ctx, { count: sizes.scaling, instances: 2 });
      say(`== ${phase} done in ${seconds(t0)}`);
    }
  } catch (error) {
    report.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  if (report.baseline && report.saturation)
    report.ratio = {
      toPlain: report.saturation.deliveries.perSecond / report.baseline.plain.perSecond,
      toTransactional: report.saturation.deliveries.perSecond / report.baseline.transactional.perSecond,
    };
  report.targets = targets(report);
  report.finishedAt = new Date().toISOString();
  return report;
} // prettier-ignore

async function main(): Promise<void> {
  applyBenchEnv();
  let options: BenchOptions;
  try {
    if (process.argv.includes('--help')) {
      console.log(Usage);
      return;
    }
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  if (options.against !== undefined) {
    const { report, file } = await benchAgainst(options.against, options.phases, options.childArgs, resultsDir, say);
    console.log(`\n${renderAgainst(report)}\n\nresults: ${file}`);
    const failed = report.phases.some((c) => 'error' in c.here || 'error' in c.against);
    if (failed) process.exitCode = 1;
    return;
  }
  const node = new BenchNode(stackSettings(), say);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      say(options.keepStack ? '\nstopping the services (the stack stays: --keep-stack)…' : '\nbringing the bench stack down…');
      if (options.keepStack) await node.stop();
      else await node.down();
    })()); // prettier-ignore
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      say(`\n${signal}: stopping`);
      void stop().finally(() => process.exit(130));
    });
  let report: BenchReport;
  try {
    report = await run(options, node);
    // The stack's folder goes with it: keep the services' logs of a failed run.
    const logs = join(node.settings.stateDir, 'services');
    if (report.error !== undefined && existsSync(logs)) {
      const kept = join(resultsDir, `logs-${report.startedAt.replace(/[:.]/g, '-')}`);
      cpSync(logs, kept, { recursive: true });
      say(`services' logs kept in ${kept}`);
    }
  } finally {
    await stop();
  }
  const file = writeReport(resultsDir, report);
  console.log(`\n${renderReport(report)}\n\nresults: ${file} (and bench-results/latest.json)`);
  if (report.error !== undefined) {
    console.error(`\nthe bench failed: ${report.error.split('\n')[0] ?? ''}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`the bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
