import type { Consumer, Kafka, KafkaMessage } from '../../services/runtime/kafka';
import type { AvroSerde } from '../../services/runtime/avro-serde';
import { endOffsets, seekTo } from './consume';
import { unique } from './unique';

/** A record read back by a collector, its Avro value decoded. */
export interface Collected<T = Record<string, unknown>> {
  readonly topic: string;
  readonly key: string;
  readonly value: T;
  readonly raw: KafkaMessage;
}

/**
 * Reads several topics from where they end at start, for as long as a test file runs, decoding Avro values.
 * Tests ask `waitFor(predicate)` over everything collected so far.
 */
export class Collector {
  readonly records: Collected[] = [];
  readonly #consumer: Consumer;
  readonly #serde: AvroSerde;
  #waiters: (() => void)[] = [];

  private constructor(kafka: Kafka, serde: AvroSerde) {
    this.#consumer = kafka.consumer({ groupId: unique('test.collector'), maxBytesPerPartition: 17 * 1024 * 1024 });
    this.#serde = serde;
  }

  static async start(kafka: Kafka, serde: AvroSerde, topics: readonly string[]): Promise<Collector> {
    const collector = new Collector(kafka, serde);
    const marks = await endOffsets(kafka, topics);
    const consumer = collector.#consumer;
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    let joined: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.FETCH_START, () => joined());
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = message.value === null ? {} : ((await serde.decode(message.value)) as Record<string, unknown>);
        collector.records.push({ topic, key: message.key?.toString() ?? '', value, raw: message });
        const waiters = collector.#waiters;
        collector.#waiters = [];
        for (const w of waiters) w();
      },
    });
    seekTo(consumer, marks);
    await ready;
    return collector;
  }

  /** Resolves with the records the predicate picks once `done` holds for them; rejects after the timeout. */
  async waitFor<T = Record<string, unknown>>(
    pick: (r: Collected) => boolean,
    done: (picked: readonly Collected<T>[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<Collected<T>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const picked = this.records.filter(pick) as unknown as Collected<T>[];
      if (done(picked)) return picked;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`collector: condition not met after ${timeoutMs} ms (${picked.length} picked)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  get serde(): AvroSerde {
    return this.#serde;
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}
