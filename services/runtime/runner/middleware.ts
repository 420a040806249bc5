import type { EncodedOutput, InputRecord } from './types';

/** One way of handling a record: the record in, the encoded records to produce out. */
export type Step = (record: InputRecord) => Promise<readonly EncodedOutput[]>;

/** A layer around the handling of each record (retry, dead letter, metrics, timeout, tracing). */
export type Middleware = (next: Step) => Step;

/** `layers` around `inner`, the first outermost: compose([a, b], h) handles a record as a(b(h)). */
export function compose(layers: readonly Middleware[], inner: Step): Step {
  return layers.reduceRight<Step>((next, layer) => layer(next), inner);
}
