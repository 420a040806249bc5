import { createHash } from 'node:crypto';
import type { ConsumedRecord, Kafka } from '../../services/runtime/kafka';
import { readToEnd } from '../../services/runtime/read-to-end';
import { followTable } from '../../services/runtime/table';
import type { Logger } from '../../services/runtime/logger';
import { NodeConsumerGroupInputs, NodeConsumerGroups } from '../../contracts/groups';
import { lagOf } from '../../services/runtime/group-lag';
import { DeadLetterHeader, EnricherHeader } from '../../contracts/headers';
import { NodeIds } from '../../contracts/nodes';
import { comune } from '../../contracts/tables/comuni';
import { nodeTopic, Topic } from '../../contracts/topics';
import type { AvroSerde } from '../../services/runtime/avro-serde';
import {
  forbiddenCodiciFiscali,
  type DeadLetter,
  type Delivery,
  type InpsRecord,
  type ItemVersion,
  type Leak,
  type Observed,
  type Receipt,
  type SentMessage,
  type Submission,
} from './invariants';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The fields of a submitted Messaggio the checker needs, read from its text (undefined for any other document). */
function messageOf(bytes: Buffer): Omit<SentMessage, 'node' | 'partition' | 'offset'> | undefined {
  const text = bytes.toString('utf8');
  if (!text.includes('http://servizi.lavoro.gov.it/messaggio')) return undefined;
  const field = (name: string): string | null =>
    new RegExp(`<(?:\\w+:)?${name}>\\s*([^<\\s]*)\\s*<`).exec(text)?.[1] ?? null;
  const code = field('codicemessaggio');
  const about = field('codiceoffertacandidatura');
  if (code === null || about === null) return undefined;
  return {
    code,
    tipo: field('tipocomunicazione') === '04' ? '04' : '03',
    about,
    answers: field('codicemessaggioprecedente'),
  };
}

/** Every 25-digit code in a decoded payload. */
const codesIn = (payload: unknown): string[] => JSON.stringify(payload).match(/(?<!\d)\d{25}(?!\d)/g) ?? [];
const header = (m: ConsumedRecord, name: string): string => m.headers[name]?.toString() ?? '';

/**
 * Reads topics from their beginning to where they end now (read_committed: what was aborted never happened),
 * outside any group. A partition is done when the reader has moved past its last offset, aborted records and
 * markers included, so no idle timeout decides when reading stops.
 */
export async function readAll(
  kafka: Kafka,
  topics: readonly string[],
  onRecord: (topic: string, partition: number, message: ConsumedRecord) => Promise<void> | void,
): Promise<number> {
  return readToEnd({
    kafka,
    topics,
    apply: async (records) => {
      for (const record of records) await onRecord(record.topic, record.partition, record);
    },
  });
}

/**
 * Who the enricher `group` holds INPS records of, waiting for CO data, from its changelog (ncn.enricher.waiting):
 * each `record`, in offset order, updates `held` (codice fiscale → whether the last record for the group is a
 * value). Read from the log itself rather than through the enricher's WaitingState, so that the checker does not
 * share what it checks. Held records are not lag: they go out when their wait runs out, counted from when the
 * enricher read them.
 */
export function noteWaiting(held: Map<string, boolean>, record: ConsumedRecord, group: string): void {
  if (record.headers[EnricherHeader.group]?.toString() === group)
    held.set(record.key?.toString() ?? '', record.value !== null);
}

/** The enricher's changelog, followed: how many people `group` holds INPS records of (see noteWaiting). */
export interface InpsWaiting {
  /** The count as of where the changelog ends now; undefined when the follower could not get there in time. */
  count(): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function followInpsWaiting(kafka: Kafka, logger: Logger, group = 'enricher'): Promise<InpsWaiting> {
  const held = new Map<string, boolean>();
  const table = await followTable({
    kafka,
    topic: Topic.enricherWaiting,
    name: 'chaos-inps-waiting',
    logger,
    apply: (record) => noteWaiting(held, record, group),
  });
  return {
    count: async () => ((await table.catchUp(10_000)) ? [...held.values()].filter(Boolean).length : undefined),
    close: () => table.close(),
  };
}

/** Records behind per group of the node, over every input it reads (committed or not). */
export async function groupLag(kafka: Kafka): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const watched = NodeConsumerGroups.map((group) => ({ group, topics: NodeConsumerGroupInputs[group] }));
    return new Map(Object.entries(await lagOf(admin, watched)));
  } finally {
    await admin.disconnect();
  }
}

interface CanonicalRecord {
  meta: { root: string; code: string; version: number; node: string; action: 'SEND' | 'CLOSE' };
  document: {
    Lavoratore?: { Domicilio?: { idcomune?: string } };
    DatiSistema?: { ambitodiffusione?: string };
  };
}

/**
 * Reads back everything the invariants need from every topic the node writes and the inputs it was given, plus
 * what the EURES receiver holds and the groups' lag. Payloads are decoded through the registry; only the fields
 * the checks use are kept, so a full-size run fits in memory.
 */
export async function readBack(options: {
  kafka: Kafka;
  serde: AvroSerde;
  euresHeld: readonly string[];
  poison: ReadonlyMap<string, string>;
}): Promise<{ observed: Observed; records: number }> {
  const { kafka, serde } = options;
  const submissions: Submission[] = [];
  const receipts: Receipt[] = [];
  const items: ItemVersion[] = [];
  const expired: { root: string; version: number }[] = [];
  const deliveries: Delivery[] = [];
  const messageDeliveries: Delivery[] = [];
  const messages: SentMessage[] = [];
  const publishedCodes = new Set<string>();
  const eures: Delivery[] = [];
  const inps: InpsRecord[] = [];
  const deadLetters: DeadLetter[] = [];
  const leaks: Leak[] = [];
  let scanned = 0;
  const scan = (
    topic: string,
    where: 'node' | 'eures' | 'public' | 'audit',
    id: string,
    key: Buffer | null,
    payload: object,
  ): void => {
    scanned++;
    const found = forbiddenCodiciFiscali(where, key?.toString() ?? null, payload as Record<string, unknown>);
    if (found.length > 0) leaks.push({ topic, id, found });
  };
  const inTopics = new Map(NodeIds.map((n) => [nodeTopic.in(n), n]));
  const receiptTopics = new Map(NodeIds.map((n) => [nodeTopic.receipts(n), n]));
  const outTopics = new Map(NodeIds.map((n) => [nodeTopic.out(n), n]));
  const topics = [
    ...inTopics.keys(),
    ...receiptTopics.keys(),
    ...outTopics.keys(),
    Topic.candidature,
    Topic.vacancies,
    Topic.expired,
    Topic.euresOut,
    Topic.inpsPercettori,
    Topic.dlq,
    Topic.public,
    Topic.audit,
  ];
  const records = await readAll(kafka, topics, async (topic, partition, m) => {
    const value = m.value;
    if (value === null) return;
    const inNode = inTopics.get(topic);
    if (inNode !== undefined) {
      submissions.push({ node: inNode, partition, offset: m.offset, sha256: sha256(value) });
      const message = messageOf(value);
      if (message !== undefined) messages.push({ node: inNode, partition, offset: m.offset, ...message });
      return;
    }
    if (receiptTopics.has(topic)) {
      const r = await serde.decode<{
        node: string;
        kind: string;
        partition: number;
        offset: number | bigint;
        outcome: string;
        root: string | null;
        code: string | null;
        sha256: string;
        issues: { code: string; severity: string }[];
      }>(value);
      receipts.push({
        node: r.node,
        kind: r.kind,
        partition: r.partition,
        offset: String(r.offset),
        outcome: r.outcome,
        root: r.root,
        code: r.code,
        sha256: r.sha256,
        codes: r.issues.filter((i) => i.severity === 'ERROR').map((i) => i.code),
      });
      return;
    }
    const outNode = outTopics.get(topic);
    if (outNode !== undefined) {
      const d = await serde.decode<{
        action: Delivery['action'];
        kind: string;
        root: string;
        code: string;
        version: number;
        deliveryId: string;
      }>(value);
      scan(topic, 'node', d.deliveryId, m.key, d);
      (d.kind === 'MESSAGGIO' ? messageDeliveries : deliveries).push({
        to: outNode,
        kind: d.kind,
        action: d.action,
        root: d.root,
        code: d.code,
        version: d.version,
        id: d.deliveryId,
      });
      return;
    }
    switch (topic) {
      case Topic.candidature:
      case Topic.vacancies: {
        const item = await serde.decode<CanonicalRecord>(value);
        const home = item.document.Lavoratore?.Domicilio?.idcomune;
        items.push({
          kind: topic === Topic.candidature ? 'CANDIDATURA' : 'VACANCY',
          root: item.meta.root,
          code: item.meta.code,
          version: item.meta.version,
          sender: item.meta.node,
          action: item.meta.action,
          scope: item.document.DatiSistema?.ambitodiffusione ?? null,
          homeNode: home === undefined ? null : (comune(home)?.node ?? null),
        });
        return;
      }
      case Topic.expired: {
        const e = await serde.decode<{ root: string; version: number }>(value);
        expired.push({ root: e.root, version: e.version });
        return;
      }
      case Topic.euresOut: {
        const d = await serde.decode<{
          action: Delivery['action'];
          kind: string;
          root: string;
          version: number;
          idempotencyKey: string;
        }>(value);
        scan(topic, 'eures', d.idempotencyKey, m.key, d);
        for (const code of codesIn(d)) publishedCodes.add(code);
        eures.push({
          to: 'EURES',
          kind: d.kind,
          action: d.action,
          root: d.root,
          code: d.root,
          version: d.version,
          id: d.idempotencyKey,
        });
        return;
      }
      case Topic.inpsPercettori: {
        const r = await serde.decode<{
          idComunicazione: string;
          codiceFiscale: string;
          tipoOperazione: string;
          codiceComuneDomicilio: string | null;
        }>(value);
        const c = r.codiceComuneDomicilio === null ? undefined : comune(r.codiceComuneDomicilio);
        inps.push({
          id: r.idComunicazione,
          codiceFiscale: r.codiceFiscale,
          operation: r.tipoOperazione,
          partition,
          offset: m.offset,
          homeNode: c?.node ?? null,
        });
        return;
      }
      case Topic.public: {
        const p = await serde.decode<{ root: string; version: number }>(value);
        scan(topic, 'public', `${p.root}/${p.version}`, m.key, p);
        for (const code of codesIn(p)) publishedCodes.add(code);
        return;
      }
      case Topic.audit: {
        const a = await serde.decode<{
          root: string;
          version: number;
          toNode: string | null;
          toNodes: string[] | null;
          event: string;
        }>(value);
        scan(topic, 'audit', `${a.root}/${a.version}/${a.event}/${a.toNodes?.join(',') ?? a.toNode}`, m.key, a);
        return;
      }
      case Topic.dlq:
        deadLetters.push({
          sha256: sha256(value),
          sourceTopic: header(m, DeadLetterHeader.sourceTopic),
          sourcePartition: Number(header(m, DeadLetterHeader.sourcePartition)),
          sourceOffset: header(m, DeadLetterHeader.sourceOffset),
        });
        return;
      default:
        return;
    }
  });
  const lag = await groupLag(kafka);
  return {
    observed: {
      submissions,
      receipts,
      items,
      expired,
      deliveries,
      eures,
      messages,
      messageDeliveries,
      publishedCodes,
      euresHeld: options.euresHeld,
      inps,
      deadLetters,
      poison: options.poison,
      lag,
      personalData: { scanned, leaks },
    },
    records,
  };
}
