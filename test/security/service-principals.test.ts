import { NodeConsumerGroupInputs, NodeConsumerGroups } from '../../contracts/groups';
import { Topic } from '../../contracts/topics';
import { allows, loadPolicy } from '../../lib/security/policy';

/**
 * Every consuming service runs on the runner, which reads its inputs, commits in transactions of its group's id
 * prefix and sends what it cannot handle to the dead-letter topic: its principal must be allowed all of that, or the
 * service fails the moment it runs under its own credentials.
 */
describe('the principal of each consuming service', () => {
  const policy = loadPolicy();
  const services = NodeConsumerGroups.filter((g) => g !== 'ingest.pending');

  it.each(services)('svc-%s may read its inputs, commit in transactions and write dead letters', (group) => {
    const principal = policy.find((p) => p.name === `svc-${group}`);
    expect(principal).toBeDefined();
    if (principal === undefined) return;
    for (const topic of NodeConsumerGroupInputs[group])
      expect([topic, allows(principal, 'topic', topic, 'Read')]).toEqual([topic, true]);
    expect(allows(principal, 'group', group, 'Read')).toBe(true);
    expect(allows(principal, 'transactionalId', `${group}.0`, 'Write')).toBe(true);
    expect(allows(principal, 'topic', Topic.dlq, 'Write')).toBe(true);
    expect(allows(principal, 'cluster', 'kafka-cluster', 'IdempotentWrite')).toBe(true);
  });
});
