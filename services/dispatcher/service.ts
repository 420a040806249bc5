import type { Kafka, ConsumedRecord } from '../runtime/kafka';
import { subjectHash } from '../../contracts/policy';
import { Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { startRunner, type Runner } from '../runtime/runner/runner';
import { scopeOf, type Handler } from '../runtime/runner/types';
import { followTable, type Table } from '../runtime/table';
import {
  dispatch,
  type DispatchEvent,
  type Holding,
  type ItemExpired,
  type MessaggioItem,
  type PercettoreArricchito,
} from './core';
import { itemVersion, type CanonicalItem } from './items';
import { PartitionLocks } from './partition-locks';
import { HolderState } from './state';
import { NodeConsumerGroupInputs } from '../../contracts/groups';

/** A running dispatcher. */
export interface Dispatcher {
  readonly runner: Runner;
  readonly state: HolderState;
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
const DispatcherPartitions = 6;

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
  const state = new HolderState();

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
   * not have reached the table yet, so the table catches up first); an earlier offset means a chunk failed
   * before its transaction (what it staged is dropped, and the table catches up too). A later offset within the
   * same generation skips only what the consumer filters out (transaction markers, aborted records): the partition was
   * this instance's alone meanwhile, so nobody else wrote its holdings and there is nothing to catch up on. The
   * inputs are written in transactions, so such gaps come every few records: catching up on each (a round trip
   * through the broker for the table to read back this instance's own last commit) stalled the dispatcher.
   * A join comes between batches, never during a transaction: what is still staged then never committed.
   */
  const expected = new Map<string, bigint>();
  const locks = new PartitionLocks();
  const joined = (): void => {
    for (const scope of expected.keys()) state.abort(scope);
    expected.clear();
    locks.releaseAll();
  };
  const follow = async (scope: string, offset: bigint): Promise<void> => {
    const next = expected.get(scope);
    expected.set(scope, offset + 1n);
    if (next !== undefined && offset >= next) return;
    if (next !== undefined && offset < next) state.abort(scope);
    // Routing on holdings that lack what was committed before would lose deliveries (a close of an item "never
    // dispatched", a withdrawal not sent): not caught up is a transient failure, retried, never a guess.
    if (!(await table.catchUp(10_000))) {
      expected.delete(scope); // the retry catches up again
      throw new NcnError(ErrorCode.Unavailable, 'the holdings changelog is not caught up yet', { retriable: true });
    }
  };

  const handler: Handler = async (record) => {
    if (record.value === null) throw new NcnError(ErrorCode.Decode, `an empty record on ${record.topic}`);
    const scope = scopeOf(record);
    await locks.acquire(record.partition, scope);
    await follow(scope, BigInt(record.offset));
    const event = await decode(record.topic, record.value);
    const root = rootOf(event);
    const result = dispatch(state.get(scope, root), event, { now: now().getTime(), hash });
    if (result.skipped !== undefined) logger.debug({ root, topic: record.topic }, `skipped: ${result.skipped}`);
    if (result.next !== undefined) state.stage(scope, result.next);
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
      committed: (s) => {
        state.commit(scopeOf(s));
        locks.release(s.partition, scopeOf(s));
      },
      aborted: (s) => {
        state.abort(scopeOf(s));
        // The runner could not tell whether the transaction committed (a commit failing on the wire may have been
        // applied): its holdings may be in the changelog and not in the state. Every scope's next record catches
        // the table up first, whatever its offset (the roots of this scope are read by the other inputs' too).
        expected.clear();
        locks.release(s.partition, scopeOf(s));
      },
    },
    httpPort: config.httpPort,
    fromBeginning: options.fromBeginning ?? true,
    maxRecordsPerTransaction: 100,
    // Chunks of different partition numbers share no root (see PartitionLocks): while one waits for the broker,
    // another is handled.
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
