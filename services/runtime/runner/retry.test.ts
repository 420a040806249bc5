import { backoffDelay, withRetry } from './retry';

const policy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 300 };

describe('backoffDelay', () => {
  it('doubles from the initial delay, caps at the maximum, and jitters within the upper half', () => {
    expect([2, 3, 4, 5].map((a) => backoffDelay(a, policy, 0))).toEqual([50, 100, 150, 150]);
    expect([2, 3, 4, 5].map((a) => backoffDelay(a, policy, 0.999))).toEqual([100, 200, 300, 300]);
  });
});

describe('withRetry', () => {
  const noSleep = { sleep: async () => undefined, random: () => 0.5 };

  it('retries transient failures until the work succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw new Error('busy');
        return 'done';
      },
      { policy, isTransient: () => true, ...noSleep },
    );
    expect({ result, calls }).toEqual({ result: 'done', calls: 3 });
  });

  it('gives up after the attempts and rethrows the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error(`busy ${calls}`);
        },
        { policy, isTransient: () => true, ...noSleep },
      ),
    ).rejects.toThrow('busy 4');
    expect(calls).toBe(4);
  });

  it('does not retry a permanent failure', async () => {
    let calls = 0;
    const delays: number[] = [];
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('bad record');
        },
        { policy, isTransient: () => false, ...noSleep, onRetry: (_, __, d) => delays.push(d) },
      ),
    ).rejects.toThrow('bad record');
    expect({ calls, delays }).toEqual({ calls: 1, delays: [] });
  });
});
