import type { Redis } from 'ioredis';
import { RedisRebuildMarker } from '../runtime/rebuildable';
import { redisUnavailable } from '../runtime/redis';
import { TipoMovimentoSymbols, type TipoMovimento } from '../../contracts/avro/types';
import type { CoRelation } from './enrich';

/** What a table operation answers when the table is gone from Redis (the built marker is missing). */
export const Lost = 'lost' as const;
export type Lost = typeof Lost;

/** A change to the income-support recipients: `order` is the INPS record's place in its topic (inputOrder). */
export interface RecipientChange {
  readonly cf: string;
  readonly recipient: boolean;
  readonly order: string;
}

/** Byte-wise "a > b", as enrich.ts compareOrder (Lua's own string comparison follows the server's locale). */
const GREATER = `
local function greater(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end`;

const FIELDS = `'order', 'start', 'end', 'qualifica', 'idComunicazione', 'tipoMovimento'`;

// KEYS: 1 the person's relation, 2 the built marker. ARGV: 1 '1' to require the marker, 2 order, 3 start, 4 end
// ('' when none), 5 qualifica, 6 idComunicazione, 7 tipoMovimento. Answers {-1} lost, else {1 written | 0 kept,
// then the stored relation's fields}.
const MERGE = `${GREATER}
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return {-1} end
local current = redis.call('HGET', KEYS[1], 'order')
local written = 0
if (not current) or greater(ARGV[2], current) then
  redis.call('HSET', KEYS[1], 'order', ARGV[2], 'start', ARGV[3], 'end', ARGV[4], 'qualifica', ARGV[5],
    'idComunicazione', ARGV[6], 'tipoMovimento', ARGV[7])
  written = 1
end
local s = redis.call('HMGET', KEYS[1], ${FIELDS})
return {written, s[1], s[2], s[3], s[4], s[5], s[6]}`;

// KEYS: 1 the person's relation, 2 the built marker. Answers {-1} lost, {0} none, {1, fields...}.
const LOOKUP = `
if redis.call('EXISTS', KEYS[2]) == 0 then return {-1} end
local s = redis.call('HMGET', KEYS[1], ${FIELDS})
if not s[1] then return {0} end
return {1, s[1], s[2], s[3], s[4], s[5], s[6]}`;

// KEYS: 1 the recipients' set, 2 their orders (hash), 3 the built marker. ARGV: 1 '1' to require the marker,
// 2 cf, 3 order, 4 '1' adds, '0' removes. Answers -1 lost, 0 older than what is known, 1 applied.
const RECIPIENT = `${GREATER}
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
local current = redis.call('HGET', KEYS[2], ARGV[2])
if current and not greater(ARGV[3], current) then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] == '1' then redis.call('SADD', KEYS[1], ARGV[2]) else redis.call('SREM', KEYS[1], ARGV[2]) end
return 1`;

// KEYS: 1 the recipients' set, 2 the built marker. Answers -1 lost, else 0 or 1.
const IS_RECIPIENT = `
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
return redis.call('SISMEMBER', KEYS[1], ARGV[1])`;

/** The place of an input record in its topic, as a string whose byte order is the records' order. */
export const inputOrder = (partition: number, offset: string): string =>
  `${String(partition).padStart(5, '0')}:${offset.padStart(20, '0')}`;

function toRelation(fields: readonly unknown[]): CoRelation {
  const [order, start, end, qualifica, idComunicazione, tipoMovimento] = fields.map((f) => String(f ?? ''));
  return {
    order: order ?? '',
    start: Number(start),
    end: end === undefined || end === '' ? null : Number(end),
    qualifica: qualifica ?? '',
    idComunicazione: idComunicazione ?? '',
    tipoMovimento: (TipoMovimentoSymbols as readonly string[]).includes(tipoMovimento ?? '')
      ? (tipoMovimento as TipoMovimento)
      : 'AVV',
  };
}

/**
 * The CO table in Redis: per worker, the last employment relation by start date (`<prefix>:co:last:<cf>`, a
 * hash), and the current income-support recipients (`<prefix>:percettori`, a set, with each person's latest INPS
 * record position in `<prefix>:enricher:percettori:order`). Both are caches of Kafka (co.rapporti,
 * inps.percettori), rebuilt when lost: a marker (`<prefix>:enricher:co:built`) says they are complete, and every
 * live operation answers `Lost` when it is missing. Writes are Lua scripts that keep the newer record, so a
 * replay or a late, older record never moves the table back.
 */
export class CoTable {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #marker: string;
  /** Whether the table is complete, and the protocol of its rebuilds (services/runtime/rebuildable.ts). */
  readonly marker: RedisRebuildMarker;
  readonly #recipients: string;
  readonly #recipientOrders: string;
  readonly #shas = new Map<string, Promise<string>>();

  /** `prefix`: the first part of every key (NCN_REDIS_PREFIX, default `ncn`). */
  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#marker = `${prefix}:enricher:co:built`;
    this.marker = new RedisRebuildMarker(redis, this.#marker, `${prefix}:enricher:co:building`);
    this.#recipients = `${prefix}:percettori`;
    this.#recipientOrders = `${prefix}:enricher:percettori:order`;
  }

  #last(cf: string): string {
    return `${this.#prefix}:co:last:${cf}`;
  }

  #sha(script: string): Promise<string> {
    let sha = this.#shas.get(script);
    if (sha === undefined) {
      sha = this.#redis.script('LOAD', script) as Promise<string>;
      sha.catch(() => this.#shas.delete(script));
      this.#shas.set(script, sha);
    }
    return sha;
  }

  /** Runs a script by its hash, loading it again when Redis forgot it (a restart, SCRIPT FLUSH). */
  async #run(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      try {
        return await this.#redis.evalsha(await this.#sha(script), keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        this.#shas.delete(script);
        return await this.#redis.eval(script, keys.length, ...keys, ...args);
      }
    } catch (error) {
      throw redisUnavailable(error);
    }
  }

  /** Runs many calls of a script in one round trip; again with the script's text when Redis forgot it. */
  async #pipeline(script: string, calls: readonly { keys: string[]; args: (string | number)[] }[]): Promise<void> {
    if (calls.length === 0) return;
    try {
      const sha = await this.#sha(script);
      const pipeline = this.#redis.pipeline();
      for (const c of calls) pipeline.evalsha(sha, c.keys.length, ...c.keys, ...c.args);
      let failed = (await pipeline.exec())?.find(([error]) => error !== null)?.[0];
      if (failed?.message.startsWith('NOSCRIPT')) {
        this.#shas.delete(script);
        const again = this.#redis.pipeline();
        for (const c of calls) again.eval(script, c.keys.length, ...c.keys, ...c.args);
        failed = (await again.exec())?.find(([error]) => error !== null)?.[0];
      }
      if (failed) throw failed;
    } catch (error) {
      throw redisUnavailable(error);
    }
  }

  #mergeArgs(check: boolean, r: CoRelation): (string | number)[] {
    return [check ? '1' : '0', r.order, r.start, r.end ?? '', r.qualifica, r.idComunicazione, r.tipoMovimento];
  }

  /** Merges a relation (enrich.ts mergeRelation) and answers the person's relation after it. */
  async merge(cf: string, relation: CoRelation): Promise<CoRelation | Lost> {
    const r = (await this.#run(MERGE, [this.#last(cf), this.#marker], this.#mergeArgs(true, relation))) as unknown[];
    return r[0] === -1 ? Lost : toRelation(r.slice(1));
  }

  /** The person's last relation, if the table has one. */
  async lookup(cf: string): Promise<CoRelation | undefined | Lost> {
    const r = (await this.#run(LOOKUP, [this.#last(cf), this.#marker], [])) as unknown[];
    if (r[0] === -1) return Lost;
    return r[0] === 0 ? undefined : toRelation(r.slice(1));
  }

  /** Records an INPS record's effect on the recipients (enrich.ts isRecipient), unless a later one was recorded. */
  async applyRecipient(change: RecipientChange): Promise<boolean | Lost> {
    const r = await this.#run(
      RECIPIENT,
      [this.#recipients, this.#recipientOrders, this.#marker],
      ['1', change.cf, change.order, change.recipient ? '1' : '0'],
    );
    return r === -1 ? Lost : r === 1;
  }

  /** Whether the person is a current income-support recipient. */
  async isRecipient(cf: string): Promise<boolean | Lost> {
    const r = await this.#run(IS_RECIPIENT, [this.#recipients, this.#marker], [cf]);
    return r === -1 ? Lost : r === 1;
  }

  /** Merges relations in one round trip, whether or not the marker is there (a rebuild). */
  async rebuildRelations(relations: readonly { cf: string; relation: CoRelation }[]): Promise<void> {
    await this.#pipeline(
      MERGE,
      relations.map(({ cf, relation }) => ({
        keys: [this.#last(cf), this.#marker],
        args: this.#mergeArgs(false, relation),
      })),
    );
  }

  /** Records recipients' changes in one round trip, whether or not the marker is there (a rebuild). */
  async rebuildRecipients(changes: readonly RecipientChange[]): Promise<void> {
    await this.#pipeline(
      RECIPIENT,
      changes.map((c) => ({
        keys: [this.#recipients, this.#recipientOrders, this.#marker],
        args: ['0', c.cf, c.order, c.recipient ? '1' : '0'],
      })),
    );
  }
}
