import { DeadLetterHeader } from '../../../contracts/headers';
import { ErrorCode, NcnError } from '../errors';
import { deadLetter, describeError } from './dead-letter';

describe('deadLetter', () => {
  const record = {
    topic: 'nr.12.in',
    partition: 2,
    offset: '41',
    key: Buffer.from('12C0001'),
    value: Buffer.from([0x3c, 0xe8, 0xff]),
    headers: { traceparent: Buffer.from('00-abc') },
    timestamp: '0',
  };

  it('keeps the original key, bytes and headers and says why, where from and when', () => {
    const letter = deadLetter(
      record,
      describeError(new NcnError(ErrorCode.Decode, 'not Avro')),
      'ingest',
      new Date('2026-11-20T10:00:00Z'),
    );
    expect(letter.topic).toBe('ncn.dlq');
    expect(letter.key).toEqual(record.key);
    expect(letter.value).toEqual(record.value);
    expect(letter.headers).toEqual({
      traceparent: Buffer.from('00-abc'),
      [DeadLetterHeader.errorCode]: 'NCN_DECODE',
      [DeadLetterHeader.errorMessage]: 'not Avro',
      [DeadLetterHeader.service]: 'ingest',
      [DeadLetterHeader.sourceTopic]: 'nr.12.in',
      [DeadLetterHeader.sourcePartition]: '2',
      [DeadLetterHeader.sourceOffset]: '41',
      [DeadLetterHeader.failedAt]: '2026-11-20T10:00:00.000Z',
    });
  });

  it('describes errors that are not ours with a generic code', () => {
    expect(describeError(new TypeError('x is undefined'))).toEqual({
      code: 'NCN_HANDLER_ERROR',
      message: 'TypeError: x is undefined',
    });
  });
});
