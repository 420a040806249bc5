import type { Kafka, ConsumedRecord } from '../runtime/kafka';
import { subjectHash } from '../../contracts/policy';
import { Topic, topicCatalogue } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { startRunner, type Runner } from '../runtime/runner/runner';
import { scopeOf, taskOf, type Handler, type InputRecord } from '../runtime/runner/types';
import { StagedStore } from '../runtime/runner/staged-store';
import { followTable, type Table } from '../runtime/table';
import type { ItemExpired, MessaggioItem, PercettoreArricchito } from '../../contracts/avro/types';
import { dispatch, type DispatchEvent, type Holding } from './dispatch';
import { itemVersion, type CanonicalItem } from '../../lib/items/items';
import { NodeConsumerGroupInputs } from '../../contracts/groups';

/** A running dispatcher. */
export interface Dispatcher {
  readonly runner: Runner;
  /** The holdings of every item (ncn.dispatcher.holders), plus what the transactions in flight staged. */
  readonly state: StagedStore<Holding>;
  close(): Promise<void>;
}

export interface DispatcherOptions {
  readonly config: Config;
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Consumer group [dispatcher]. */
  readonly groupId?: string;
  /** The clock [Date.now]: the time of the deliveries. */
  readonly now?: () => Date;
  /** Where to start a group without offsets [from the beginning]. */
  readonly fromBeginning?: boolean;
}

/** The topics the dispatcher routes from. */
export const DispatcherInputs = NodeConsumerGroupInputs.dispatcher;

/** Partitions of each input (the catalogue gives them all the same number, as co-partitioning requires). */
const DispatcherPartitions = topicCatalogue.find((t) => t.name === Topic.candidature)?.partitions ?? 1;

/**
 * The dispatcher: loads the holdings from its changelog (while it joins its group), then routes every canonical
 * item, enriched INPS record and expiry through the shared runner (dispatch() decides; the runner produces the
 * deliveries, the EURES documents, the public projection, the audit events and the new holding in one transaction
 * with the input's offset). Inputs are keyed by item root (codice fiscale for INPS records), so an item's events
 * stay in order.
 */
export async function startDispatcher(options: DispatcherOptions): Promise<Dispatcher> {
  const { config, kafka, serde, logger } = options;
  const now = options.now ?? (() => new Date());
  const name = options.groupId ?? 'dispatcher';
  const key = config.dispatcher.auditKey;
  if (config.dispatcher.auditKeyIsDefault) {
    logger.warn('NCN_AUDIT_KEY is not set: the audit trail hashes codici fiscali with the development key');
  }
  const hashes = new Map<string, string>();
  const hash = (cf: string): string => {
    let h = hashes.get(cf);
    if (h === undefined) {
      if (hashes.size > 100_000) hashes.clear();
      hashes.set(cf, (h = subjectHash(key, cf)));
    }
    return h;
  };
  const state = new StagedStore<Holding>(
    (h) => h.root,
    (candidate, known) => candidate.seq > known.seq,
  );

  const table: Table = await followTable({
    kafka,
    topic: Topic.dispatcherHolders,
    name,
    logger,
    apply: (message: ConsumedRecord) => {
      if (message.value !== null) state.apply(JSON.parse(message.value.toString()) as Holding);
    },
  });
  // The group is joined while the holdings load: a record is routed only once the table has caught up with the
  // changelog (follow() below), which includes everything it held at start.
  void table.ready.then(() => logger.info({ holdings: state.size }, 'dispatcher holdings loaded'));

  const decode = async (topic: string, value: Buffer): Promise<DispatchEvent> => {
    switch (topic) {
      case Topic.candidature:
        return { type: 'item', item: itemVersion('CANDIDATURA', await serde.decode<CanonicalItem>(value)) };
      case Topic.vacancies:
        return { type: 'item', item: itemVersion('VACANCY', await serde.decode<CanonicalItem>(value)) };
      case Topic.expired:
        return { type: 'expired', expired: await serde.decode<ItemExpired>(value) };
      case Topic.messaggi:
        return { type: 'message', message: await serde.decode<MessaggioItem>(value) };
      case Topic.percettori:
        return { type: 'percettore', record: await serde.decode<PercettoreArricchito>(value) };
      default:
        throw new NcnError(ErrorCode.Decode, `the dispatcher does not read ${topic}`);
    }
  };
  const rootOf = (event: DispatchEvent): string => {
    switch (event.type) {
      case 'item':
        return event.item.meta.root;
      case 'expired':
        return event.expired.root;
      case 'message':
        return event.message.root;
      case 'percettore':
        return event.record.percettore.codiceFiscale;
    }
  };

  /**
   * Per input partition, the offset expected next, forgotten at every join of the group (a new generation). A
   * partition without one is new to this instance (a start, or a rebalance: its earlier owner's last holdings may
   * not have reached the table yet, so the table catches up first); an earlier offset means the partition was
   * read again after a round left it out (what its task staged is dropped, and the table catches up too); the
   * same offset again is a retry of the record. A later offset within the
   * same generation skips only what the consumer filters out (transaction markers, aborted records): the partition was
   * this instance's alone meanwhile, so nobody else wrote its holdings and there is nothing to catch up on. The
   * inputs are written in transactions, so such gaps come every few records: catching up on each (a round trip
   * through the broker for the table to read back this instance's own last commit) stalled the dispatcher.
   * A join comes between rounds, never during a transaction: what is still staged then never committed.
   */
  const expected = new Map<string, bigint>();
  const joined = (): void => {
    state.abortAll();
    expected.clear();
  };
  const follow = async (record: InputRecord): Promise<void> => {
    const scope = scopeOf(record);
    const offset = BigInt(record.offset);
    const next = expected.get(scope);
    expected.set(scope, offset + 1n);
    // The same record again is the runner retrying it: what the task staged before it stays.
    if (next !== undefined && offset + 1n >= next) return;
    if (next !== undefined && offset < next) state.abort(taskOf(record));
    // Routing on holdings that lack what was committed before would lose deliveries (a close of an item "never
    // dispatched", a withdrawal not sent): not caught up is a transient failure, retried, never a guess.
    if (!(await table.catchUp(10_000))) {
      expected.delete(scope); // the retry catches up again
      throw new NcnError(ErrorCode.Unavailable, 'the holdings changelog is not caught up yet', { retriable: true });
    }
  };

  const handler: Handler = async (record) => {
    if (record.value === null) throw new NcnError(ErrorCode.Decode, `an empty record on ${record.topic}`);
    await follow(record);
    const event = await decode(record.topic, record.value);
    const root = rootOf(event);
    // Holdings are staged per task: an item's update and its expiry (partition p of two inputs) may be in one
    // transaction, and the second must see what the first staged.
    const task = taskOf(record);
    const source = `${scopeOf(record)}:${record.offset}`;
    const result = dispatch(state.get(task, source, root), event, { now: now().getTime(), hash });
    if (result.skipped !== undefined) logger.debug({ root, topic: record.topic }, `skipped: ${result.skipped}`);
    if (result.next !== undefined) state.stage(task, source, result.next);
    else state.unstage(task, source);
    return result.outputs;
  };

  const runner = await startRunner({
    service: 'dispatcher',
    groupId: name,
    kafka,
    onAssigned: joined,
    serde,
    logger,
    topics: [...DispatcherInputs],
    handler,
    hooks: {
      committed: (s) => state.commit(taskOf(s)),
      aborted: (s) => {
        state.abort(taskOf(s));
        // The runner could not tell whether the transaction committed (a commit failing on the wire may have been
        // applied): its holdings may be in the changelog and not in the state. Every scope's next record catches
        // the table up first, whatever its offset (the roots of this scope are read by the other inputs' too).
        expected.clear();
      },
    },
    httpPort: config.httpPort,
    fromBeginning: options.fromBeginning ?? true,
    maxRecordsPerTransaction: 100,
    // Partition p of every input holds the same roots (equal counts, keyed by root): one task. Tasks share no root,
    // so they are handled side by side: while one waits for the table, another is handled.
    coPartitioned: true,
    partitionsConsumedConcurrently: DispatcherPartitions,
  });

  let closing: Promise<void> | undefined;
  return {
    runner,
    state,
    close() {
      closing ??= (async () => {
        await runner.close();
        await table.close();
      })();
      return closing;
    },
  };
}
