import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { table } from '../../../services/cli/table';
import type { BaselineResult, EndToEndResult, IngestResult } from './phases';
import type { ProcessUsage } from './resources';
import type { BenchOptions } from './settings';
import type { Percentiles } from './stats';

/** Everything one run measured; what goes to bench-results/. */
export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly loadAverageAtStart: readonly number[];
  };
  readonly options: Pick<BenchOptions, 'sizes' | 'quick' | 'scale' | 'phases' | 'seed'>;
  readonly baseline?: BaselineResult;
  readonly ingest?: IngestResult;
  readonly paced?: EndToEndResult;
  readonly saturation?: EndToEndResult;
  readonly scaling?: EndToEndResult;
  /** End-to-end deliveries/s at saturation ÷ the pass-through's records/s. */
  readonly ratio?: { readonly toPlain: number; readonly toTransactional: number };
  readonly targets: readonly Target[];
  readonly profiles?: readonly string[];
  readonly error?: string;
}

/** A target of issue 9 and whether this run met it. */
export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly value: string;
  readonly met: boolean | undefined;
}

export function machine(): BenchReport['machine'] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const int = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en');
const ms = (n: number): string => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en')}` : '—');
const pct = (p: Percentiles): string => `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)}`;
const mib = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '—');

/** Issue 9's targets against the results. */
export function targets(r: Omit<BenchReport, 'targets'>): Target[] {
  const out: Target[] = [];
  const ingest = r.ingest?.perSecond;
  out.push({ name: 'ingest alone', goal: '≥ 5,000 submissions/s', value: int(ingest), met: ingest === undefined ? undefined : ingest >= 5_000 });
  const e2e = r.saturation?.submissionsPerSecond;
  out.push({ name: 'end to end, mix, saturation', goal: '≥ 1,000 submissions/s', value: int(e2e), met: e2e === undefined ? undefined : e2e >= 1_000 });
  const p99 = r.paced?.deliveries.latencyMs.p99;
  out.push({
    name: `p99 latency at ${r.paced?.targetRate ?? 500}/s`,
    goal: '< 250 ms',
    value: p99 === undefined ? '—' : `${ms(p99)} ms`,
    met: p99 === undefined ? undefined : p99 < 250,
  });
  const ratio = r.ratio?.toPlain;
  out.push({
    name: 'deliveries ÷ pass-through',
    goal: '≥ 50 %',
    value: ratio === undefined ? '—' : `${(ratio * 100).toFixed(0)} %`,
    met: ratio === undefined ? undefined : ratio >= 0.5,
  });
  return out;
} // prettier-ignore

function endToEndRow(name: string, e: EndToEndResult | undefined): string[] {
  if (e === undefined) return [name, '—', '—', '—', '—', '—', '—'];
  return [
    name,
    int(e.submissionsPerSecond),
    int(e.deliveries.perSecond),
    pct(e.deliveries.latencyMs),
    pct(e.deliveries.submissionLatencyMs),
    pct(e.receipts.latencyMs),
    `${int(e.deliveries.node + e.deliveries.eures)} in ${e.deliveries.seconds.toFixed(0)} s`,
  ];
}

function resourcesTable(phases: readonly [string, readonly ProcessUsage[] | undefined][]): string {
  const names = [...new Set(phases.flatMap(([, r]) => (r ?? []).map((u) => u.name)))];
  const header = ['process', ...phases.map(([p]) => `${p}: RSS peak/avg MiB, CPU s (% of a core)`)];
  const rows = names.map((name) => [
    name,
    ...phases.map(([, r]) => {
      const u = r?.find((x) => x.name === name);
      return u === undefined
        ? '—'
        : `${mib(u.peakRssMiB)} / ${mib(u.avgRssMiB)}, ${u.cpuSeconds.toFixed(1)} s (${u.cpuPercent.toFixed(0)} %)`;
    }),
  ]);
  return table(header, rows);
}

/** The report as text: the results table, the targets, memory and CPU per process. */
export function renderReport(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(
    `ncn pipeline bench — ${r.startedAt}, ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, node ${r.machine.node}, stack co-located; load average at start ${r.machine.loadAverageAtStart.join(' ')}`,
  );
  lines.push(`sizes: ${JSON.stringify(r.options.sizes)}${r.options.quick ? ' (quick)' : ''}`);
  lines.push('');
  if (r.baseline) {
    lines.push(
      table(
        ['pass-through baseline (consume → produce, better of 2 runs)', 'records/s', 'MiB/s', 'records', 'record size'],
        [r.baseline.plain, r.baseline.transactional].map((b) => [
          b.mode === 'plain' ? 'plain (acks all, consumer commits)' : 'transactional (≤ 500 records a transaction)',
          int(b.perSecond),
          b.mibPerSecond.toFixed(1),
          int(b.messages),
          `${(b.averageBytes / 1024).toFixed(1)} KiB`,
        ]),
      ),
    );
    lines.push(`  every run, records/s: ${r.baseline.runs.map((b) => `${b.mode} ${int(b.perSecond)}`).join(', ')}`);
    lines.push('');
  }
  if (r.ingest) {
    lines.push(
      `ingest alone: ${int(r.ingest.perSecond)} submissions/s (${int(r.ingest.submissions)} pre-loaded; first to last receipt; ${r.ingest.wallSeconds.toFixed(1)} s from starting the process) — ${Object.entries(
        r.ingest.receipts.outcomes,
      )
        .map(([o, n]) => `${o} ${n}`)
        .join(', ')}`,
    );
    lines.push('');
  }
  lines.push(
    table(
      ['end to end (realistic mix)', 'submissions/s', 'deliveries/s', 'latency per delivery p50/p95/p99 ms', 'to last node delivery p50/p95/p99 ms', 'to receipt p50/p95/p99 ms', 'deliveries'],
      [
        endToEndRow(`paced ${r.paced?.targetRate ?? r.options.sizes.pacedRate}/s, 1 instance`, r.paced),
        endToEndRow('saturation, 1 instance', r.saturation),
        endToEndRow('saturation, 2 instances', r.scaling),
      ],
    ),
  ); // prettier-ignore
  if (r.ratio) {
    lines.push('');
    lines.push(
      `deliveries/s at saturation ÷ pass-through records/s: ${(r.ratio.toPlain * 100).toFixed(0)} % of plain, ${(r.ratio.toTransactional * 100).toFixed(0)} % of transactional`,
    );
  }
  lines.push('');
  lines.push(
    table(
      ['target (issue 9)', 'goal', 'this run', 'met'],
      r.targets.map((t) => [t.name, t.goal, t.value, t.met === undefined ? 'not measured' : t.met ? 'met' : 'NOT met']),
    ),
  );
  lines.push('');
  lines.push(
    resourcesTable([
      ['ingest alone', r.ingest?.resources],
      ['paced', r.paced?.resources],
      ['saturation', r.saturation?.resources],
      ['2 instances', r.scaling?.resources],
    ]),
  );
  for (const e of [r.paced, r.saturation, r.scaling]) {
    if (e === undefined) continue;
    const perSubmission = (service: string): string => {
      const cpu = e.resources.filter((u) => u.name === service || u.name.startsWith(`${service}@`));
      const seconds = cpu.reduce((sum, u) => sum + u.cpuSeconds, 0);
      return `${service} ${((seconds * 1000) / e.submissions).toFixed(1)} ms`;
    };
    lines.push('');
    if (e.mode === 'paced') {
      const behind = e.deliveries.seconds - e.sendSeconds;
      lines.push(
        behind > 5
          ? `paced at ${e.targetRate}/s: the node did not keep up; its last delivery came ${behind.toFixed(0)} s after the last submission was sent, so the latencies above are mostly time queued`
          : `paced at ${e.targetRate}/s: the node kept up (last delivery ${behind.toFixed(1)} s after the last send)`,
      );
    }
    lines.push(
      `${e.mode}, ${e.instances} instance(s): CPU per submission ${['ingest', 'dispatcher', 'audit-indexer', 'eures-forwarder', 'kafka'].map(perSubmission).join(', ')}`,
    );
    lines.push(
      `${e.mode}, ${e.instances} instance(s): ${int(e.submissions)} submissions sent in ${e.sendSeconds.toFixed(1)} s; receipts ${Object.entries(
        e.receipts.outcomes,
      )
        .map(([o, n]) => `${o} ${n}`)
        .join(', ')}; deliveries ${Object.entries(e.deliveries.byAction)
        .map(([a, n]) => `${a} ${n}`)
        .join(
          ', ',
        )}; ingest and dispatcher drained ${e.drainedSeconds.toFixed(1)} s after the first send, every group ${e.quietSeconds === undefined ? 'not' : `${e.quietSeconds.toFixed(1)} s`}`,
    );
    // Exactly once, as the bench sees it: two instances hand partitions over while they run.
    lines.push(
      `${e.mode}, ${e.instances} instance(s): inbound records decided more than once ${e.receipts.decidedTwice}, deliveries (by delivery id) more than once ${e.deliveries.deliveredTwice}`,
    );
  }
  if (r.error) lines.push('', `FAILED: ${r.error}`);
  return lines.join('\n');
}

/** Writes the report as JSON: a file named by its start time, and latest.json. */
export function writeReport(dir: string, r: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `pipeline-${r.startedAt.replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(join(dir, 'latest.json'), text);
  return file;
}
