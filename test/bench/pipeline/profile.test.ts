import { renderTop, selfTimeByFile, selfTimes, type CpuProfile } from './profile';

const frame = (id: number, functionName: string, url = '', lineNumber = 0) => ({
  id,
  callFrame: { functionName, url, lineNumber, columnNumber: 0 },
});

/** A profile of 10 samples 1 ms apart: 5 in validate, 3 in encode, 2 idle. */
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)'),
    frame(2, 'validate', 'file:///repo/lib/xml/validate.ts', 9),
    frame(3, 'encode', 'file:///repo/node_modules/avsc/lib/types.js', 40),
    frame(4, '(idle)'),
  ],
  samples: [2, 2, 3, 2, 4, 2, 3, 2, 3, 4, 4],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe('CPU profile summary', () => {
  it('counts self time per function from the gaps between samples, idle apart', () => {
    const { frames, totalMs, idleMs } = selfTimes(profile, '/repo');
    expect(totalMs).toBe(10);
    expect(idleMs).toBe(2);
    expect(frames[0]).toMatchObject({ functionName: 'validate', location: 'lib/xml/validate.ts:10', selfMs: 5 });
    expect(frames[0]?.busyPercent).toBeCloseTo(62.5);
    expect(frames[1]).toMatchObject({ functionName: 'encode', selfMs: 3 });
    expect(selfTimeByFile(frames).map((f) => f.file)).toEqual(['lib/xml/validate.ts', 'avsc (package)']);
  });

  it('renders the top functions with file and line', () => {
    const text = renderTop(profile, 1, '/repo');
    expect(text).toContain('validate (lib/xml/validate.ts:10)');
    expect(text).not.toContain('encode (');
  });
});
