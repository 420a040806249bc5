import type { OutgoingMessage, Producer } from '../runtime/kafka';
import type { AvroSerde } from '../runtime/avro-serde';

/** Messages per send. */
export const DefaultBatchSize = 500;

/**
 * Publishes keyed Avro values to one topic in batches, one send in flight while the next batch is read and
 * encoded. With an idempotent producer (one request in flight) the records keep their order and a retried send
 * writes nothing twice. `flush` sends what is left and waits; a failed send rejects `add` or `flush`.
 */
export class BatchPublisher {
  readonly #producer: Producer;
  readonly #serde: AvroSerde;
  readonly #schemaId: number;
  readonly #topic: string;
  readonly #batchSize: number;
  readonly #onSent: (count: number) => void;
  #batch: OutgoingMessage[] = [];
  #inFlight: Promise<void> = Promise.resolve();

  /** `onSent` hears how many records each completed send wrote. */
  constructor(options: {
    producer: Producer;
    serde: AvroSerde;
    schemaId: number;
    topic: string;
    batchSize?: number;
    onSent?: (count: number) => void;
  }) {
    this.#producer = options.producer;
    this.#serde = options.serde;
    this.#schemaId = options.schemaId;
    this.#topic = options.topic;
    this.#batchSize = options.batchSize ?? DefaultBatchSize;
    this.#onSent = options.onSent ?? (() => undefined);
  }

  async add(key: string, value: unknown): Promise<void> {
    this.#batch.push({ key, value: await this.#serde.encode(this.#schemaId, value) });
    if (this.#batch.length >= this.#batchSize) await this.#send();
  }

  async flush(): Promise<void> {
    if (this.#batch.length > 0) await this.#send();
    await this.#inFlight;
  }

  /** Waits for the send before (its failure stops here), then starts this one without waiting for it. */
  async #send(): Promise<void> {
    const messages = this.#batch;
    this.#batch = [];
    await this.#inFlight;
    const sending = this.#producer.send({ topic: this.#topic, messages }).then(() => this.#onSent(messages.length));
    // A failure is reported by the next add or flush; until then it must not count as unhandled.
    sending.catch(() => undefined);
    this.#inFlight = sending;
  }
}
