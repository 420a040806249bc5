import { createRedis } from '../../../services/runtime/redis';
import { VersionedStore } from '../../../services/runtime/versioned-store';
import { testConfig } from '../../support/clients';
import { unique } from '../../support/unique';

describe('VersionedStore on the real Redis', () => {
  const redis = createRedis(testConfig);
  const prefix = unique('ncn-test-versioned');
  const store = new VersionedStore(redis, prefix);

  afterAll(async () => {
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('applies a write once: replaying the same version, or an older one, changes nothing', async () => {
    expect(await store.put('holders:12C1', 1, '["05"]')).toBe(true);
    expect(await store.put('holders:12C1', 1, '["05","07"]')).toBe(false);
    expect(await store.put('holders:12C1', 3, '["07"]')).toBe(true);
    expect(await store.put('holders:12C1', 2, '["09"]')).toBe(false);
    expect(await store.get('holders:12C1')).toEqual({ version: 3, value: '["07"]' });
  });

  it('keeps keys apart and says when there is nothing', async () => {
    expect(await store.get('holders:none')).toBeUndefined();
    await store.put('a', 5, 'x');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    await expect(store.put('a', -1, 'x')).rejects.toThrow(/non-negative/);
  });
});
