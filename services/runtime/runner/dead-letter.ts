import { DeadLetterHeader } from '../../../contracts/headers';
import { Topic } from '../../../contracts/topics';
import { NcnError } from '../errors';
import type { InputRecord, OutputRecord } from './types';

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
