/** What `npm run bench` (test/bench/pipeline.bench.ts) measures and where its own stack runs. */

/**
 * The bench's own local stack: its own state folder and ports, so it never meets the test stack (9092, 8081,
 * 6379) or the chaos suite (28xxx, 29xxx). Each is a default: a variable already set wins. The ports are below
 * Linux's ephemeral range (32768–60999): the node opens thousands of client connections, and a listener started
 * after them (the lag monitor, the EURES receiver) could find its port taken by one of their local ends.
 */
export const BenchEnv = {
  NCN_STATE_DIR: '/tmp/ncn-bench',
  NCN_KAFKA_BROKERS: 'localhost:31092',
  NCN_SCHEMA_REGISTRY_URL: 'http://localhost:31081/apis/ccompat/v7',
  NCN_REDIS_URL: 'redis://127.0.0.1:31379',
  NCN_LAG_PORT: '31088',
  NCN_EURES_URL: 'http://127.0.0.1:31090/documents',
} as const;

/** Sets the bench's defaults in `env` where a variable is not set yet. */
export function applyBenchEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(BenchEnv)) if (!env[name]) env[name] = value;
}

/** The phases, in the order they run. */
export const Phases = ['baseline', 'ingest', 'paced', 'saturation', 'scaling'] as const;
export type Phase = (typeof Phases)[number];

/** How much each phase sends. */
export interface BenchSizes {
  /** Messages through the pass-through baseline (each mode). */
  readonly passThrough: number;
  /** Submissions pre-loaded for ingest alone. */
  readonly ingest: number;
  /** The fixed moderate rate, submissions per second, and for how long. */
  readonly pacedRate: number;
  readonly pacedSeconds: number;
  /** Submissions sent as fast as possible, one instance per service, and two. */
  readonly saturation: number;
  readonly scaling: number;
}

/** About 15–20 minutes on the development machine (2 cores), most of it the node draining what it was sent. */
export const FullSizes: BenchSizes = {
  passThrough: 30_000,
  ingest: 15_000,
  pacedRate: 500,
  pacedSeconds: 40,
  saturation: 10_000,
  scaling: 10_000,
};

/** About 5–8 minutes. */
export const QuickSizes: BenchSizes = {
  passThrough: 8_000,
  ingest: 5_000,
  pacedRate: 500,
  pacedSeconds: 15,
  saturation: 3_000,
  scaling: 3_000,
};

/** Every count (and the paced duration) times `scale`; the rate stays. */
export function scaled(sizes: BenchSizes, scale: number): BenchSizes {
  const n = (x: number): number => Math.max(100, Math.round(x * scale));
  return {
    passThrough: n(sizes.passThrough),
    ingest: n(sizes.ingest),
    pacedRate: sizes.pacedRate,
    pacedSeconds: Math.max(5, Math.round(sizes.pacedSeconds * scale)),
    saturation: n(sizes.saturation),
    scaling: n(sizes.scaling),
  };
}

/** The command line of the bench. */
export interface BenchOptions {
  readonly sizes: BenchSizes;
  readonly quick: boolean;
  readonly scale: number;
  readonly phases: readonly Phase[];
  /** Profile ingest and the dispatcher (node --cpu-prof) in the saturation phase, into this folder. */
  readonly profileDir: string | undefined;
  /** Leave the stack running at the end (development). */
  readonly keepStack: boolean;
  readonly seed: number;
  /** A git ref to compare with: each phase runs for this tree and for it, in turn (against.ts). */
  readonly against: string | undefined;
  /** The arguments a child bench of `--against` is given: all but `--against` and `--only`. */
  readonly childArgs: readonly string[];
  /** Kafka brokers of the bench's stack: 1, or a cluster of 3 (replication 3). */
  readonly brokers: number;
}

export const Usage = `usage: npm run bench [-- --quick] [--scale X] [--only PHASE,...] [--profile [DIR]] [--keep-stack] [--seed N]
                     [--rate N] [--brokers 3] [--against REF]

  --quick        small sizes (a run of a few minutes)
  --scale X      multiply every size (also NCN_BENCH_SCALE)
  --only LIST    phases to run: ${Phases.join(', ')}
  --profile DIR  run ingest and the dispatcher under node --cpu-prof in the saturation phase; profiles and their
                 top frames go to DIR (default bench-results/profiles/<time>)
  --keep-stack   leave the bench's stack running at the end
  --seed N       seed of the generated traffic (default 20261120)
  --rate N       submissions per second of the paced phase (default 500); with --against, the ref's bench must
                 know the option too
  --brokers 3    on a cluster of three brokers (replication 3, min.insync.replicas 2) instead of one
  --against REF  run each phase for this tree and for the git ref REF (a commit, branch or tag), in turn, and
                 print the ratios: the ref is extracted and installed (npm ci) once under
                 $TMPDIR/ncn-bench-refs; each side runs its own bench with its own stack

The bench runs its own stack (NCN_STATE_DIR=${BenchEnv.NCN_STATE_DIR}, Kafka on ${BenchEnv.NCN_KAFKA_BROKERS}, ...).`;

/** Parses the bench's arguments; throws a sentence on a bad one. */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  let quick = false;
  let scale = env.NCN_BENCH_SCALE ? Number(env.NCN_BENCH_SCALE) : 1;
  let phases: Phase[] = [...Phases];
  let profileDir: string | undefined;
  let keepStack = false;
  let seed = 20261120;
  let against: string | undefined;
  let rate: number | undefined;
  let brokers = 1;
  const childArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--scale') scale = Number(value());
    else if (arg === '--only') {
      const named = value().split(',');
      const unknown = named.filter((p) => !(Phases as readonly string[]).includes(p));
      if (unknown.length > 0) throw new Error(`unknown phase ${unknown.join(', ')}; phases: ${Phases.join(', ')}`);
      phases = Phases.filter((p) => named.includes(p));
    } else if (arg === '--profile') {
      const next = argv[i + 1];
      profileDir = next !== undefined && !next.startsWith('--') ? value() : '';
    } else if (arg === '--keep-stack') keepStack = true;
    else if (arg === '--seed') seed = Number(value());
    else if (arg === '--against') against = value();
    else if (arg === '--rate') rate = Number(value());
    else if (arg === '--brokers') brokers = Number(value());
    else throw new Error(`unknown argument ${arg}\n\n${Usage}`);
  }
  if (against !== undefined && keepStack)
    throw new Error('--keep-stack cannot go with --against: each run needs the ports');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--against' || arg === '--only') i++;
    else childArgs.push(arg);
  }
  if (!(scale > 0)) throw new Error(`the scale must be a positive number, got ${scale}`);
  if (!Number.isInteger(seed)) throw new Error(`the seed must be a whole number, got ${seed}`);
  if (rate !== undefined && !(rate > 0)) throw new Error(`the rate must be a positive number, got ${rate}`);
  if (brokers !== 1 && brokers !== 3) throw new Error(`--brokers must be 1 or 3, got ${brokers}`);
  const base = scaled(quick ? QuickSizes : FullSizes, scale);
  const sizes = rate === undefined ? base : { ...base, pacedRate: rate };
  return { sizes, quick, scale, phases, profileDir, keepStack, seed, against, childArgs, brokers };
}
