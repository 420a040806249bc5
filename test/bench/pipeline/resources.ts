import { readFileSync } from 'node:fs';
import type { NodeProcess } from './node';

/** Memory and CPU of one process over a phase. */
export interface ProcessUsage {
  readonly name: string;
  readonly stack: boolean;
  /** Resident set size, MiB: the highest sample and the mean of the samples. */
  readonly peakRssMiB: number;
  readonly avgRssMiB: number;
  /** CPU time (user + system) used while sampled, seconds, and as a share of one core over the wall time. */
  readonly cpuSeconds: number;
  readonly cpuPercent: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux everywhere it matters). */
const TicksPerSecond = 100;

/** VmRSS of /proc/<pid>/status, KiB; undefined once the process is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of /proc/<pid>/stat, in clock ticks (children excluded); undefined once the process is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Samples each process' RSS every `intervalMs` and its CPU time at start and stop. */
export class ResourceSampler {
  readonly #processes: readonly NodeProcess[];
  readonly #samples = new Map<number, number[]>();
  readonly #cpuAtStart = new Map<number, number>();
  readonly #cpuLast = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;

  constructor(processes: readonly NodeProcess[], intervalMs = 1_000) {
    this.#processes = processes;
    this.#startedAt = Date.now();
    for (const p of processes) {
      this.#samples.set(p.pid, []);
      const ticks = cpuTicks(p.pid);
      if (ticks !== undefined) this.#cpuAtStart.set(p.pid, ticks);
    }
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): void {
    for (const p of this.#processes) {
      const rss = rssKiB(p.pid);
      if (rss !== undefined) this.#samples.get(p.pid)?.push(rss);
      const ticks = cpuTicks(p.pid);
      if (ticks !== undefined) this.#cpuLast.set(p.pid, ticks);
    }
  }

  /** Stops sampling; the usage of each process over the sampled time. */
  stop(): ProcessUsage[] {
    this.#sample();
    clearInterval(this.#timer);
    const wall = (Date.now() - this.#startedAt) / 1000;
    return this.#processes.map((p) => {
      const samples = this.#samples.get(p.pid) ?? [];
      const cpuSeconds = ((this.#cpuLast.get(p.pid) ?? 0) - (this.#cpuAtStart.get(p.pid) ?? 0)) / TicksPerSecond;
      return {
        name: p.name,
        stack: p.stack,
        peakRssMiB: samples.length === 0 ? Number.NaN : Math.max(...samples) / 1024,
        avgRssMiB: samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length / 1024,
        cpuSeconds,
        cpuPercent: wall > 0 ? (100 * cpuSeconds) / wall : Number.NaN,
      };
    });
  }
}
