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
