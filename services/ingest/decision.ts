import { createHash } from 'node:crypto';
import { DeadLetterHeader } from '../../contracts/headers';
import type { NodeId } from '../../contracts/nodes';
import { Topic, nodeTopic } from '../../contracts/topics';
import type { OutputRecord } from '../runtime/runner/types';
import type { Issue } from '../../lib/xml/issues';
import type { ChangelogRecord } from './state';

/** One submission as the shell hands it over. */
export interface SubmissionInput {
  /** The node of the topic it came on: the sender, whatever the document or a header says. */
  readonly node: NodeId;
  readonly bytes: Buffer;
  readonly key: Buffer | null;
  readonly partition: number;
  readonly offset: string;
  readonly receivedAt: Date;
}

/**
 * What to do with a submission. `wait`: it is valid, its own code is new, and its predecessor is not known yet;
 * ask again later (the answer stays `wait` while neither code is known and the wait has not run out).
 */
export type Decision =
  | { readonly kind: 'wait'; readonly predecessor: string; readonly code: string }
  | {
      readonly kind: 'done';
      readonly outcome: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
      readonly outputs: OutputRecord[];
      readonly change?: ChangelogRecord;
    };

/** What a receipt says the submission is. */
export type ReceiptKind = 'CANDIDATURA' | 'VACANCY' | 'MESSAGGIO' | 'UNKNOWN';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The item or message code in bytes that could not be validated, for the receipt's key (best effort). */
export function codeIn(bytes: Buffer): string | undefined {
  return /<(?:\w+:)?codice(?:candidatura|offerta|messaggio)>\s*([^<\s]{1,40})\s*</.exec(
    bytes.subarray(0, 600_000).toString('utf8'),
  )?.[1];
}

export function receipt(
  input: SubmissionInput,
  outcome: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED',
  details: {
    code?: string;
    root?: string;
    kind?: ReceiptKind;
    issues: readonly Issue[];
    hash: string;
  },
): OutputRecord {
  return {
    topic: nodeTopic.receipts(input.node),
    key: details.code ?? input.key,
    value: {
      avro: 'it.ncn.Receipt',
      data: {
        node: input.node,
        code: details.code ?? null,
        root: details.root ?? null,
        kind: details.kind ?? 'UNKNOWN',
        outcome,
        issues: details.issues.map((i) => ({
          code: i.code,
          severity: i.severity.toUpperCase(),
          path: i.path,
          message: i.message,
        })),
        sha256: details.hash,
        partition: input.partition,
        offset: Number(input.offset),
        receivedAt: input.receivedAt.getTime(),
      },
    },
  };
}

/** The rejected submission's original bytes, for ncn.dlq (rule 9). */
function deadLetterOf(input: SubmissionInput, issues: readonly Issue[]): OutputRecord {
  const first = issues.find((i) => i.severity === 'error') ?? issues[0];
  return {
    topic: Topic.dlq,
    key: input.key,
    value: input.bytes,
    headers: {
      [DeadLetterHeader.errorCode]: first?.code ?? 'REJECTED',
      [DeadLetterHeader.errorMessage]: (first?.message ?? 'rejected').slice(0, 4_000),
      [DeadLetterHeader.service]: 'ingest',
      [DeadLetterHeader.sourceTopic]: nodeTopic.in(input.node),
      [DeadLetterHeader.sourcePartition]: String(input.partition),
      [DeadLetterHeader.sourceOffset]: input.offset,
      [DeadLetterHeader.failedAt]: input.receivedAt.toISOString(),
    },
  };
}

export function reject(
  input: SubmissionInput,
  hash: string,
  issues: readonly Issue[],
  details: { code?: string; root?: string; kind?: ReceiptKind } = {},
): Decision {
  return {
    kind: 'done',
    outcome: 'REJECTED',
    outputs: [receipt(input, 'REJECTED', { ...details, issues, hash }), deadLetterOf(input, issues)],
  };
}

/** A repeat of a submission already taken (rule 9): its receipt only, naming the root it went to. */
export function duplicate(
  input: SubmissionInput,
  hash: string,
  details: { code: string; root: string; kind: ReceiptKind },
): Decision {
  return {
    kind: 'done',
    outcome: 'DUPLICATE',
    outputs: [receipt(input, 'DUPLICATE', { ...details, issues: [], hash })],
  };
}
