import type { AvroRecordName } from '../../../contracts/avro/schemas';
import type { ConsumedRecord } from '../kafka';

/** A record as the runner hands it to a handler: as the group consumer read it (committed, never a marker). */
export type InputRecord = ConsumedRecord;

/** A value to produce: Avro of a contracts record (encoded by the runner), raw bytes, or a tombstone (null). */
export type OutputValue = { readonly avro: AvroRecordName; readonly data: unknown } | Buffer | null;

/** A record a handler wants produced, atomically with the commit of its input. */
export interface OutputRecord {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly value: OutputValue;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
}

/** An output record as the runner produces it: value encoded, headers as given. */
export interface EncodedOutput {
  readonly topic: string;
  readonly message: {
    readonly key: string | Buffer | null;
    readonly value: Buffer | null;
    readonly headers?: Record<string, string | Buffer>;
  };
}

/**
 * A service's logic: one input record in, the records to produce out. It never produces, commits or sleeps
 * itself; the runner does all of that. A handler may read state through ports it was given; state it changes
 * is staged and made final by the runner's transaction hooks.
 */
export type Handler = (record: InputRecord) => Promise<readonly OutputRecord[]> | readonly OutputRecord[];

/** The input partition a transaction belongs to: state staged while handling its records is staged under it. */
export interface TransactionScope {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Called around each transaction, once per input partition whose records it holds and once per task whose timer
 * ran in it (`punctuate`), so a handler's staged state follows the fate of the Kafka transaction.
 */
export interface TransactionHooks {
  /**
   * Every record of the transaction was handled and it is about to begin: write what was staged outside Kafka
   * that must be in place before the input's offsets are committed, in one go (a Redis pipeline rather than a
   * round trip per record). The write must be idempotent: if the transaction then aborts, the records are handled
   * again. A failure is retried with the runner's policy; when the retries run out the transaction is not begun
   * and the records are processed again.
   */
  readonly prepare?: (scope: TransactionScope) => Promise<void>;
  /** The transaction committed: make staged state final. */
  readonly committed?: (scope: TransactionScope) => void;
  /** The transaction aborted (its records will be processed again): drop staged state. */
  readonly aborted?: (scope: TransactionScope) => void;
}

/** A record's place (topic:partition:offset): the source its staged writes are kept under. */
export const sourceOf = (record: { topic: string; partition: number; offset: string }): string =>
  `${record.topic}:${record.partition}:${record.offset}`;

/** The scope of a record's transaction as a string key. */
export const scopeOf = (scope: TransactionScope): string => `${scope.topic}:${scope.partition}`;

/**
 * The task of a scope when a runner's inputs are co-partitioned (`coPartitioned`): its partition number. State
 * staged under it is shared by the task's inputs, which one lane handles one record at a time; every scope of a
 * transaction is committed or aborted with it, so a hook may commit or abort the task more than once.
 */
export const taskOf = (scope: TransactionScope): string => String(scope.partition);
