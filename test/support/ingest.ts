import { createHash } from 'node:crypto';
import { type Kafka, type ConsumedRecord } from '../../services/runtime/kafka';
import { nodeTopic, topicCatalogue, type TopicSpec } from '../../contracts/topics';
import type { NodeId } from '../../contracts/nodes';
import type { AvroSerde } from '../../services/runtime/avro-serde';
import { ensureTopics } from '../../services/runtime/topics';
import { consumeUntil, type Marks } from './consume';

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The topic catalogue exists (the broker may be one the tests did not start). */
export async function catalogueReady(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topicCatalogue as TopicSpec[], 1);
  } finally {
    await admin.disconnect();
  }
}

/** Sends submissions as a node, each keyed by its key. */
export async function submitAs(
  kafka: Kafka,
  node: NodeId,
  submissions: readonly { key: string; bytes: Buffer }[],
): Promise<void> {
  // Idempotent: a retried send must not put a submission on the topic twice (it would get a second receipt).
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    for (let i = 0; i < submissions.length; i += 500) {
      await producer.send({
        topic: nodeTopic.in(node),
        messages: submissions.slice(i, i + 500).map((s) => ({ key: s.key, value: s.bytes })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReceiptValue {
  node: string;
  code: string | null;
  root: string | null;
  kind: string;
  outcome: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  issues: { code: string; severity: string; path: string; message: string }[];
  sha256: string;
  /** Where the submission arrived on its node's inbound topic. */
  partition: number;
  offset: number;
  receivedAt: number;
}

/** Every receipt on a node's receipts topic for the given submission hashes (all of them, duplicates included). */
export async function receiptsFor(
  kafka: Kafka,
  serde: AvroSerde,
  node: NodeId,
  hashes: readonly string[],
  timeoutMs = 60_000,
  /** Only receipts of submissions received from then on (epoch ms): earlier runs may have sent the same bytes. */
  since = 0,
  /** Where to start reading (marks taken before submitting): the topic's history is not read again. */
  from?: Marks,
): Promise<Map<string, ReceiptValue[]>> {
  const wanted = new Set(hashes);
  const found = new Map<string, ReceiptValue[]>();
  const decodeAll = async (messages: readonly ConsumedRecord[]): Promise<void> => {
    found.clear();
    for (const m of messages) {
      if (m.value === null) continue;
      const r = await serde.decode<ReceiptValue>(m.value);
      if (wanted.has(r.sha256) && r.receivedAt >= since) found.set(r.sha256, [...(found.get(r.sha256) ?? []), r]);
    }
  };
  let seen = 0;
  let decoded: ConsumedRecord[] = [];
  await consumeUntil(
    kafka,
    nodeTopic.receipts(node),
    (messages) => {
      decoded = [...messages];
      // Cheap check first: hashes appear verbatim inside the Avro bytes.
      if (messages.length === seen) return false;
      seen = messages.length;
      const present = new Set<string>();
      for (const m of messages) {
        const text = m.value?.toString('latin1') ?? '';
        for (const h of wanted) if (!present.has(h) && text.includes(h)) present.add(h);
      }
      return present.size === wanted.size;
    },
    { timeoutMs, ...(from ? { from } : {}) },
  );
  await decodeAll(decoded);
  return found;
}
