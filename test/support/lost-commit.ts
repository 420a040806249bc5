import {
  type GroupConsumer,
  type GroupConsumerOptions,
  type Kafka,
  type TopicReader,
  type TopicReaderOptions,
  type Transaction,
  type TransactionalProducer,
  type TransactionalProducerConfig,
  type TransactionOffsets,
} from '../../services/runtime/kafka';

/** What else happens when the answer is lost: the topic readers `stall` picks (by their topics) stop for a while. */
export interface LostCommitOptions {
  readonly stall?: (topics: readonly string[]) => boolean;
  readonly stallMs?: number;
  /** Whether, once the answer is lost, the group's committed offsets cannot be read either (the broker away). */
  readonly outcomeUnreadable?: boolean;
}

/**
 * The same Kafka client (the real broker behind it), except that the first commit of a transaction that `pick`
 * chooses (by its producer's transactional id and the input topics whose offsets it commits) is applied by the
 * broker and then answered with an error, as when the answer is lost on the wire: the caller cannot know that its
 * transaction committed. The topic readers `stall` picks then hand nothing over for `stallMs` (a table follower
 * lagging behind under load). With `outcomeUnreadable`, the group consumers' committed offsets cannot be read from
 * then on. `lost()` says how many answers were lost.
 */
export function loseFirstCommitAnswer(
  kafka: Kafka,
  pick: (transaction: { readonly transactionalId: string; readonly topics: readonly string[] }) => boolean,
  options: LostCommitOptions = {},
) {
  let lost = 0;
  let stalledUntil = 0;
  const stalled = async (): Promise<void> => {
    while (Date.now() < stalledUntil) await new Promise((resolve) => setTimeout(resolve, 25));
  };
  const reader = (r: TopicReader): TopicReader =>
    new Proxy(r, {
      get(target, property) {
        if (property === 'poll') return async (max: number) => (await stalled(), target.poll(max));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const transaction = (tx: Transaction, transactionalId: string): Transaction => {
    /** The input topics whose offsets this transaction commits. */
    const topics: string[] = [];
    return new Proxy(tx, {
      get(target, property) {
        if (property === 'sendOffsets') {
          return (offsets: TransactionOffsets) => {
            topics.push(...offsets.topics.map((t) => t.topic));
            return target.sendOffsets(offsets);
          };
        }
        if (property === 'commit' && lost === 0 && pick({ transactionalId, topics })) {
          return async () => {
            await target.commit();
            lost++;
            stalledUntil = Date.now() + (options.stallMs ?? 0);
            // As librdkafka says it when EndTxn's answer does not come: timed out, retriable.
            throw Object.assign(new Error('the answer to EndTxn was lost on the wire (test)'), {
              code: -185,
              type: 'ERR__TIMED_OUT',
              isRetriable: true,
              isFatal: false,
              isTxnRequiresAbort: false,
            });
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const producer = (p: TransactionalProducer, transactionalId: string): TransactionalProducer =>
    new Proxy(p, {
      get(target, property) {
        if (property === 'transaction') return async () => transaction(await target.transaction(), transactionalId);
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const consumer = (c: GroupConsumer): GroupConsumer =>
    new Proxy(c, {
      get(target, property) {
        if (property === 'committed' && options.outcomeUnreadable === true) {
          return (...args: Parameters<GroupConsumer['committed']>) =>
            lost > 0
              ? Promise.reject(new Error('the group coordinator does not answer (test)'))
              : target.committed(...args);
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const client = new Proxy(kafka, {
    get(target, property) {
      if (property === 'groupConsumer') {
        return (config: GroupConsumerOptions) => consumer(target.groupConsumer(config));
      }
      if (property === 'reader') {
        return (config: TopicReaderOptions) => {
          const made = target.reader(config);
          return options.stall?.(config.topics) ? reader(made) : made;
        };
      }
      if (property === 'transactionalProducer') {
        return (config: TransactionalProducerConfig) => {
          return producer(target.transactionalProducer(config), config.transactionalId);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { kafka: client, lost: () => lost };
}
