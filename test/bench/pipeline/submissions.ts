import { type Kafka, type Producer } from '../../../services/runtime/kafka';
import { daysAgo, generateTraffic } from '../../../lib/gen/traffic';

/** A generated submission, ready to send: a node's inbound topic, the item (or message) code as key, the XML bytes. */
export interface Submission {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly kind: 'candidatura' | 'vacancy' | 'messaggio';
  readonly note: string;
}

/**
 * `count` submissions of the realistic mix: 60 % CVs (the generator's scopes: 30 % regional, 50 % national,
 * 20 % European) and 40 % vacancies from every region, with the generator's updates (15 %) and closes (5 %) and
 * 1 % broken on purpose.
 */
export function realisticMix(count: number, seed: number): Submission[] {
  const candidature = Math.round(count * 0.6);
  const out: Submission[] = [];
  for (const r of generateTraffic({
    seed,
    candidature,
    vacancies: count - candidature,
    inps: 0,
    co: 0,
    invalid: 0.01,
    day: daysAgo(1),
  })) {
    if ('xml' in r)
      out.push({ topic: r.topic, key: r.key, value: Buffer.from(r.xml, 'utf8'), kind: r.kind, note: r.note });
  }
  return out;
}

/** When each submission was produced (its record's timestamp, ms), by item code. */
export type SentAt = Map<string, number>;

export async function connectProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  return producer;
}

async function sendGroup(producer: Producer, group: readonly Submission[], sentAt: SentAt): Promise<void> {
  const now = Date.now();
  const byTopic = new Map<string, { key: string; value: Buffer; timestamp: string }[]>();
  for (const s of group) {
    let messages = byTopic.get(s.topic);
    if (messages === undefined) byTopic.set(s.topic, (messages = []));
    messages.push({ key: s.key, value: s.value, timestamp: String(now) });
    sentAt.set(s.key, now);
  }
  await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

/** Sends everything as fast as the producer goes, `batch` records a request; each record stamped as it is sent. */
export async function sendAll(producer: Producer, submissions: readonly Submission[], batch = 500): Promise<SentAt> {
  const sentAt: SentAt = new Map();
  for (let i = 0; i < submissions.length; i += batch)
    await sendGroup(producer, submissions.slice(i, i + batch), sentAt);
  return sentAt;
}

/**
 * Sends at a fixed rate (open loop): every `tickMs` it sends what the schedule says is due by then, so a slow
 * request is followed by a larger one rather than slowing the schedule. Records are stamped as they are sent.
 */
export async function sendPaced(
  producer: Producer,
  submissions: readonly Submission[],
  perSecond: number,
  tickMs = 10,
): Promise<{ sentAt: SentAt; seconds: number; behindMs: number }> {
  const sentAt: SentAt = new Map();
  const start = Date.now();
  let sent = 0;
  let behindMs = 0;
  while (sent < submissions.length) {
    const due = Math.min(submissions.length, Math.floor(((Date.now() - start) / 1000) * perSecond) + 1);
    if (due > sent) {
      behindMs = Math.max(behindMs, Date.now() - (start + (sent / perSecond) * 1000));
      await sendGroup(producer, submissions.slice(sent, due), sentAt);
      sent = due;
    }
    const next = start + (sent / perSecond) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(tickMs, next - Date.now()))));
  }
  return { sentAt, seconds: (Date.now() - start) / 1000, behindMs };
}
