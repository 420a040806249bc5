import { randomBytes } from 'node:crypto';
import { AuditIndex } from './audit-index';
import { loadConfig } from './config';
import { createRedis } from './redis';
import { testConfig } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

/**
 * Redis in the secured profile: the services reach it as an ACL user with a password, allowed only its own key
 * prefix, given in NCN_REDIS_URL. The test makes such a user on the real Redis and removes it afterwards.
 */
describe('Redis with an ACL user', () => {
  const admin = createRedis(testConfig);
  const user = unique('ncn-test-user');
  const password = randomBytes(18).toString('base64url');
  const prefix = unique('ncn-acl-test');
  const urlOf = (name: string, secret: string): string => {
    const url = new URL(testConfig.redis.url);
    url.username = name;
    url.password = secret;
    return url.toString();
  };

  beforeAll(async () => {
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, `~${prefix}:*`, '+@all', '-@dangerous');
  });

  afterAll(async () => {
    await admin.call('ACL', 'DELUSER', user);
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('works under its prefix with its password, and is refused elsewhere and with a wrong password', async () => {
    const config = loadConfig({ ...process.env, NCN_REDIS_URL: urlOf(user, password) });
    const redis = createRedis(config);
    try {
      const index = new AuditIndex(redis, prefix);
      const entry = {
        at: 1,
        service: 'dispatcher',
        event: 'DELIVER',
        kind: 'CANDIDATURA',
        root: 'r',
        version: 1,
        fromNode: '05',
        toNode: '06',
        rule: 'R1',
      };
      await index.add([{ subjectHash: 'h', entry }]);
      expect(await index.of('h')).toEqual([entry]);
      await expect(redis.get('someone-else:key')).rejects.toThrow(/NOPERM/);
      await expect(redis.flushall()).rejects.toThrow(/NOPERM/);
    } finally {
      redis.disconnect();
    }
    const wrong = createRedis(loadConfig({ ...process.env, NCN_REDIS_URL: urlOf(user, 'wrong-password') }));
    try {
      await expect(wrong.get(`${prefix}:x`)).rejects.toThrow(/WRONGPASS|invalid username-password/i);
    } finally {
      wrong.disconnect();
    }
  });
});
