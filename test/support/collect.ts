import type { ConsumedRecord, Kafka, TopicReader } from '../../services/runtime/kafka';
import type { AvroSerde } from '../../services/runtime/avro-serde';
import { endOffsets } from './consume';

/** A record read back by a collector, its Avro value decoded. */
export interface Collected<T = Record<string, unknown>> {
  readonly topic: string;
  readonly key: string;
  readonly value: T;
  readonly raw: ConsumedRecord;
}

/**
 * Reads several topics from where they end at start, for as long as a test file runs, decoding Avro values.
 * Tests ask `waitFor(predicate)` over everything collected so far.
 */
export class Collector {
  readonly records: Collected[] = [];
  readonly #reader: TopicReader;
  readonly #serde: AvroSerde;
  #waiters: (() => void)[] = [];
  #reading: Promise<void> = Promise.resolve();
  #stopped = false;

  private constructor(reader: TopicReader, serde: AvroSerde) {
    this.#reader = reader;
    this.#serde = serde;
  }

  static async start(kafka: Kafka, serde: AvroSerde, topics: readonly string[]): Promise<Collector> {
    const marks = await endOffsets(kafka, topics);
    const collector = new Collector(kafka.reader({ topics, from: marks }), serde);
    await collector.#reader.connect();
    collector.#reading = collector.#read();
    return collector;
  }

  async #read(): Promise<void> {
    while (!this.#stopped) {
      const records = await this.#reader.poll(500).catch((error: unknown) => {
        console.warn(`collector: poll failed: ${String(error)}`);
        return [];
      });
      for (const raw of records) {
        const value = raw.value === null ? {} : await this.#decode(raw.value);
        this.records.push({ topic: raw.topic, key: raw.key?.toString() ?? '', value, raw });
      }
      if (records.length === 0) continue;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    }
  }

  /** The record's value decoded; a registry that does not answer is asked again (a record is never skipped). */
  async #decode(value: Buffer): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#serde.decode(value)) as Record<string, unknown>;
      } catch (error) {
        if (this.#stopped || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
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
    this.#stopped = true;
    await this.#reading;
    await this.#reader.disconnect();
  }
}
