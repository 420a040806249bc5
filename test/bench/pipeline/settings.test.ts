import { applyBenchEnv, BenchEnv, FullSizes, parseBenchArgs, Phases, QuickSizes } from './settings';

describe('the bench command line', () => {
  it('runs every phase at full size by default, the quick sizes with --quick, and scales them', () => {
    expect(parseBenchArgs([], {})).toMatchObject({ sizes: FullSizes, phases: Phases, quick: false });
    expect(parseBenchArgs(['--quick'], {}).sizes).toEqual(QuickSizes);
    const half = parseBenchArgs(['--scale', '0.5'], {}).sizes;
    expect(half).toMatchObject({ ingest: FullSizes.ingest / 2, pacedRate: FullSizes.pacedRate });
    expect(parseBenchArgs([], { NCN_BENCH_SCALE: '2' }).sizes.saturation).toBe(FullSizes.saturation * 2);
  });

  it('picks phases, profiling and the stack', () => {
    const o = parseBenchArgs(['--only', 'saturation,baseline', '--profile', '--keep-stack'], {});
    expect(o.phases).toEqual(['baseline', 'saturation']);
    expect(o.profileDir).toBe('');
    expect(o.keepStack).toBe(true);
    expect(parseBenchArgs(['--profile', '/tmp/p'], {}).profileDir).toBe('/tmp/p');
  });

  it('compares with a git ref, giving each side every argument but --against and --only', () => {
    const o = parseBenchArgs(['--quick', '--against', 'f198976', '--only', 'ingest,paced', '--seed', '7'], {});
    expect(o.against).toBe('f198976');
    expect(o.phases).toEqual(['ingest', 'paced']);
    expect(o.childArgs).toEqual(['--quick', '--seed', '7']);
    expect(parseBenchArgs([], {}).against).toBeUndefined();
    expect(() => parseBenchArgs(['--against', 'main', '--keep-stack'], {})).toThrow(
      /--keep-stack cannot go with --against/,
    );
    expect(() => parseBenchArgs(['--against'], {})).toThrow(/--against needs a value/);
  });

  it('paces the paced phase at --rate, whatever the sizes', () => {
    expect(parseBenchArgs(['--quick', '--rate', '20'], {}).sizes.pacedRate).toBe(20);
    expect(parseBenchArgs(['--rate', '80'], {}).sizes).toEqual({ ...parseBenchArgs([], {}).sizes, pacedRate: 80 });
    expect(parseBenchArgs(['--rate', '20', '--against', 'main'], {}).childArgs).toEqual(['--rate', '20']);
    expect(() => parseBenchArgs(['--rate', '0'], {})).toThrow(/rate must be a positive number/);
    expect(() => parseBenchArgs(['--rate'], {})).toThrow(/--rate needs a value/);
  });

  it('refuses what it does not know', () => {
    expect(() => parseBenchArgs(['--only', 'warp'], {})).toThrow(/unknown phase warp/);
    expect(() => parseBenchArgs(['--fast'], {})).toThrow(/unknown argument --fast/);
    expect(() => parseBenchArgs(['--scale', '0'], {})).toThrow(/positive/);
  });

  it("points at the bench's own stack unless told otherwise", () => {
    const env: NodeJS.ProcessEnv = { NCN_KAFKA_BROKERS: 'localhost:49092' };
    applyBenchEnv(env);
    expect(env).toMatchObject({ ...BenchEnv, NCN_KAFKA_BROKERS: 'localhost:49092' });
  });
});
