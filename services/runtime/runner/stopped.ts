/**
 * What happens when kafkajs gives up on a runner's consumer: after a crash it does not restart (a non-retriable
 * error, such as "Failed to find group coordinator" while a broker restarts), the consumer stays out of its group
 * for good while the process lives on, and its partitions wait. A service process then exits so that its
 * supervisor starts it again (`runService` sets that); elsewhere (tests, tools) it is only logged.
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
