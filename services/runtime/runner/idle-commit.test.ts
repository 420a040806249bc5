import { IdleCommits } from './idle-commit';

describe('IdleCommits', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const recorder = () => {
    const commits: [string, bigint][] = [];
    const idle = new IdleCommits(1_000, (key, end) => {
      commits.push([key, end]);
      return Promise.resolve();
    });
    return { commits, idle };
  };

  it('commits past a quiet partition once, after the delay, at the furthest end deferred', async () => {
    const { commits, idle } = recorder();
    idle.defer('t:0', 5n);
    await jest.advanceTimersByTimeAsync(600);
    idle.defer('t:0', 9n);
    await jest.advanceTimersByTimeAsync(600);
    expect(commits).toEqual([]); // the second marker restarted the wait
    await jest.advanceTimersByTimeAsync(500);
    expect(commits).toEqual([['t:0', 9n]]);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(commits).toHaveLength(1);
  });

  it('drops what a batch with data will commit past anyway', async () => {
    const { commits, idle } = recorder();
    idle.defer('t:0', 5n);
    idle.defer('t:1', 7n);
    await idle.take('t:0');
    await jest.advanceTimersByTimeAsync(2_000);
    expect(commits).toEqual([['t:1', 7n]]);
  });

  it('commits nothing deferred before a rebalance, or after close', async () => {
    const { commits, idle } = recorder();
    idle.defer('t:0', 5n);
    idle.reset();
    await jest.advanceTimersByTimeAsync(2_000);
    idle.defer('t:1', 3n);
    await idle.close();
    idle.defer('t:2', 4n);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(commits).toEqual([]);
  });

  it('lets a batch of the same partition wait for a commit in flight, and tries a failed commit again', async () => {
    let finish: () => void = () => undefined;
    const calls: bigint[] = [];
    const failures: string[] = [];
    const idle = new IdleCommits(
      1_000,
      (_key, end) => {
        calls.push(end);
        if (calls.length === 1) return Promise.reject(new Error('fenced on the wire'));
        return new Promise<void>((resolve) => (finish = resolve));
      },
      (key) => failures.push(key),
    );
    idle.defer('t:0', 5n);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(failures).toEqual(['t:0']);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual([5n, 5n]);
    let taken = false;
    const take = idle.take('t:0').then(() => (taken = true));
    await jest.advanceTimersByTimeAsync(10);
    expect(taken).toBe(false);
    finish();
    await take;
    expect(taken).toBe(true);
  });

  it('forgets a commit that failed while a batch waited for it: the batch commits past it, and a retry would go back', async () => {
    let fail: (error: Error) => void = () => undefined;
    const calls: bigint[] = [];
    const idle = new IdleCommits(1_000, (_key, end) => {
      calls.push(end);
      return new Promise<void>((_resolve, reject) => (fail = reject));
    });
    idle.defer('t:0', 5n);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual([5n]);
    const take = idle.take('t:0');
    fail(new Error('the broker went away'));
    await take;
    expect(idle.deferred('t:0')).toBeUndefined();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(calls).toEqual([5n]);
  });
});
