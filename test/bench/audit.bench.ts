/**
 * `npm run bench:audit`: the audit query among a million events. Prints figures; asserts nothing. Fills the audit
 * index (AuditIndex, as the indexer does) under a prefix of its own, which it removes afterwards: NCN_BENCH_EVENTS
 * events (default 1,000,000) of NCN_BENCH_PEOPLE people (default 200,000), plus one person with 500 events over 40
 * items; then times what `ncn audit --cf` does for a person (one range read and the per-item summary) for that
 * person and for random others.
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { trails, type AuditEntry } from '../../lib/audit/trails';
import { AuditIndex } from '../../services/runtime/audit-index';
import { loadConfig } from '../../services/runtime/config';
import { createRedis } from '../../services/runtime/redis';

const total = Number(process.env.NCN_BENCH_EVENTS ?? 1_000_000);
const people = Number(process.env.NCN_BENCH_PEOPLE ?? 200_000);
const hash = (n: number): string => createHmac('sha256', 'bench').update(String(n)).digest('hex');
const entry = (i: number, root: string): AuditEntry => ({
  at: Date.UTC(2026, 10, 1) + i * 1_000,
  service: 'dispatcher',
  event: i % 9 === 0 ? 'WITHDRAW' : 'DELIVER',
  kind: 'CANDIDATURA',
  root,
  version: 1 + (i % 3),
  fromNode: '05',
  toNode: String(1 + (i % 21)).padStart(2, '0'),
  rule: 'R1',
});

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? 0;

async function main(): Promise<void> {
  const config = loadConfig();
  const redis = createRedis(config);
  const prefix = `ncn-bench-${process.pid}`;
  const index = new AuditIndex(redis, prefix);
  const usedMemory = async (): Promise<number> =>
    Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  try {
    const memoryBefore = await usedMemory();
    const started = performance.now();
    const batch = 5_000;
    for (let i = 0; i < total; i += batch) {
      await index.add(
        Array.from({ length: Math.min(batch, total - i) }, (_, j) => {
          const n = i + j;
          return {
            subjectHash: hash(n % people),
            entry: entry(n, `05C2026BENCH${String(n % (people * 2)).padStart(13, '0')}`),
          };
        }),
      );
      if ((i / batch) % 20 === 0) process.stderr.write(`\r  ${i + batch} events`);
    }
    const big = hash(-1);
    await index.add(
      Array.from({ length: 500 }, (_, i) => ({
        subjectHash: big,
        entry: entry(i, `05C2026BIGPERSON${String(i % 40).padStart(9, '0')}`),
      })),
    );
    const fillSeconds = (performance.now() - started) / 1000;
    process.stderr.write('\n');
    const memoryAfter = await usedMemory();

    const time = async (subject: string): Promise<number> => {
      const t0 = performance.now();
      trails(await index.of(subject));
      return performance.now() - t0;
    };
    const bigTimes: number[] = [];
    for (let i = 0; i < 100; i++) bigTimes.push(await time(big));
    const otherTimes: number[] = [];
    for (let i = 0; i < 1_000; i++) otherTimes.push(await time(hash(Math.floor(Math.random() * people))));
    const bigTrail = trails(await index.of(big));

    console.log(
      `audit index: ${total.toLocaleString('en')} events of ${people.toLocaleString('en')} people + one person with 500`,
    );
    console.log(
      `  filled at ${Math.round((total + 500) / fillSeconds).toLocaleString('en')} events/s (${fillSeconds.toFixed(1)} s)`,
    );
    console.log(`  Redis memory for it: ${((memoryAfter - memoryBefore) / 1024 / 1024).toFixed(0)} MiB`);
    console.log(
      `  the person with 500 events (${bigTrail.length} items): median ${percentile(bigTimes, 50).toFixed(2)} ms, p99 ${percentile(bigTimes, 99).toFixed(2)} ms over 100 queries`,
    );
    console.log(
      `  random people (~${Math.round(total / people)} events each): median ${percentile(otherTimes, 50).toFixed(2)} ms, p99 ${percentile(otherTimes, 99).toFixed(2)} ms over 1,000 queries`,
    );
  } finally {
    process.stderr.write('  removing the bench keys…\n');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
