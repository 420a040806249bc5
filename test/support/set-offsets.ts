import type { Kafka } from '../../services/runtime/kafka';
import { untilAssigned } from './assigned';

/**
 * Commits a group's offsets of some partitions of a topic, as a member of the group would (the group must have no
 * other member): joins it, commits, leaves. The group's other offsets stay as they were.
 */
export async function setOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partitions: readonly { readonly partition: number; readonly offset: string }[],
): Promise<void> {
  const member = kafka.groupConsumer({ groupId, topics: [topic], fromBeginning: true });
  await member.connect();
  try {
    await untilAssigned(member, 1);
    if (member.assignment().length === 0) throw new Error(`no partition of ${topic} assigned to ${groupId} in 30 s`);
    await member.commit(partitions.map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset) })));
  } finally {
    await member.disconnect();
  }
}
