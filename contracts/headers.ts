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
