import { StagedStore } from '../runtime/runner/staged-store';
import type { Intermediario } from '../../contracts/avro/types';
import type { NodeId } from '../../contracts/nodes';

/** One submitted version of an item, as ingest's changelog (ncn.ingest.items, key: code) records it. */
export interface CodeRecord {
  readonly code: string;
  readonly root: string;
  readonly version: number;
  readonly node: NodeId;
  readonly kind: 'C' | 'V';
  readonly action: 'SEND' | 'CLOSE';
  /** SHA-256 of the submitted bytes. */
  readonly sha256: string;
  /** SHA-256 of the document's data: the same content however it is laid out. */
  readonly contentHash: string;
  /** When the version expires (rule 4; null for a close). Absent in records written before messages existed. */
  readonly expiresAt?: number | null;
  /** The accredited intermediary the version was entered through: contact messages are addressed to it. */
  readonly intermediary?: { readonly codiceFiscale: string; readonly denominazione: string } | null;
  /** Keyed hash of the codice fiscale of the item's worker (CV) or employer (vacancy), for the audit trail. */
  readonly subjectHash?: string | null;
}

/**
 * An accepted contact message, in the same changelog (key: its codicemessaggio): which node sent it about which
 * item, and which node it went to, so that a reply can be held to the message it answers after any restart.
 */
export interface MessageRecord {
  readonly type: 'message';
  readonly code: string;
  readonly tipo: '03' | '04';
  readonly node: NodeId;
  readonly root: string;
  /** The node it was routed to. */
  readonly to: NodeId;
  readonly sha256: string;
  readonly contentHash: string;
}

/** A record of ingest's changelog: a version of an item, or a message. */
export type ChangelogRecord = CodeRecord | MessageRecord;

export const isMessageRecord = (record: ChangelogRecord): record is MessageRecord =>
  (record as { type?: string }).type === 'message';

/** An item: the latest version of its chain. */
export interface ItemRecord {
  readonly root: string;
  readonly node: NodeId;
  readonly kind: 'C' | 'V';
  readonly version: number;
  readonly latestCode: string;
  readonly closed: boolean;
  readonly expiresAt?: number | null;
  readonly intermediary?: CodeRecord['intermediary'];
  readonly subjectHash?: string | null;
}

/** What the ingest rules may read. */
export interface StateView {
  code(code: string): CodeRecord | undefined;
  item(root: string): ItemRecord | undefined;
  message(code: string): MessageRecord | undefined;
  isPercettore(codiceFiscale: string): boolean;
  intermediary(codiceFiscale: string): Intermediario | undefined;
}

/**
 * Ingest's tables in memory: the item chains and messages (from its changelog, each a StagedStore: what a
 * transaction writes is staged under its task and made visible to everyone when it commits, or dropped when it
 * aborts, so the tables never run ahead of Kafka), current income-support recipients (from inps.percettori) and
 * accredited intermediaries (from ncn.intermediari), each rebuilt from Kafka at start.
 */
export class IngestState {
  /** Every version by its code: written once, the same record whatever applies it. */
  readonly #codes = new StagedStore<CodeRecord>(
    (r) => r.code,
    () => true,
  );
  /**
   * Every item by root, as its latest version makes it. Versions of one chain can come through different input
   * partitions (tasks): a task reads what it staged only while no newer version has committed.
   */
  readonly #items = new StagedStore<ItemRecord>(
    (i) => i.root,
    (candidate, known) => candidate.version >= known.version,
    (staged, committed) => committed.version > staged.version,
  );
  readonly #messages = new StagedStore<MessageRecord>(
    (r) => r.code,
    () => true,
  );
  readonly #percettori = new Set<string>();
  readonly #intermediaries = new Map<string, Intermediario>();

  /** Applies a committed changelog record (ours or another instance's); applying one twice changes nothing. */
  applyCode(record: ChangelogRecord): void {
    if (isMessageRecord(record)) {
      this.#messages.apply(record);
      return;
    }
    this.#codes.apply(record);
    this.#items.apply(itemOf(record));
  }

  /** inps.percettori: I (insert) and U (update) make a current recipient, D (delete) ends it. */
  applyPercettore(codiceFiscale: string, tipoOperazione: string): void {
    if (tipoOperazione === 'D') this.#percettori.delete(codiceFiscale);
    else this.#percettori.add(codiceFiscale);
  }

  /** ncn.intermediari: a value accredits, a tombstone (null) removes. */
  applyIntermediary(codiceFiscale: string, record: Intermediario | null): void {
    if (record === null) this.#intermediaries.delete(codiceFiscale);
    else this.#intermediaries.set(codiceFiscale, record);
  }

  /** Stages what handling one input (`source`) changes; handling it again replaces whatever it staged before. */
  stage(scope: string, source: string, record: ChangelogRecord): void {
    this.unstage(scope, source);
    if (isMessageRecord(record)) {
      this.#messages.stage(scope, source, record);
      return;
    }
    this.#codes.stage(scope, source, record);
    this.#items.stage(scope, source, itemOf(record));
  }

  /** Drops what handling `source` staged, in every table (handled again, it changes nothing). */
  unstage(scope: string, source: string): void {
    this.#codes.unstage(scope, source);
    this.#items.unstage(scope, source);
    this.#messages.unstage(scope, source);
  }

  commit(scope: string): void {
    this.#codes.commit(scope);
    this.#items.commit(scope);
    this.#messages.commit(scope);
  }

  abort(scope: string): void {
    this.#codes.abort(scope);
    this.#items.abort(scope);
    this.#messages.abort(scope);
  }

  /**
   * The tables as one transaction sees them: what is committed, plus what it has staged itself, except what the
   * input being handled again (`source`, on a retry) staged the first time.
   */
  view(scope: string, source = ''): StateView {
    return {
      code: (code) => this.#codes.get(scope, source, code),
      item: (root) => this.#items.get(scope, source, root),
      message: (code) => this.#messages.get(scope, source, code),
      isPercettore: (cf) => this.#percettori.has(cf),
      intermediary: (cf) => this.#intermediaries.get(cf),
    };
  }

  get size(): { codes: number; items: number; messages: number; percettori: number; intermediaries: number } {
    return {
      codes: this.#codes.size,
      messages: this.#messages.size,
      items: this.#items.size,
      percettori: this.#percettori.size,
      intermediaries: this.#intermediaries.size,
    };
  }
}

/** The item as its latest version makes it. */
function itemOf(record: CodeRecord): ItemRecord {
  return {
    root: record.root,
    node: record.node,
    kind: record.kind,
    version: record.version,
    latestCode: record.code,
    closed: record.action === 'CLOSE',
    ...(record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}),
    ...(record.intermediary !== undefined ? { intermediary: record.intermediary } : {}),
    ...(record.subjectHash !== undefined ? { subjectHash: record.subjectHash } : {}),
  };
}
