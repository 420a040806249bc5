import { DeadLetterHeader, TraceHeader, TraceMaxHops } from '../../../contracts/headers';
import { NcnError, ErrorCode } from '../errors';
import { deadLettering } from './dead-letter';
import { compose, type Middleware, type Step } from './middleware';
import { retrying } from './retry';
import { timeLimit } from './timeout';
import { traceOf, tracing } from './trace';
import type { EncodedOutput, InputRecord } from './types';

const record = (headers: InputRecord['headers'] = {}, offset = '7'): InputRecord =>
  ({
    topic: 'ncn.candidature',
    partition: 2,
    offset,
    key: Buffer.from('k'),
    value: Buffer.from('bytes'),
    headers,
  }) as InputRecord;

const out = (topic: string, headers?: Record<string, string>): EncodedOutput => ({
  topic,
  message: { key: 'k', value: Buffer.from('v'), ...(headers ? { headers } : {}) },
});

const transient = () => new NcnError(ErrorCode.Unavailable, 'away', { retriable: true });
const isTransient = (e: unknown): boolean => e instanceof NcnError && e.retriable;

describe('compose', () => {
  it('runs the layers outermost first around the inner step', async () => {
    const seen: string[] = [];
    const layer =
      (name: string): Middleware =>
      (next) =>
      async (r) => {
        seen.push(`${name} in`);
        const result = await next(r);
        seen.push(`${name} out`);
        return result;
      };
    const inner: Step = async () => {
      seen.push('handler');
      return [];
    };
    await compose([layer('a'), layer('b')], inner)(record());
    expect(seen).toEqual(['a in', 'b in', 'handler', 'b out', 'a out']);
  });
});

describe('tracing', () => {
  it('puts the input’s path plus this hop on every output, keeping an output’s own trace', async () => {
    const step = tracing('dispatcher')(async () => [out('nr.05.out'), out('ncn.audit', { [TraceHeader]: 'mine' })]);
    const [first, second] = await step(record({ [TraceHeader]: Buffer.from('ingest@nr.12.in/0/3') }));
    expect(first?.message.headers?.[TraceHeader]).toBe('ingest@nr.12.in/0/3 > dispatcher@ncn.candidature/2/7');
    expect(second?.message.headers?.[TraceHeader]).toBe('mine');
  });

  it('starts a trace on a record without one and keeps only the last hops', () => {
    expect(traceOf('ingest', record())).toBe('ingest@ncn.candidature/2/7');
    const long = Array.from({ length: 20 }, (_, i) => `s${i}@t/0/${i}`).join(' > ');
    const hops = traceOf('x', record({ [TraceHeader]: Buffer.from(long) })).split(' > ');
    expect(hops).toHaveLength(TraceMaxHops);
    expect(hops.at(-1)).toBe('x@ncn.candidature/2/7');
    expect(hops[0]).toBe(`s${20 - TraceMaxHops + 1}@t/0/${20 - TraceMaxHops + 1}`);
  });
});

describe('timeLimit', () => {
  it('fails a record taking longer than the limit with a transient error, and passes a quick one through', async () => {
    const slow = timeLimit(30)(() => new Promise((resolve) => setTimeout(() => resolve([out('a')]), 1_000)));
    await expect(slow(record())).rejects.toMatchObject({ retriable: true, message: expect.stringMatching(/30 ms/) });
    const quick = timeLimit(1_000)(async () => [out('a')]);
    await expect(quick(record())).resolves.toHaveLength(1);
  });
});

describe('retrying and dead lettering together', () => {
  const policy = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };
  const letters = (): Middleware =>
    deadLettering({
      service: 'test',
      isTransient,
      now: () => new Date(0),
      encode: async (o) => ({
        key: o.key,
        value: o.value as Buffer,
        ...(o.headers ? { headers: { ...o.headers } } : {}),
      }),
    });

  it('retries a transient failure until it passes', async () => {
    let calls = 0;
    const step = compose([letters(), retrying({ policy, isTransient })], async () => {
      if (++calls < 3) throw transient();
      return [out('a')];
    });
    await expect(step(record())).resolves.toEqual([out('a')]);
    expect(calls).toBe(3);
  });

  it('rethrows a transient failure past its attempts (no dead letter), and dead-letters a permanent one at once', async () => {
    let calls = 0;
    const away = compose([letters(), retrying({ policy, isTransient })], async () => {
      calls++;
      throw transient();
    });
    await expect(away(record())).rejects.toMatchObject({ retriable: true });
    expect(calls).toBe(3);

    calls = 0;
    const bad = compose([letters(), retrying({ policy, isTransient })], async () => {
      calls++;
      throw new NcnError(ErrorCode.Decode, 'not Avro');
    });
    const [letter] = await bad(record());
    expect(calls).toBe(1);
    expect(letter?.topic).toBe('ncn.dlq');
    expect(letter?.message.value?.toString()).toBe('bytes');
    expect(letter?.message.headers?.[DeadLetterHeader.errorCode]).toBe('NCN_DECODE');
  });
});
