import { AssignerProtocol, type PartitionAssigner } from '../kafka';

export const CoPartitionedName = 'NcnCoPartitioned';

/**
 * Partition p of every subscribed topic goes to the same member (members sorted by id, p modulo their count).
 * The node's inputs that share a key space (an item's root; a person's codice fiscale) have equal partition counts
 * and the same partitioner, so one key's records of every input topic land with one instance, in order, as the
 * services' state per key requires. kafkajs' default round-robin assignment would split them.
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CoPartitionedName,
  version: 1,
  async assign({ members, topics }) {
    const ids = members.map((m) => m.memberId).sort();
    const plan = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    for (const topic of topics) {
      const partitions = cluster
        .findTopicPartitionMetadata(topic)
        .map((m) => m.partitionId)
        .sort((a, b) => a - b);
      for (const partition of partitions) {
        const member = plan.get(ids[partition % ids.length] ?? '');
        if (member === undefined) continue;
        (member[topic] ??= []).push(partition);
      }
    }
    return ids.map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 1,
        assignment: plan.get(memberId) ?? {},
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CoPartitionedName,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    };
  },
});
