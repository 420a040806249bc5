import { readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';

/** The parts of a V8 .cpuprofile (node --cpu-prof) that self time needs. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
      readonly columnNumber: number;
    };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's self time. */
export interface Frame {
  readonly functionName: string;
  /** file:line, 1-based: the TypeScript source's line where tsx's source map knows it, else the line node ran. */
  readonly location: string;
  readonly selfMs: number;
  /** Share of all samples, idle included, and of the busy ones (idle left out). */
  readonly percent: number;
  readonly busyPercent: number;
}

/** Maps a position in code tsx compiled back to its TypeScript source, through the maps tsx keeps in its cache. */
export interface SourceLines {
  original(path: string, line: number, column: number): number | undefined;
}

/**
 * tsx compiles each TypeScript file once (whitespace minified: a whole file on one line) and keeps the code with
 * its source map in `$TMPDIR/tsx-<uid>`; the newest entry for a file is the version that ran, unless the file
 * changed since.
 */
export function tsxSourceLines(dir = join(tmpdir(), `tsx-${process.geteuid?.() ?? userInfo().username}`)): SourceLines {
  let index: Map<string, { file: string; mtime: number }> | undefined;
  const maps = new Map<string, SourceMap | undefined>();
  const build = (): Map<string, { file: string; mtime: number }> => {
    const found = new Map<string, { file: string; mtime: number }>();
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return found;
    }
    for (const name of names) {
      const file = join(dir, name);
      try {
        const text = readFileSync(file, 'utf8');
        const source = /"sources":\["([^"]+)"\]/.exec(text.slice(-4096))?.[1];
        if (source === undefined) continue;
        const mtime = statSync(file).mtimeMs;
        if ((found.get(source)?.mtime ?? -1) < mtime) found.set(source, { file, mtime });
      } catch {
        // not an entry of tsx's cache
      }
    }
    return found;
  };
  return {
    original(path, line, column) {
      index ??= build();
      if (!maps.has(path)) {
        const entry = index.get(path);
        let map: SourceMap | undefined;
        if (entry !== undefined) {
          const { map: payload } = JSON.parse(readFileSync(entry.file, 'utf8')) as { map?: SourceMapPayload };
          if (payload !== undefined) map = new SourceMap(payload);
        }
        maps.set(path, map);
      }
      const found = maps.get(path)?.findEntry(line, column) as { originalLine?: number } | undefined;
      return found?.originalLine === undefined ? undefined : found.originalLine + 1;
    },
  };
}

const noSourceLines: SourceLines = { original: () => undefined };

const where = (frame: CpuProfile['nodes'][number]['callFrame'], root: string, lines: SourceLines): string => {
  const { url, lineNumber, columnNumber } = frame;
  if (url === '') return '';
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const shown = path.startsWith('/') ? relative(root, path) : path;
  const line = path.endsWith('.ts') ? lines.original(path, lineNumber, columnNumber) : undefined;
  return `${shown}:${line ?? lineNumber + 1}`;
};

/**
 * Self time per function (same name, file and line), from the samples: a sample's time is the gap to the next
 * one, as DevTools counts it. Sorted by self time, largest first.
 */
export function selfTimes(
  profile: CpuProfile,
  root = process.cwd(),
  lines: SourceLines = noSourceLines,
): { frames: Frame[]; totalMs: number; idleMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, { functionName: string; location: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(profile.samples[i] ?? -1);
    if (frame === undefined) continue;
    total += us;
    if (frame.functionName === '(idle)') idle += us;
    const location = where(frame, root, lines);
    const key = `${frame.functionName}\u0000${location}`;
    const entry = self.get(key) ?? { functionName: frame.functionName || '(anonymous)', location, us: 0 };
    entry.us += us;
    self.set(key, entry);
  }
  const busy = total - idle;
  const frames = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .map((e) => ({
      functionName: e.functionName,
      location: e.location,
      selfMs: e.us / 1000,
      percent: total > 0 ? (100 * e.us) / total : 0,
      busyPercent: busy > 0 && e.functionName !== '(idle)' ? (100 * e.us) / busy : 0,
    }));
  return { frames, totalMs: total / 1000, idleMs: idle / 1000 };
}

/** Self time per file (or package under node_modules), largest first. */
export function selfTimeByFile(frames: readonly Frame[]): { file: string; selfMs: number; busyPercent: number }[] {
  const byFile = new Map<string, { selfMs: number; busyPercent: number }>();
  for (const f of frames) {
    if (f.functionName === '(idle)') continue;
    const path = f.location.replace(/:\d+$/, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const file = pkg !== undefined ? `${pkg} (package)` : path || f.functionName;
    const e = byFile.get(file) ?? { selfMs: 0, busyPercent: 0 };
    e.selfMs += f.selfMs;
    e.busyPercent += f.busyPercent;
    byFile.set(file, e);
  }
  return [...byFile].map(([file, e]) => ({ file, ...e })).sort((a, b) => b.selfMs - a.selfMs);
}

/** The top `n` functions by self time as text, with the top files below. */
export function renderTop(
  profile: CpuProfile,
  n = 15,
  root = process.cwd(),
  sources: SourceLines = noSourceLines,
): string {
  const { frames, totalMs, idleMs } = selfTimes(profile, root, sources);
  const lines = [
    `${(totalMs / 1000).toFixed(1)} s sampled, ${(((totalMs - idleMs) / Math.max(totalMs, 1)) * 100).toFixed(0)} % busy`,
    '',
    `  self ms   busy %  function (file:line)`,
  ];
  for (const f of frames.filter((x) => x.functionName !== '(idle)').slice(0, n))
    lines.push(
      `${f.selfMs.toFixed(0).padStart(8)}  ${f.busyPercent.toFixed(1).padStart(6)} %  ${f.functionName}${f.location ? ` (${f.location})` : ''}`,
    );
  lines.push('', '  self ms   busy %  by file or package');
  for (const f of selfTimeByFile(frames).slice(0, 10))
    lines.push(`${f.selfMs.toFixed(0).padStart(8)}  ${f.busyPercent.toFixed(1).padStart(6)} %  ${f.file}`);
  return lines.join('\n');
}
