/**
 * kafkajs' read_committed filter, as patched at install (patches/kafkajs+2.2.4.patch): the records of aborted
 * transactions are dropped whatever order the broker lists those transactions in. No broker: the shapes are the
 * ones kafkajs' Fetch decoder gives (offsets and producer ids as strings).
 */
// The module has no types; this is the function's shape, as kafkajs' Batch calls it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages') as (input: {
  messages: readonly Message[];
  abortedTransactions: readonly { producerId: string; firstOffset: string }[];
}) => Message[];

interface Message {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: string;
  readonly isControlRecord: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

const data = (offset: number, producerId: string, inTransaction = true): Message => ({
  offset: String(offset),
  key: Buffer.from('k'),
  value: `${producerId}@${offset}`,
  isControlRecord: false,
  batchContext: { producerId, inTransaction },
});
const marker = (offset: number, producerId: string, abort: boolean): Message => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, abort ? 0 : 1]),
  value: abort ? 'ABORT' : 'COMMIT',
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});
const values = (messages: readonly Message[]): string[] => messages.map((m) => m.value);

describe("kafkajs' aborted-record filter (patched)", () => {
  it('drops aborted records when the broker lists the transactions in abort order, not begin order', () => {
    // a begins at 0, b at 1; b is aborted first (its entry comes first), then a.
    const messages = [data(0, 'a'), data(1, 'b'), data(2, 'a'), marker(3, 'b', true), marker(4, 'a', true)];
    const kept = filterAbortedMessages({
      messages: [...messages, data(5, 'c', false)],
      abortedTransactions: [
        { producerId: 'b', firstOffset: '1' },
        { producerId: 'a', firstOffset: '0' },
      ],
    });
    expect(values(kept.filter((m) => !m.isControlRecord))).toEqual(['c@5']);
  });

  it('drops the records of every transaction that began before the fetched range', () => {
    // A fetch from offset 10 where x (from 2) and y (from 4) are both still open at its first record.
    const kept = filterAbortedMessages({
      messages: [data(10, 'y'), data(11, 'x'), data(12, 'z'), marker(13, 'x', true), marker(14, 'y', true)],
      abortedTransactions: [
        { producerId: 'x', firstOffset: '2' },
        { producerId: 'y', firstOffset: '4' },
      ],
    });
    expect(values(kept.filter((m) => !m.isControlRecord))).toEqual(['z@12']);
  });

  it('keeps the committed transaction a producer runs after its aborted one', () => {
    const kept = filterAbortedMessages({
      messages: [data(0, 'p'), marker(1, 'p', true), data(2, 'p'), marker(3, 'p', false)],
      abortedTransactions: [{ producerId: 'p', firstOffset: '0' }],
    });
    expect(values(kept.filter((m) => !m.isControlRecord))).toEqual(['p@2']);
  });

  it('takes only a control record for a marker, not a data record whose key looks like one', () => {
    const kept = filterAbortedMessages({
      messages: [data(0, 'p'), { ...data(1, 'p'), key: Buffer.from([0, 0, 0, 0]) }, data(2, 'p'), marker(3, 'p', true)],
      abortedTransactions: [{ producerId: 'p', firstOffset: '0' }],
    });
    expect(values(kept.filter((m) => !m.isControlRecord))).toEqual([]);
  });

  it('passes everything through when nothing was aborted', () => {
    const messages = [data(0, 'a'), marker(1, 'a', false)];
    expect(filterAbortedMessages({ messages, abortedTransactions: [] })).toEqual(messages);
  });
});
