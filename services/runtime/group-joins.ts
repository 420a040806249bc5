import type { ConsumerConfig, Kafka } from './kafka';

/**
 * The same Kafka client, except that each consumer it makes for `groupId` also calls `onJoin` whenever it joins
 * its group (a new generation: partitions may have changed hands since the last one). For a service that keeps
 * per-partition bookkeeping beside the shared runner, which makes and owns the consumer: within one generation a
 * partition is this member's alone, so what the service saw of it before still holds; after a join it may not.
 */
export function observeGroupJoins(kafka: Kafka, groupId: string, onJoin: () => void): Kafka {
  return new Proxy(kafka, {
    get(target, property) {
      if (property === 'consumer') {
        return (config: ConsumerConfig) => {
          const consumer = target.consumer(config);
          if (config.groupId === groupId) consumer.on(consumer.events.GROUP_JOIN, () => onJoin());
          return consumer;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
