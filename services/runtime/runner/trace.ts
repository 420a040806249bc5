import { TraceHeader, TraceMaxHops } from '../../../contracts/headers';
import type { Middleware } from './middleware';
import type { InputRecord } from './types';

/** The trace of what `service` produces from `record`: the input's hops, then this one, the last TraceMaxHops. */
export function traceOf(service: string, record: InputRecord): string {
  const hop = `${service}@${record.topic}/${record.partition}/${record.offset}`;
  const before = record.headers[TraceHeader]?.toString();
  if (before === undefined || before === '') return hop;
  return [...before.split(' > '), hop].slice(-TraceMaxHops).join(' > ');
}

/** Puts the record's path (TraceHeader) on everything produced from it, unless an output carries one itself. */
export function tracing(service: string): Middleware {
  return (next) => async (record) => {
    const outputs = await next(record);
    if (outputs.length === 0) return outputs;
    const trace = traceOf(service, record);
    return outputs.map((o) =>
      o.message.headers?.[TraceHeader] !== undefined
        ? o
        : { topic: o.topic, message: { ...o.message, headers: { ...o.message.headers, [TraceHeader]: trace } } },
    );
  };
}
