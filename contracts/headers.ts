/** Headers of a dead-letter record on ncn.dlq: why it failed and where it came from. Value: the original bytes. */
export const DeadLetterHeader = {
  errorCode: 'ncn-error-code',
  errorMessage: 'ncn-error-message',
  service: 'ncn-service',
  sourceTopic: 'ncn-source-topic',
  sourcePartition: 'ncn-source-partition',
  sourceOffset: 'ncn-source-offset',
  failedAt: 'ncn-failed-at',
} as const;

/**
 * The path a record took through the node, on every record a runner produces: the hops of its input's trace, then
 * this one (`<service>@<topic>/<partition>/<offset>` of the input), joined by ' > ', the last TraceMaxHops kept.
 */
export const TraceHeader = 'ncn-trace';
export const TraceMaxHops = 8;

/**
 * On a record of a topic that every group of a service shares (ncn.ingest.pending, ncn.enricher.waiting,
 * ncn.scheduler.ticks): the group it is for. Each group takes only its own records.
 */
export const GroupHeader = 'ncn-group';

/** Headers of a parked submission on ncn.ingest.pending. Value: the submission's original bytes. */
export const PendingHeader = {
  /** The ingest group that parked it. */
  group: GroupHeader,
  node: 'ncn-node',
  receivedAt: 'ncn-received-at',
  /** When it was last (re)parked, for an operator reading the queue (`ncn tail ncn.ingest.pending`). */
  parkedAt: 'ncn-parked-at',
  waitingFor: 'ncn-waiting-for',
  /** Where the submission arrived on its node's inbound topic: its receipt and dead letter name that place. */
  partition: 'ncn-in-partition',
  offset: 'ncn-in-offset',
  /** The parked submission's own item code, as its document says. */
  code: 'ncn-code',
} as const;

/** Headers of the enricher's changelog records on ncn.enricher.waiting. */
export const EnricherHeader = {
  /** The enricher group the record is for. */
  group: GroupHeader,
  /** The person's change count, so that a tombstone too can be compared with what is known. */
  seq: 'ncn-seq',
} as const;

/** Headers the scheduler writes. */
export const SchedulerHeader = {
  /** On a tick (ncn.scheduler.ticks): the scheduler group it is for. */
  group: GroupHeader,
  /** On the tombstone an expiry writes on ncn.scheduler: the version it expired, so that it cancels nothing newer. */
  expiredVersion: 'ncn-expired-version',
} as const;

/**
 * On every delivery to a node (nr.<node>.out) and to EURES (eures.out): the delivery's id, the same as its value's
 * deliveryId or idempotencyKey, so that a receiver can apply a delivery once.
 */
export const DeliveryIdHeader = 'ncn-delivery-id';

/** On a record `ncn dlq replay` produced again: the dead letter it came from (`<partition>:<offset>` on ncn.dlq). */
export const ReplayedFromHeader = 'ncn-replayed-from';

/**
 * The HTTP headers of a request to EURES: `POST <endpoint>` with the HR-Open document as the body (UPSERT) or an
 * empty body (WITHDRAW, CLOSE, EXPIRE). EURES applies a key once: a repeated key answers 200 with `duplicate`.
 */
export const EuresHeader = {
  idempotencyKey: 'idempotency-key',
  action: 'x-ncn-action',
  kind: 'x-ncn-kind',
  root: 'x-ncn-item',
  version: 'x-ncn-version',
} as const;
