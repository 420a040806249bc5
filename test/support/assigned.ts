import type { GroupConsumer } from '../../services/runtime/kafka';

/**
 * Polls a group member until it holds at least `count` partitions or `timeoutMs` has passed; the caller asserts
 * what it got.
 */
export async function untilAssigned(member: GroupConsumer, count: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (member.assignment().length < count && Date.now() < until) await member.poll(1);
}
