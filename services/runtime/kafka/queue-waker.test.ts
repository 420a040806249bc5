import { QueueWaker } from './queue-waker';

/** A consume call that answers from a script, one answer per call, and counts its calls. */
function scripted(
  answers: number[][],
  during?: (call: number) => void,
): { consume: () => Promise<number[]>; calls: () => number } {
  let calls = 0;
  return {
    consume: async () => {
      calls++;
      during?.(calls);
      return answers.shift() ?? [];
    },
    calls: () => calls,
  };
}

describe('QueueWaker: polls that wait on the event loop, not on a pool thread', () => {
  // Fake timers: a wait happens only when the test moves the clock.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('returns what the first consume found without waiting', async () => {
    const waker = new QueueWaker();
    const { consume, calls } = scripted([[1, 2]]);
    await expect(waker.poll(consume, 10_000)).resolves.toEqual([1, 2]);
    expect(calls()).toBe(1);
  });

  it('waits the whole wait when the queue never fills, then consumes once more', async () => {
    const waker = new QueueWaker();
    const { consume, calls } = scripted([[], [7]]);
    let result: number[] | undefined;
    const polling = waker.poll(consume, 500).then((r) => (result = r));
    await jest.advanceTimersByTimeAsync(499);
    expect(result).toBeUndefined();
    expect(calls()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    await polling;
    expect(result).toEqual([7]);
    expect(calls()).toBe(2);
  });

  it('ends the wait as soon as librdkafka says the queue is no longer empty', async () => {
    const waker = new QueueWaker();
    const { consume, calls } = scripted([[], [3]]);
    let result: number[] | undefined;
    const polling = waker.poll(consume, 60_000).then((r) => (result = r));
    await jest.advanceTimersByTimeAsync(10);
    expect(result).toBeUndefined();
    waker.notify();
    await jest.advanceTimersByTimeAsync(0);
    await polling;
    expect(result).toEqual([3]);
    expect(calls()).toBe(2);
  });

  it('does not wait for records that arrived while the first consume ran', async () => {
    const waker = new QueueWaker();
    const { consume, calls } = scripted([[], [9]], (call) => call === 1 && waker.notify());
    let result: number[] | undefined;
    const polling = waker.poll(consume, 60_000).then((r) => (result = r));
    await jest.advanceTimersByTimeAsync(0);
    await polling;
    expect(result).toEqual([9]);
    expect(calls()).toBe(2);
  });
});
