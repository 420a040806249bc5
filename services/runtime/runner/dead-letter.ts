import { DeadLetterHeader } from '../../../contracts/headers';
import { Topic } from '../../../contracts/topics';
import { NcnError } from '../errors';
import type { Middleware } from './middleware';
import type { EncodedOutput, InputRecord, OutputRecord } from './types';

/** The code and message of any error, for the dead-letter headers. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof NcnError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'NCN_HANDLER_ERROR', message: `${error.name}: ${error.message}` };
  return { code: 'NCN_HANDLER_ERROR', message: String(error) };
}

/**
 * The dead-letter record of an input: the original key and bytes untouched, the original headers, and named
 * headers saying which service failed on it, why, and where it came from (so it can be replayed).
 */
export function deadLetter(
  record: InputRecord,
  failure: { code: string; message: string },
  service: string,
  at: Date,
): OutputRecord {
  const original: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers)) if (value !== undefined) original[name] = value;
  return {
    topic: Topic.dlq,
    key: record.key,
    value: record.value ?? Buffer.alloc(0),
    headers: {
      ...original,
      [DeadLetterHeader.errorCode]: failure.code,
      [DeadLetterHeader.errorMessage]: failure.message.slice(0, 4_000),
      [DeadLetterHeader.service]: service,
      [DeadLetterHeader.sourceTopic]: record.topic,
      [DeadLetterHeader.sourcePartition]: String(record.partition),
      [DeadLetterHeader.sourceOffset]: record.offset,
      [DeadLetterHeader.failedAt]: at.toISOString(),
    },
  };
}

/**
 * Turns a permanent failure (not `isTransient`) into the record's dead letter on ncn.dlq, so that one bad record
 * never blocks its partition; a transient one is rethrown (the runner leaves the record's task out of the round).
 */
export function deadLettering(options: {
  service: string;
  isTransient: (error: unknown) => boolean;
  now: () => Date;
  encode: (output: OutputRecord) => Promise<EncodedOutput['message']>;
  onDeadLetter?: (record: InputRecord, failure: { code: string; message: string }) => void;
}): Middleware {
  return (next) => async (record) => {
    try {
      return await next(record);
    } catch (error) {
      if (options.isTransient(error)) throw error;
      const failure = describeError(error);
      options.onDeadLetter?.(record, failure);
      const letter = deadLetter(record, failure, options.service, options.now());
      return [{ topic: letter.topic, message: await options.encode(letter) }];
    }
  };
}
