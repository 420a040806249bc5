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
