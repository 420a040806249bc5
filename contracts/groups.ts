import { NodeIds } from './nodes';
import { nodeTopic, Topic } from './topics';

/**
 * The node's own consumer groups (each service's default group, and ingest's second one for parked updates):
 * the ones whose lag says whether the node has caught up. Throw-away readers (table loads, rebuilds, the CLI,
 * tests) are not among them.
 */
export const NodeConsumerGroups = [
  'ingest',
  'ingest.pending',
  'enricher',
  'dispatcher',
  'scheduler',
  'eures-forwarder',
  'audit-indexer',
] as const;

export type NodeConsumerGroup = (typeof NodeConsumerGroups)[number];

/**
 * What each group reads. A group's lag is measured over these topics, not only over the partitions it has
 * committed on: a group that never committed (its inputs received nothing yet, or it has not started) is
 * behind by whatever its inputs hold, and caught up when they hold nothing.
 */
export const NodeConsumerGroupInputs: Readonly<Record<NodeConsumerGroup, readonly string[]>> = {
  ingest: NodeIds.map((node) => nodeTopic.in(node)),
  'ingest.pending': [Topic.ingestPending],
  enricher: [Topic.inpsPercettori, Topic.coRapporti],
  dispatcher: [Topic.candidature, Topic.vacancies, Topic.messaggi, Topic.percettori, Topic.expired],
  scheduler: [Topic.scheduler, Topic.schedulerTicks],
  'eures-forwarder': [Topic.euresOut],
  'audit-indexer': [Topic.audit],
};
