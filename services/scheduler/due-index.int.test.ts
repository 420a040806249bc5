import type { Redis } from 'ioredis';
import { createRedis } from '../runtime/redis';
import { DueIndex, type IndexedSchedule } from './due-index';
import { testConfig } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

describe('the due index in the real Redis', () => {
  const prefix = unique('ncn-test-due');
  let redis: Redis;
  let index: DueIndex;
  const schedule = (version: number, dueAt = 1_000): IndexedSchedule => ({
    root: 'R1',
    kind: 'CANDIDATURA',
    version,
    node: '05',
    dueAt,
  });

  beforeAll(async () => {
    redis = createRedis(testConfig);
    index = new DueIndex(redis, prefix);
    await index.begin('t0');
    expect(await index.finish('t0')).toBe('built');
  });

  afterAll(async () => {
    await index.clear();
    await redis.quit();
  });

  it('cancels up to a version, keeps a newer one and says whether that one fired', async () => {
    await index.put(schedule(1));
    await index.put(schedule(2, 5_000));
    expect(await index.cancel('R1', 1)).toEqual({ outcome: 'kept', schedule: schedule(2, 5_000), fired: false });
    expect(await index.scheduled('R1')).toBe(2);
    expect(await index.fire('R1', 6_000, 'ticks:0:7')).toEqual({ fire: true, schedule: schedule(2, 5_000) });
    expect(await index.cancel('R1', 1)).toMatchObject({ outcome: 'kept', fired: true });
    expect(await index.scheduled('R1')).toBeUndefined();
    expect(await index.cancel('R1', 2)).toEqual({ outcome: 'cancelled' });
    expect(await index.fire('R1', 6_000, 'ticks:0:8')).toEqual({ fire: false, reason: 'not-scheduled' });
  });

  it('an older version never replaces a newer one, and a cancel without a version takes any', async () => {
    await index.put(schedule(3, 9_000));
    await index.put(schedule(2, 1_000));
    expect(await index.due(2_000, 10)).toEqual([]);
    expect(await index.due(9_000, 10)).toEqual(['R1']);
    expect(await index.cancel('R1')).toEqual({ outcome: 'cancelled' });
    expect(await index.pending()).toBe(0);
  });

  it('answers lost when the index is gone (Redis flushed)', async () => {
    await redis.del(`${prefix}:built`);
    expect(await index.cancel('R1', 1)).toEqual({ outcome: 'lost' });
    expect(await index.put(schedule(1))).toBe(false);
    await index.begin('t1');
    expect(await index.finish('t1')).toBe('built');
  });

  it('marks a rebuild built only while it is the latest and its writes are there', async () => {
    await index.begin('early');
    expect(await index.built()).toBe(false);
    // Scripts apply during a rebuild (its own writes and live ones).
    expect(await index.put(schedule(1))).toBe(true);
    await index.begin('late');
    expect(await index.finish('early')).toBe('another');
    expect(await index.built()).toBe(false);
    expect(await index.finish('late')).toBe('built');
    expect(await index.finish('early')).toBe('another');
    // A flush during a rebuild: its writes are gone, so it is not marked built.
    await index.begin('flushed');
    await redis.del(`${prefix}:built`);
    expect(await index.finish('flushed')).toBe('lost');
    expect(await index.built()).toBe(false);
    await index.begin('t2');
    expect(await index.finish('t2')).toBe('built');
  });
});
