import { createRedis } from './redis';
import { testConfig } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

describe('createRedis against the real Redis', () => {
  const redis = createRedis(testConfig);
  const prefix = unique('ncn-test');

  afterAll(async () => {
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('writes and reads back strings, hashes and sorted sets', async () => {
    await redis.set(`${prefix}:s`, 'percettore', 'EX', 60);
    expect(await redis.get(`${prefix}:s`)).toBe('percettore');
    expect(await redis.ttl(`${prefix}:s`)).toBeGreaterThan(0);

    await redis.hset(`${prefix}:h`, { qualifica: '5.1.2.2.0', inizio: '2026-01-10' });
    expect(await redis.hgetall(`${prefix}:h`)).toEqual({ qualifica: '5.1.2.2.0', inizio: '2026-01-10' });

    await redis.zadd(`${prefix}:z`, 300, 'late', 100, 'early', 200, 'middle');
    expect(await redis.zrangebyscore(`${prefix}:z`, 0, 250)).toEqual(['early', 'middle']);
  });

  it('applies a versioned write once: a replay of the same version changes nothing', async () => {
    const key = `${prefix}:item`;
    // Write only when the stored version is older (the pattern services use for idempotent state).
    const script = `
      local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
      if tonumber(ARGV[1]) <= current then return 0 end
      redis.call('HSET', KEYS[1], 'version', ARGV[1], 'value', ARGV[2])
      return 1`;
    expect(await redis.eval(script, 1, key, 1, 'first')).toBe(1);
    expect(await redis.eval(script, 1, key, 1, 'replayed')).toBe(0);
    expect(await redis.eval(script, 1, key, 2, 'second')).toBe(1);
    expect(await redis.hgetall(key)).toEqual({ version: '2', value: 'second' });
  });
});
