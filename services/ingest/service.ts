import type { Kafka, ConsumedRecord } from '../runtime/kafka';
import { PendingHeader } from '../../contracts/headers';
import { isNodeId, type NodeId } from '../../contracts/nodes';
import { subjectHash } from '../../contracts/policy';
import { NodeInTopicPattern, Topic } from '../../contracts/topics';
import type { AvroSerde } from '../runtime/avro-serde';
import type { Config } from '../runtime/config';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { Logger } from '../runtime/logger';
import { processTransactions, startRunner, type Runner } from '../runtime/runner/runner';
import { scopeOf, sourceOf, type Handler, type InputRecord, type TransactionScope } from '../runtime/runner/types';
import { followTable, type Table } from '../runtime/table';
import { defaultLimits } from '../../lib/xml/harden';
import { decideSubmission, type Decision, type IngestSettings } from './admission';
import type { Intermediario, Percettore } from '../../contracts/avro/types';
import { IngestState, type ChangelogRecord } from './state';
import { NodeConsumerGroupInputs } from '../../contracts/groups';

/** A running ingest service. */
export interface Ingest {
  readonly runner: Runner;
  readonly state: IngestState;
  close(): Promise<void>;
}

export interface IngestOptions {
  readonly config: Config;
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Consumer group [ingest]. */
  readonly groupId?: string;
  /** The clock [Date.now]: the time a submission is received. */
  readonly now?: () => Date;
  /** Where to start a group without offsets [from the beginning]. */
  readonly fromBeginning?: boolean;
}

/**
 * The ingest service: loads its tables (item chains from its changelog, income-support recipients, accredited
 * intermediaries), then consumes every nr.<node>.in through the shared runner. The sender of a submission is
 * the node of its topic. An update whose predecessor has not been seen is parked on ncn.ingest.pending, whose
 * own consumer lets it wait up to the configured time for the predecessor (on another partition, or sent
 * later) and then decides it: applied in order, or rejected. The inbound partitions never wait.
 */
export async function startIngest(options: IngestOptions): Promise<Ingest> {
  const { config, kafka, serde, logger } = options;
  const now = options.now ?? (() => new Date());
  const state = new IngestState();
  const settings: IngestSettings = {
    validityDays: config.ingest.validityDays,
    limits: { ...defaultLimits, maxBytes: config.ingest.maxDocumentBytes },
    subjectHash: (cf) => subjectHash(config.dispatcher.auditKey, cf),
  };
  const name = options.groupId ?? 'ingest';

  const tables: Table[] = await Promise.all([
    followTable({
      kafka,
      topic: Topic.ingestItems,
      name,
      logger,
      apply: (message: ConsumedRecord) => {
        if (message.value !== null) state.applyCode(JSON.parse(message.value.toString()) as ChangelogRecord);
      },
    }),
    followTable({
      kafka,
      topic: Topic.inpsPercettori,
      name,
      logger,
      apply: async (message: ConsumedRecord) => {
        if (message.value === null) return;
        const record = await serde.decode<Percettore>(message.value);
        state.applyPercettore(record.codiceFiscale, record.tipoOperazione);
      },
    }),
    followTable({
      kafka,
      topic: Topic.intermediari,
      name,
      logger,
      apply: async (message: ConsumedRecord) => {
        const key = message.key?.toString();
        if (key === undefined) return;
        state.applyIntermediary(key, message.value === null ? null : await serde.decode<Intermediario>(message.value));
      },
    }),
  ]);
  await Promise.all(tables.map((t) => t.ready));
  logger.info(state.size, 'ingest tables loaded');
  const [itemsTable] = tables;

  /**
   * Whether a transaction aborted without the runner knowing whether it committed (a commit failing on the wire
   * may have been applied): its codes may be in ncn.ingest.items and not in the state, and deciding a submission
   * without them could take a repeat for new. The changelog is caught up before the next decision.
   */
  let resync = false;
  const hooks = {
    committed: (s: TransactionScope) => state.commit(scopeOf(s)),
    aborted: (s: TransactionScope) => {
      state.abort(scopeOf(s));
      resync = true;
    },
  };
  const synced = async (): Promise<void> => {
    if (!resync) return;
    if (!(await itemsTable?.catchUp(10_000))) {
      throw new NcnError(ErrorCode.Unavailable, 'the item changelog is not caught up yet', { retriable: true });
    }
    resync = false;
  };

  /** Decides one submission; an update whose predecessor is unknown goes to the pending topic, not into a wait. */
  const decide = (
    record: InputRecord,
    node: NodeId,
    receivedAt: Date,
    timedOut: boolean,
    arrived: { partition: number; offset: string } = record,
  ): Decision => {
    const scope = scopeOf(record);
    const source = sourceOf(record);
    const input = {
      node,
      bytes: record.value ?? Buffer.alloc(0),
      key: record.key,
      partition: arrived.partition,
      offset: arrived.offset,
      receivedAt,
    };
    const decision = decideSubmission(input, state.view(scope, source), settings, { predecessorTimedOut: timedOut });
    if (decision.kind === 'done' && decision.change !== undefined) state.stage(scope, source, decision.change);
    else state.unstage(scope, source);
    return decision;
  };

  const inbound: Handler = async (record) => {
    await synced();
    const node = NodeInTopicPattern.exec(record.topic)?.[1];
    if (node === undefined || !isNodeId(node)) {
      throw new NcnError(ErrorCode.Decode, `${record.topic} is not the inbound topic of a node`);
    }
    const receivedAt = now();
    const decision = decide(record, node, receivedAt, false);
    if (decision.kind === 'done') return decision.outputs;
    return [
      {
        topic: Topic.ingestPending,
        key: record.key,
        value: record.value ?? Buffer.alloc(0),
        headers: {
          [PendingHeader.group]: name,
          [PendingHeader.node]: node,
          [PendingHeader.receivedAt]: String(receivedAt.getTime()),
          [PendingHeader.parkedAt]: String(Date.now()),
          [PendingHeader.waitingFor]: decision.predecessor,
          [PendingHeader.partition]: String(record.partition),
          [PendingHeader.offset]: record.offset,
          [PendingHeader.code]: decision.code,
        },
      },
    ];
  };

  /**
   * Whether a parked submission would still be told to wait, known without deciding it again: it was parked
   * valid, with a new code and an unknown predecessor, and stays so while neither code becomes known and its
   * time is not up. Deciding again means validating the same bytes again, for every parked record at every turn
   * of the pending queue (every 50 ms or so). A record parked without its code in a header is decided again.
   */
  const stillWaiting = (record: InputRecord, deadline: number): boolean => {
    const predecessor = record.headers[PendingHeader.waitingFor]?.toString();
    const code = record.headers[PendingHeader.code]?.toString();
    if (predecessor === undefined || code === undefined || Date.now() >= deadline) return false;
    const view = state.view(scopeOf(record), sourceOf(record));
    return view.code(predecessor) === undefined && view.code(code) === undefined;
  };

  /**
   * Parked updates: each is decided again once its predecessor (or its own code) is known or its time (received
   * + the configured wait) is up; until then it goes back to the end of the pending topic, so that no parked
   * update blocks another (a predecessor may itself be parked behind it). When the time is up it is decided
   * for good.
   */
  const pending: Handler = async (record) => {
    if (record.headers[PendingHeader.group]?.toString() !== name) return [];
    await synced();
    const node = record.headers[PendingHeader.node]?.toString() ?? '';
    if (!isNodeId(node)) throw new NcnError(ErrorCode.Decode, 'a pending submission without its node');
    const receivedAt = new Date(Number(record.headers[PendingHeader.receivedAt]?.toString() ?? '0'));
    const deadline = receivedAt.getTime() + config.ingest.predecessorWaitMs;
    // Parked before these headers existed: the pending record's own place is all there is.
    const inPartition = record.headers[PendingHeader.partition]?.toString();
    const inOffset = record.headers[PendingHeader.offset]?.toString();
    const arrived =
      inPartition !== undefined && inOffset !== undefined
        ? { partition: Number(inPartition), offset: inOffset }
        : record;
    const attempt = (): Decision | undefined =>
      stillWaiting(record, deadline) ? undefined : decide(record, node, receivedAt, Date.now() >= deadline, arrived);
    const decision = attempt();
    if (decision?.kind === 'done') return decision.outputs;
    // Back to the end of the queue; a short queue does not spin: the pending runner's rounds are paced.
    const headers: Record<string, Buffer | string> = {};
    for (const [k, v] of Object.entries(record.headers)) if (v !== undefined) headers[k] = v;
    headers[PendingHeader.parkedAt] = String(Date.now());
    return [{ topic: Topic.ingestPending, key: record.key, value: record.value ?? Buffer.alloc(0), headers }];
  };

  // One transactional producer for the process: the inbound and the pending runner take turns on it.
  const transactions = processTransactions(kafka, name);
  const runner = await startRunner({
    service: 'ingest',
    groupId: name,
    transactions,
    kafka,
    serde,
    logger,
    topics: [/^nr\.\d{2}\.in$/],
    handler: inbound,
    hooks,
    httpPort: config.httpPort,
    fromBeginning: options.fromBeginning ?? true,
    partitionsConsumedConcurrently: 8,
    maxBytesPerPartition: 17 * 1024 * 1024,
    maxRecordsPerTransaction: 200,
  });

  const pendingRunner = await startRunner({
    service: 'ingest',
    groupId: `${name}.pending`,
    transactions,
    kafka,
    serde,
    logger,
    topics: NodeConsumerGroupInputs['ingest.pending'],
    handler: pending,
    hooks,
    fromBeginning: true,
    // A parked update comes round again at most every 50 ms while it waits.
    minRoundIntervalMs: 50,
    maxBytesPerPartition: 17 * 1024 * 1024,
    maxRecordsPerTransaction: 500,
  });

  let closing: Promise<void> | undefined;
  return {
    runner,
    state,
    close() {
      closing ??= (async () => {
        await Promise.all([runner.close(), pendingRunner.close()]);
        await transactions.close();
        await Promise.all(tables.map((t) => t.close()));
      })();
      return closing;
    },
  };
}
