import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Middleware } from './middleware';

/** The runner's Prometheus metrics, in a registry of the process. */
export interface RunnerMetrics {
  readonly registry: Registry;
  readonly recordsIn: Counter<'topic'>;
  readonly recordsOut: Counter<'topic'>;
  readonly failures: Counter<'kind'>;
  readonly processing: Histogram<string>;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly transactions: Counter<'outcome'>;
}

export function createRunnerMetrics(service: string): RunnerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    recordsIn: new Counter({
      name: 'ncn_records_in_total',
      help: 'Records consumed',
      labelNames: ['topic'],
      registers: [registry],
    }),
    recordsOut: new Counter({
      name: 'ncn_records_out_total',
      help: 'Records produced (committed)',
      labelNames: ['topic'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'ncn_failures_total',
      help: 'Failures by kind: retried (transient, retried), dead_lettered (permanent), transaction (aborted)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    processing: new Histogram({
      name: 'ncn_processing_seconds',
      help: 'Time to handle one record (handler and encoding)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'ncn_consumer_lag',
      help: 'Consumer lag per partition after each poll (the end the fetcher last saw - the position)',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    transactions: new Counter({
      name: 'ncn_transactions_total',
      help: 'Kafka transactions',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** Times the handling of each record, whatever its outcome (ncn_processing_seconds). */
export function timed(histogram: Histogram<string>): Middleware {
  return (next) => async (record) => {
    const stop = histogram.startTimer();
    try {
      return await next(record);
    } finally {
      stop();
    }
  };
}
