/**
 * `npm run bench:scheduler`: a million pending schedules in the scheduler's Redis index, on this machine. Prints
 * figures; asserts nothing. It fills the index through the same scripts the service runs (DueIndex), under a
 * prefix of its own that it removes afterwards, and reports: the fill rate, Redis's memory for it, this process's
 * RSS before and after (the schedules live in Redis, not here), the time to find the due items among them and
 * to fire a batch of them.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../services/runtime/config';
import { createRedis } from '../../services/runtime/redis';
import { DueIndex } from '../../services/scheduler/due-index';

const total = Number(process.env.NCN_BENCH_SCHEDULES ?? 1_000_000);
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const config = loadConfig();
  const redis = createRedis(config);
  const prefix = `ncn-bench-${process.pid}:scheduler`;
  const index = new DueIndex(redis, prefix);
  const usedMemory = async (): Promise<number> =>
    Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  try {
    await index.begin('bench');
    await index.finish('bench');
    const memoryBefore = await usedMemory();
    const rssBefore = process.memoryUsage().rss;
    const now = Date.now();
    const started = performance.now();
    const batch = 5_000;
    for (let i = 0; i < total; i += batch) {
      const ops = Array.from({ length: Math.min(batch, total - i) }, (_, j) => ({
        put: {
          root: `05C2026BENCH${String(i + j).padStart(13, '0')}`,
          kind: 'CANDIDATURA' as const,
          version: 1,
          node: '05',
          // 1 % due already, the rest over the next 60 days.
          dueAt: (i + j) % 100 === 0 ? now - 1_000 : now + 60_000 + (((i + j) * 5_184) % (60 * 86_400_000)),
        },
      }));
      await index.applyMany(ops);
      if ((i / batch) % 40 === 0) process.stderr.write(`\r  ${i + ops.length} schedules`);
    }
    const fillSeconds = (performance.now() - started) / 1000;
    process.stderr.write('\n');
    const pending = await index.pending();
    const memoryAfter = await usedMemory();
    const rssAfter = process.memoryUsage().rss;

    const queryStart = performance.now();
    const due = await index.due(now, 1_000);
    const queryMs = performance.now() - queryStart;
    const fireStart = performance.now();
    let fired = 0;
    for (const root of due) if ((await index.fire(root, now, `bench:0:${root}`)).fire) fired++;
    const fireMs = performance.now() - fireStart;

    console.log(`scheduler index, ${pending.toLocaleString('en')} pending schedules`);
    console.log(
      `  fill: ${fillSeconds.toFixed(1)} s, ${Math.round(total / fillSeconds).toLocaleString('en')} schedules/s`,
    );
    console.log(`  Redis memory for them: ${mib(memoryAfter - memoryBefore)}`);
    console.log(`  this process's RSS: ${mib(rssBefore)} before, ${mib(rssAfter)} after`);
    console.log(
      `  due items among them (first 1,000 of ${(total / 100).toLocaleString('en')}): ${queryMs.toFixed(1)} ms`,
    );
    console.log(
      `  fire ${fired} (one script call each): ${fireMs.toFixed(0)} ms, ${Math.round(fired / (fireMs / 1000))}/s`,
    );
  } finally {
    await index.clear();
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
