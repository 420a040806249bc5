/**
 * kafkajs' protocol encoder, as patched at install (patches/kafkajs+2.2.4.patch) for speed: buffers allocated
 * without zero-filling and sized up front, varints written in place. The bytes must be exactly what the Kafka
 * protocol says; this checks them against encodings written here from the protocol's definition, with no broker
 * (every integration test then sends them to a real one, which checks each batch's CRC).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs' protocol modules have no types; their shapes are below. */
import { Random } from '../../../services/gen/random';

interface EncoderLike {
  readonly buffer: Buffer;
  size(): number;
  writeVarInt(value: number): EncoderLike;
  writeUVarInt(value: number): EncoderLike;
  writeVarLong(value: string | number): EncoderLike;
  writeInt32(value: number): EncoderLike;
  writeString(value: string): EncoderLike;
  writeBytes(value: Buffer): EncoderLike;
}
const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => EncoderLike;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string>;
}) => EncoderLike;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: {
    records: EncoderLike[];
    firstTimestamp: number;
    maxTimestamp: number;
    lastOffsetDelta: number;
    transactional?: boolean;
  }) => Promise<EncoderLike>;
};
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; offset: string }[];
}>;
const kafkaCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (bytes: Buffer) => number;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const encodeRequest = require('kafkajs/src/protocol/request') as (request: {
  correlationId: number;
  clientId: string;
  request: { apiKey: number; apiVersion: number; encode: () => Promise<EncoderLike> };
}) => Promise<EncoderLike>;
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (request: {
  acks: number;
  timeout: number;
  transactionalId: string | null;
  topicData: { topic: string; partitions: { partition: number; messages: { key: string; value: Buffer }[] }[] }[];
}) => { encode: () => Promise<EncoderLike>; apiKey: number; apiVersion: number };

/** Unsigned LEB128 of a non-negative bigint: seven bits a byte, low first, the top bit set on all but the last. */
function leb128(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = value;
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return Buffer.from(bytes);
}
/** Kafka's signed varint / varlong: zigzag (0, -1, 1, -2 … → 0, 1, 2, 3 …), then LEB128. */
const zigzag = (value: bigint, bits: bigint): bigint => {
  const mask = (1n << bits) - 1n;
  return ((value << 1n) ^ (value >> (bits - 1n))) & mask;
};

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit. */
function crc32c(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const rng = new Random(20261202);
const bytesOf = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rng.int(0, 255)));

describe('the patched kafkajs encoder writes the protocol bytes', () => {
  const int32Edges = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 2 ** 20, -(2 ** 20), 2 ** 31 - 1, -(2 ** 31)];

  it('writes signed varints as zigzag LEB128', () => {
    const values = [...int32Edges, ...Array.from({ length: 2000 }, () => rng.int(-(2 ** 31), 2 ** 31 - 1))];
    for (const v of values) expect(new Encoder().writeVarInt(v).buffer).toEqual(leb128(zigzag(BigInt(v), 32n)));
  });

  it('writes unsigned varints as LEB128', () => {
    const values = [
      0,
      1,
      127,
      128,
      16_383,
      16_384,
      2 ** 28,
      2 ** 31 - 1,
      ...Array.from({ length: 500 }, () => rng.int(0, 2 ** 31 - 1)),
    ];
    for (const v of values) expect(new Encoder().writeUVarInt(v).buffer).toEqual(leb128(BigInt(v)));
  });

  it('writes signed varlongs as zigzag LEB128 over 64 bits', () => {
    const values = [
      0n,
      -1n,
      1n,
      (1n << 62n) + 5n,
      -(1n << 62n),
      (1n << 63n) - 1n,
      -(1n << 63n),
      ...Array.from({ length: 500 }, () => BigInt(rng.int(-(2 ** 31), 2 ** 31 - 1)) * BigInt(rng.int(1, 2 ** 31))),
    ];
    for (const v of values) expect(new Encoder().writeVarLong(v.toString()).buffer).toEqual(leb128(zigzag(v, 64n)));
  });

  it('keeps every byte across growth: many writes into a small encoder equal the parts written apart', () => {
    const encoder = new Encoder(1);
    const parts: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const choice = rng.int(0, 3);
      const v = rng.int(-(2 ** 31), 2 ** 31 - 1);
      if (choice === 0) {
        encoder.writeVarInt(v);
        parts.push(new Encoder().writeVarInt(v).buffer);
      } else if (choice === 1) {
        encoder.writeInt32(v);
        parts.push(new Encoder().writeInt32(v).buffer);
      } else if (choice === 2) {
        const s = `s${v}`.repeat(rng.int(0, 40));
        encoder.writeString(s);
        parts.push(new Encoder().writeString(s).buffer);
      } else {
        const b = bytesOf(rng.int(0, 700));
        encoder.writeBytes(b);
        parts.push(new Encoder().writeBytes(b).buffer);
      }
    }
    // Compared as bytes (toEqual walks a Buffer element by element).
    expect(encoder.buffer.equals(Buffer.concat(parts))).toBe(true);
    expect(encoder.size()).toBe(encoder.buffer.length);
  });

  it('computes CRC-32C (the checksum of a record batch) as the bit-by-bit definition does, at every length', () => {
    expect(kafkaCrc32c(Buffer.from('123456789'))).toBe(0xe3069283); // the standard check value
    for (let n = 0; n <= 80; n++) {
      const bytes = bytesOf(n);
      expect([n, kafkaCrc32c(bytes)]).toEqual([n, crc32c(bytes)]);
    }
    const large = bytesOf(100_003);
    expect(kafkaCrc32c(large)).toBe(crc32c(large));
    expect(kafkaCrc32c(large.subarray(5))).toBe(crc32c(large.subarray(5)));
  });

  it('encodes a record batch that decodes to the same records, its CRC-32C over the batch after the CRC field', async () => {
    const sizes = [0, 1, 100, 3_000, 70_000, 511, 512, 513];
    const input = sizes.map((n, i) => ({
      key: i === 0 ? null : Buffer.from(`key-${i}`),
      value: i === 1 ? null : bytesOf(n),
      headers: { 'ncn-delivery-id': `root/${i}/UPSERT/05`, 'ncn-bin': bytesOf(i * 3) },
    }));
    const records = input.map((r, i) => Record({ ...r, offsetDelta: i, timestampDelta: i * 7 }));
    const batch = await RecordBatch({
      records,
      firstTimestamp: 1_796_000_000_000,
      maxTimestamp: 1_796_000_000_100,
      lastOffsetDelta: records.length - 1,
      transactional: true,
    });
    const bytes = batch.buffer;
    // FirstOffset int64, Length int32, PartitionLeaderEpoch int32, Magic int8, CRC uint32, then what it covers.
    expect(bytes.readInt32BE(8)).toBe(bytes.length - 12);
    expect(bytes.readInt8(16)).toBe(2);
    expect(bytes.readUInt32BE(17)).toBe(crc32c(bytes.subarray(21)));
    const decoded = await decodeBatch(new Decoder(bytes));
    expect(decoded.records.map((r) => [r.offset, r.key, r.value])).toEqual(
      input.map((r, i) => [String(i), r.key, r.value ?? null]),
    );
    expect(decoded.records.map((r) => r.headers)).toEqual(
      input.map((r) => ({
        'ncn-delivery-id': Buffer.from(r.headers['ncn-delivery-id']),
        'ncn-bin': r.headers['ncn-bin'],
      })),
    );
  });

  it('sizes a produce request exactly: its length prefix counts the bytes that follow', async () => {
    const produce = produceV3({
      acks: -1,
      timeout: 30_000,
      transactionalId: 'dispatcher.ncn.candidature.0',
      topicData: ['nr.05.out', 'nr.12.out', 'ncn.audit'].map((topic, t) => ({
        topic,
        partitions: [0, 1, 2].map((partition) => ({
          partition,
          messages: Array.from({ length: 5 + t }, (_, i) => ({ key: `root-${i}`, value: bytesOf(2_500 + i) })),
        })),
      })),
    });
    const request = await encodeRequest({ correlationId: 7, clientId: 'ncn-dispatcher', request: produce });
    const bytes = request.buffer;
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    expect(bytes.readInt16BE(4)).toBe(0); // Produce
    expect(bytes.readInt16BE(6)).toBe(3);
    expect(bytes.readInt32BE(8)).toBe(7);
    expect(request.size()).toBe(bytes.length);
  });
});
