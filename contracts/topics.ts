import type { AvroRecordName } from './avro/schemas';
import { PendingHeader } from './headers';
import { NodeIds, type NodeId } from './nodes';

/**
 * The topic catalogue: the names are the contract between the services, and with the nodes, INPS and the CO
 * feed. Services import names from here and never spell a topic themselves.
 */
export const Topic = {
  inpsPercettori: 'inps.percettori',
  coRapporti: 'co.rapporti',
  intermediari: 'ncn.intermediari',
  candidature: 'ncn.candidature',
  vacancies: 'ncn.vacancies',
  /** Accepted contact messages, keyed by the item they are about (co-partitioned with the items). */
  messaggi: 'ncn.messaggi',
  percettori: 'ncn.percettori',
  scheduler: 'ncn.scheduler',
  expired: 'ncn.expired',
  euresOut: 'eures.out',
  public: 'ncn.public',
  audit: 'ncn.audit',
  dlq: 'ncn.dlq',
  /** Ingest's own state: the item chains (compacted changelog, written in the same transactions as its outputs). */
  ingestItems: 'ncn.ingest.items',
  /** Updates waiting for a predecessor not seen yet: parked here so that the inbound partitions never stall. */
  ingestPending: 'ncn.ingest.pending',
  /** The dispatcher's state: which nodes hold which version of each item (compacted changelog, written in the
   * same transactions as its deliveries). */
  dispatcherHolders: 'ncn.dispatcher.holders',
  /** INPS records waiting for CO data, per codice fiscale (compacted changelog of the enricher; tombstone on release). */
  enricherWaiting: 'ncn.enricher.waiting',
  /** "This item may be due": the scheduler's timer, so that firing an expiry is decided inside a transaction. */
  schedulerTicks: 'ncn.scheduler.ticks',
} as const;

export type TopicName = (typeof Topic)[keyof typeof Topic];

/** A regional node's own topics: what it sends (`in`), its receipts, and its deliveries (`out`). */
export const nodeTopic = {
  in: (node: NodeId): string => `nr.${node}.in`,
  receipts: (node: NodeId): string => `nr.${node}.receipts`,
  out: (node: NodeId): string => `nr.${node}.out`,
} as const;

/** Matches every node's inbound topic and captures the node id (the sender is the node of the topic). */
export const NodeInTopicPattern = /^nr\.(\d{2})\.in$/;

/** How a topic is stored and what it carries. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Log compaction (`cleanup.policy=compact`): the latest value per key is the state. */
  readonly compacted: boolean;
  /** Who writes it. */
  readonly writer: string;
  /** What the value holds. */
  readonly value: string;
  /** What the key is. */
  readonly key: string;
  /** The Avro record of the value (contracts/avro), registered under `<topic>-value`; none for XML or raw bytes. */
  readonly avro?: AvroRecordName;
  /** Largest record the topic takes (`max.message.bytes`), when above the broker's 1 MiB default. */
  readonly maxMessageBytes?: number;
  /** Kept for ever (`retention.ms=-1`): a feed a service rebuilds its state from must not age out. */
  readonly keepForever?: boolean;
}

/** Submissions are refused above 512 KiB by the node, but must still arrive to be refused: their topics and the
 * dead-letter topic (which keeps the original bytes) take records up to 16 MiB. */
export const LargeMessageBytes = 16 * 1024 * 1024;

const central: readonly TopicSpec[] = [
  { name: Topic.inpsPercettori, partitions: 6, compacted: false, writer: 'INPS producer', value: 'Avro Percettore', key: 'codice fiscale', avro: 'it.ncn.Percettore', keepForever: true },
  { name: Topic.coRapporti, partitions: 6, compacted: false, writer: 'CO producer', value: 'Avro RapportoLavoro', key: 'codice fiscale', avro: 'it.ncn.RapportoLavoro', keepForever: true },
  { name: Topic.intermediari, partitions: 3, compacted: true, writer: 'registry admin', value: 'Avro Intermediario', key: 'codice fiscale', avro: 'it.ncn.Intermediario' },
  { name: Topic.candidature, partitions: 6, compacted: false, writer: 'ingest', value: 'Avro canonical item', key: 'item root', avro: 'it.ncn.CandidaturaItem' },
  { name: Topic.vacancies, partitions: 6, compacted: false, writer: 'ingest', value: 'Avro canonical item', key: 'item root', avro: 'it.ncn.VacancyItem' },
  { name: Topic.messaggi, partitions: 6, compacted: false, writer: 'ingest', value: 'Avro accepted contact message', key: 'item root', avro: 'it.ncn.MessaggioItem' },
  { name: Topic.percettori, partitions: 6, compacted: false, writer: 'enricher', value: 'Avro enriched Percettore', key: 'codice fiscale', avro: 'it.ncn.PercettoreArricchito' },
  { name: Topic.scheduler, partitions: 6, compacted: true, writer: 'dispatcher (and scheduler: its tombstones)', value: 'Avro ExpirySchedule, tombstone on cancel', key: 'item root', avro: 'it.ncn.ExpirySchedule' },
  { name: Topic.expired, partitions: 6, compacted: false, writer: 'scheduler', value: 'Avro ItemExpired', key: 'item root', avro: 'it.ncn.ItemExpired' },
  { name: Topic.euresOut, partitions: 3, compacted: false, writer: 'dispatcher', value: 'Avro EuresDelivery', key: 'item root', avro: 'it.ncn.EuresDelivery' },
  { name: Topic.public, partitions: 6, compacted: false, writer: 'dispatcher', value: 'Avro anonymous projection', key: 'item root', avro: 'it.ncn.PublicItem' },
  { name: Topic.audit, partitions: 6, compacted: false, writer: 'every router', value: 'Avro AuditEvent', key: 'item root', avro: 'it.ncn.AuditEvent' },
  { name: Topic.dlq, partitions: 3, compacted: false, writer: 'any consumer', value: 'original bytes + error headers', key: 'original key', maxMessageBytes: LargeMessageBytes },
  { name: Topic.ingestItems, partitions: 6, compacted: true, writer: 'ingest', value: 'JSON item-chain state', key: 'item code' },
  { name: Topic.dispatcherHolders, partitions: 6, compacted: true, writer: 'dispatcher', value: 'JSON holder state', key: 'item root' },
  { name: Topic.enricherWaiting, partitions: 6, compacted: true, writer: 'enricher', value: 'JSON waiting INPS records, tombstone on release', key: 'codice fiscale' },
  { name: Topic.schedulerTicks, partitions: 6, compacted: false, writer: 'scheduler', value: 'empty, with the scheduler group in a header: look again at the key', key: 'item root' },
  { name: Topic.ingestPending, partitions: 1, compacted: false, writer: 'ingest', value: `original submission bytes + ${PendingHeader.node}, ${PendingHeader.receivedAt} headers`, key: 'item code', maxMessageBytes: LargeMessageBytes },
]; // prettier-ignore

function nodeSpecs(node: NodeId): TopicSpec[] {
  return [
    { name: nodeTopic.in(node), partitions: 3, compacted: false, writer: `node ${node}`, value: 'ClicLavoro XML', key: 'item code', maxMessageBytes: LargeMessageBytes },
    { name: nodeTopic.receipts(node), partitions: 3, compacted: false, writer: 'ingest', value: 'Avro Receipt', key: 'item code', avro: 'it.ncn.Receipt' },
    { name: nodeTopic.out(node), partitions: 3, compacted: false, writer: 'dispatcher', value: 'Avro NodeDelivery', key: 'item root', avro: 'it.ncn.NodeDelivery' },
  ]; // prettier-ignore
}

/** Every topic the node needs: the central ones, then each node's three. */
export const topicCatalogue: readonly TopicSpec[] = Object.freeze([...central, ...NodeIds.flatMap(nodeSpecs)]);
