/**
 * What happens when a service's consumer stops for good: the runner's loop failed in a way it cannot go on from
 * (a partition whose chunk did not commit could not be read again from it), or its consumer failed for good (a
 * static member fenced by another with its group.instance.id: librdkafka's fatal error). Its partitions would wait while the process lives on; a service process
 * then exits so that its supervisor starts it again (`runService` sets that); elsewhere (tests, tools) it is only
 * logged.
 */
type Stopped = (service: string, error: Error) => void;

let onStopped: Stopped | undefined;

/** Sets what a consumer that stopped for good makes the process do (a service process: exit, to be restarted). */
export function whenConsumerStopped(handler: Stopped | undefined): void {
  onStopped = handler;
}

/** Called by the runner when its consumer stopped for good. */
export function consumerStopped(service: string, error: Error): void {
  onStopped?.(service, error);
}
