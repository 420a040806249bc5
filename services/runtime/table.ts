import type { ConsumedRecord, Kafka } from './kafka';
import { NcnError } from './errors';
import type { Logger } from './logger';

/** A topic read whole into memory and followed afterwards (a "global table"). */
export interface Table {
  /** Resolves once everything the topic held at start has been applied. */
  readonly ready: Promise<void>;
  /**
   * Waits, at most `maxMs`, until the table has read the topic up to where it ends now (its last stable offset:
   * everything committed, by this instance or one before it) and applied every record in it; false when the time
   * ran out. How far it has read counts what the reader skips (commit markers, aborted records), so a topic that
   * ends in those is caught up once read past them.
   */
  catchUp(maxMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Reads a topic from the beginning on every instance (a topic reader outside any group, committing nothing),
 * applies each record, and keeps following it. `ready` resolves when every partition has been read up to where it
 * ended at start, markers and aborted records at its end included (the reader's position moves past them).
 */
export async function followTable(options: {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly name: string;
  readonly logger: Logger;
  readonly apply: (message: ConsumedRecord, partition: number) => void | Promise<void>;
}): Promise<Table> {
  const { kafka, topic, logger } = options;
  const reader = kafka.reader({ topics: [topic], from: 'earliest' });
  await reader.connect();
  const atStart = await reader.ends();
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let loaded = false;
  let applied = 0;
  let closed = false;
  let failure: unknown;
  /**
   * Applies a record; a transient failure (the schema registry away while a value is decoded) is retried, with
   * backoff, for as long as it lasts: a table that stopped would hold its service's start, or its catch-ups, for good.
   */
  const applyRetrying = async (record: ConsumedRecord): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.apply(record, record.partition);
        return;
      } catch (error) {
        if (closed || !(error instanceof NcnError && error.retriable)) throw error;
        if (attempt === 1 || attempt % 10 === 0)
          logger.warn({ err: error, topic, attempt }, 'applying a table record failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** Math.min(attempt, 5))));
      }
    }
  };
  const following = (async () => {
    while (!closed) {
      const records = await reader.poll(500);
      for (const record of records) {
        await applyRetrying(record);
        applied++;
      }
      if (!loaded && reader.reached(atStart)) {
        loaded = true;
        logger.info({ topic, applied }, 'table loaded');
        resolveReady();
      }
    }
  })().catch((error: unknown) => {
    failure = error;
    logger.error({ err: error, topic }, 'the table stopped following its topic');
  });
  return {
    ready,
    async catchUp(maxMs = 3_000) {
      const deadline = Date.now() + maxMs;
      // Ends the cluster cannot tell within the time: not caught up (the caller tries again), never an error.
      const ends = await reader.ends(maxMs).catch((error: unknown) => {
        logger.debug({ err: error, topic }, 'where the table ends is not known yet');
        return undefined;
      });
      if (ends === undefined) return false;
      while (!reader.reached(ends)) {
        if (failure !== undefined || Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return true;
    },
    async close() {
      closed = true;
      await following;
      await reader.disconnect();
    },
  };
}
