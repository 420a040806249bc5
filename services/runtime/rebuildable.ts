import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ErrorCode, NcnError } from './errors';
import { redisUnavailable } from './redis';
import type { Logger } from './logger';

/** How a rebuild ended: complete (`built`), its writes lost to a flush (`lost`), or a later one runs (`another`). */
export type RebuildOutcome = 'built' | 'lost' | 'another';

/**
 * The marker of a Redis cache of Kafka (the CO table, the expiry index, the audit index): it says the cache is
 * complete. A rebuild begins under a token of its own and finishes only if that token is still the latest: a flush
 * meanwhile took its writes (run it again), and a rebuild begun later by another instance sets the marker itself.
 */
export interface RebuildMarker {
  built(): Promise<boolean>;
  begin(token: string): Promise<void>;
  finish(token: string): Promise<RebuildOutcome>;
}

// KEYS: 1 the rebuild token, 2 the built marker. ARGV: 1 the token, 2 the time. The marker is set only when the
// token is still there. No token and no marker: a flush during the rebuild took what it had written (0). Another
// rebuild's token in its place: that one began later and sets the marker; no token but the marker: it already did (2).
const FINISH = `
local current = redis.call('GET', KEYS[1])
if not current then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
  return 0
end
if current ~= ARGV[1] then return 2 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
return 1`;

/** A marker in two keys: `builtKey` (the cache is complete) and `buildingKey` (the token of the latest rebuild). */
export class RedisRebuildMarker implements RebuildMarker {
  constructor(
    private readonly redis: Redis,
    readonly builtKey: string,
    readonly buildingKey: string,
  ) {}

  async built(): Promise<boolean> {
    try {
      return (await this.redis.exists(this.builtKey)) === 1;
    } catch (error) {
      throw redisUnavailable(error);
    }
  }

  async begin(token: string): Promise<void> {
    try {
      await this.redis.set(this.buildingKey, token);
    } catch (error) {
      throw redisUnavailable(error);
    }
  }

  async finish(token: string, at = Date.now()): Promise<RebuildOutcome> {
    try {
      const r = await this.redis.eval(FINISH, 2, this.buildingKey, this.builtKey, token, String(at));
      return r === 1 ? 'built' : r === 2 ? 'another' : 'lost';
    } catch (error) {
      throw redisUnavailable(error);
    }
  }
}

/**
 * A cache of Kafka in Redis that is rebuilt when lost: `fill` writes everything the cache should hold (read from
 * its topics to where they end now; writes the live path repeats change nothing), under the marker's protocol.
 * One rebuild at a time per process, shared by every caller (`rebuild`); a rebuild whose writes a flush took runs
 * again (up to `attempts`), and one that another instance's later rebuild overtook waits for that one's marker.
 */
export class RebuildableIndex<R> {
  #running: Promise<R> | undefined;
  /** Rebuilds completed by this process. */
  rebuilds = 0;

  constructor(
    private readonly options: {
      /** What the cache is, for logs and errors (`the CO table`). */
      readonly name: string;
      readonly marker: RebuildMarker;
      readonly fill: () => Promise<R>;
      readonly logger: Logger;
      /** How long to wait for another instance's later rebuild to finish [5 min]. */
      readonly waitForOtherMs?: number;
      /** Rebuilds tried when flushes keep taking the writes [3]. */
      readonly attempts?: number;
      /** How often to look at the marker while another instance rebuilds [500 ms]. */
      readonly pollMs?: number;
    },
  ) {}

  built(): Promise<boolean> {
    return this.options.marker.built();
  }

  /** Resolves once the cache is complete: at once when marked so, else after a rebuild (shared). */
  async ensure(why: string): Promise<void> {
    if (!(await this.built())) await this.rebuild(why);
  }

  /** Resolves once no rebuild of this process runs (whether it succeeded or not): for a clean close. */
  async settled(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  /** Rebuilds the cache; callers while one runs share it. Resolves with what `fill` answered. */
  rebuild(why: string): Promise<R> {
    this.#running ??= this.#rebuild(why).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #rebuild(why: string): Promise<R> {
    const { name, marker, fill, logger } = this.options;
    const attempts = this.options.attempts ?? 3;
    logger.warn({ why }, `rebuilding ${name}`);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = Date.now();
      const token = randomUUID();
      await marker.begin(token);
      const result = await fill();
      const outcome = await marker.finish(token);
      const done = { result, attempt, elapsedMs: Date.now() - started };
      if (outcome === 'built') {
        this.rebuilds++;
        logger.info(done, `${name} rebuilt`);
        return result;
      }
      if (outcome === 'another') {
        // Another instance began rebuilding after this one: it sets the marker when done. Should it not (it
        // stopped), this instance rebuilds again.
        logger.info({ attempt }, `another instance is rebuilding ${name} too: waiting for it to finish`);
        if (await this.#builtWithin(this.options.waitForOtherMs ?? 300_000)) {
          this.rebuilds++;
          logger.info(done, `${name} rebuilt (finished by another instance)`);
          return result;
        }
        logger.warn({ attempt }, `the other rebuild of ${name} did not finish: rebuilding again`);
        continue;
      }
      logger.warn({ attempt }, `Redis lost ${name} while it was being rebuilt: rebuilding again`);
    }
    throw new NcnError(ErrorCode.Unavailable, `Redis kept losing ${name} while it was being rebuilt`, {
      retriable: true,
    });
  }

  async #builtWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (await this.built()) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 500));
    }
  }
}
