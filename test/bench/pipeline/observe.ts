import type { ConsumedRecord, Kafka } from '../../../services/runtime/kafka';
import { readToEnd } from '../../../services/runtime/read-to-end';

export { waitDrained, type Watched } from '../../../services/runtime/group-lag';

/**
 * Reads the committed records of the topics, from the beginning to where each partition ends now, outside any
 * group; calls `onRecord` for each. A partition counts as read once the reader has passed its end, markers and
 * aborted records included.
 */
export async function readTopics(
  kafka: Kafka,
  topics: readonly string[],
  onRecord: (topic: string, partition: number, message: ConsumedRecord) => void | Promise<void>,
): Promise<number> {
  return readToEnd({
    kafka,
    topics,
    apply: async (records) => {
      for (const record of records) await onRecord(record.topic, record.partition, record);
    },
  });
}
