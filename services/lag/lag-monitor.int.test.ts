import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { kafkaLibs, resolveKafka } from '../../infra/local/kafka';
import { stackSettings } from '../../infra/local/settings';
import { startLagHttp } from './http';
import { startLagMonitor, type LagMonitor } from './monitor';
import { clientProperties } from '../runtime/config';
import { javaAdmin } from '../runtime/kafka';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

const artifacts = join(__dirname, '../../artifacts');
const chromiumPath = process.env.NCN_CHROMIUM ?? '/usr/bin/chromium';

/** The credentials of the tests as a Java client properties file, for Kafka's tool (none on a broker without SASL). */
const toolProperties = ((): string | undefined => {
  const { sasl } = testConfig.kafka;
  if (sasl === undefined) return undefined;
  const file = join(tmpdir(), unique('ncn-tool') + '.properties');
  writeFileSync(file, clientProperties(sasl), { mode: 0o600 });
  return file;
})();

/** `kafka-consumer-groups --describe` from Kafka's own jars: partition → [current offset, log-end offset, lag]. */
function describeWithKafkaTool(group: string): Map<string, [number, number, number]> {
  const settings = stackSettings();
  resolveKafka(settings);
  const out = execFileSync(
    'java',
    [
      '-cp',
      `${kafkaLibs(settings)}/*`,
      'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      '--bootstrap-server',
      `${settings.kafka.host}:${settings.kafka.port}`,
      '--describe',
      '--group',
      group,
      // The secured stack: the tool logs in with the same credentials as the tests.
      ...(toolProperties ? ['--command-config', toolProperties] : []),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
  );
  const rows = new Map<string, [number, number, number]>();
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[0] !== group) continue;
    rows.set(`${cols[1]}:${cols[2]}`, [Number(cols[3]), Number(cols[4]), Number(cols[5])]);
  }
  return rows;
}

describe('the lag monitor and its page, in a real browser', () => {
  const kafka = testKafka();
  const topic = unique('test.lag');
  const stopped = unique('test.lag.stopped');
  const stuck = unique('test.lag.stuck');
  const healthy = unique('test.lag.healthy');
  let monitor: LagMonitor;
  let http: { server: Server; port: number };
  let browser: Browser;
  /** The groups' members, each stopped (polling ends, it leaves its group) by its function. */
  const members: (() => Promise<void>)[] = [];

  const produce = async (n: number): Promise<void> => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: n }, (_, i) => ({ partition: i % 2, key: String(i), value: `m${i}` })),
    });
    await producer.disconnect();
  };

  /** A group that consumes `limit` records of each partition, commits them, and then stays or leaves. */
  async function consume(group: string, limit: number, then: 'leave' | 'pause' | 'keep'): Promise<void> {
    const consumer = kafka.groupConsumer({ groupId: group, topics: [topic], fromBeginning: true });
    await consumer.connect();
    const counts = new Map<number, number>();
    let done: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (done = resolve));
    let running = true;
    const polling = (async () => {
      while (running) {
        for (const record of await consumer.poll(100)) {
          const seen = counts.get(record.partition) ?? 0;
          // Paused: what was fetched past the limit is neither counted nor committed.
          if (then === 'pause' && seen >= limit) continue;
          counts.set(record.partition, seen + 1);
          await consumer.commit([{ topic, partition: record.partition, offset: BigInt(record.offset) + 1n }]);
          if (then === 'pause' && seen + 1 >= limit) consumer.pause([{ topic, partition: record.partition }]);
          if ([...counts.values()].filter((c) => c >= limit).length === 2) done();
        }
      }
    })();
    const stop = async (): Promise<void> => {
      running = false;
      await polling;
      await consumer.disconnect();
    };
    members.push(stop);
    await reached;
    await new Promise((resolve) => setTimeout(resolve, 600));
    if (then === 'leave') await stop();
  }

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
    for (;;) {
      const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
      if (offsets.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin.disconnect();
    await produce(200);
    await consume(stopped, 100, 'leave'); // left with all consumed (200 over 2 partitions)
    await consume(stuck, 30, 'pause'); // stays in the group, paused after 30 a partition
    await consume(healthy, 100, 'keep'); // keeps consuming
    await produce(100); // the stopped group now has lag and nobody to consume it
    monitor = await startLagMonitor({
      kafka,
      logger: silentLogger,
      intervalMs: 300,
      thresholds: { windowSize: 5, okLag: 1 },
      ignore: [/^(?!test\.lag\.)/],
      // Kafka's Java admin, asked once (the whole test is shorter than its interval): who leads the quorum.
      quorum: () => javaAdmin(testConfig, kafkaLibs(stackSettings())).quorum(),
    });
    http = await startLagHttp(monitor, 0, '127.0.0.1');
    if (!existsSync(chromiumPath))
      throw new Error(`no Chromium at ${chromiumPath}: apt-get install chromium, or set NCN_CHROMIUM`);
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    // The tool's credentials file must not outlive the test.
    if (toolProperties !== undefined) rmSync(toolProperties, { force: true });
    await browser?.close();
    await new Promise<void>((resolve) => (http ? http.server.close(() => resolve()) : resolve()));
    await monitor?.close();
    for (const stop of members) await stop().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('shows a group that stopped as STOP and a stuck one as STALL within the window; the healthy one OK', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${http.port}/`);
    const statusOf = (group: string) => page.locator(`tr.group[data-group="${group}"] .status`);
    // Window: 5 samples 300 ms apart; the page refreshes every 2 s.
    const deadline = Date.now() + 20_000;
    const wanted = { [stopped]: 'ERR', [stuck]: 'ERR', [healthy]: 'OK' };
    for (;;) {
      const shown = await Promise.all(
        Object.keys(wanted).map((g) =>
          statusOf(g)
            .textContent({ timeout: 1_000 })
            .catch(() => null),
        ),
      );
      if (Object.values(wanted).every((want, i) => shown[i] === want)) break;
      if (Date.now() > deadline)
        throw new Error(`the page shows ${JSON.stringify(shown)}, expected ${JSON.stringify(wanted)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await statusOf(stopped).textContent()).toBe('ERR');
    expect(await statusOf(stuck).textContent()).toBe('ERR');
    expect(await statusOf(healthy).textContent()).toBe('OK');
    await page.locator(`tr.group[data-group="${stopped}"]`).click();
    await page.locator(`tr.group[data-group="${stuck}"]`).click();
    await page.waitForSelector(`tr.detail [data-partition="${topic}:0"]`, { timeout: 10_000 });
    const partitionStatuses = await page.$$eval('tr.detail tr[data-partition] .status', (els) =>
      els.map((e) => e.textContent),
    );
    expect(partitionStatuses.filter((s) => s === 'STOP')).toHaveLength(2);
    expect(partitionStatuses.filter((s) => s === 'STALL')).toHaveLength(2);
    // The chart draws a line per group; the stopped group's stands above zero.
    await page.waitForSelector(`#chart polyline[data-series="${stopped}"]`, { state: 'attached', timeout: 10_000 });
    expect(await page.locator('#chart polyline').count()).toBe(3);
    // The brokers, with what they lead and the partitions short of replicas or of a leader.
    await page.waitForSelector('#brokers tr[data-broker="1"]', { timeout: 10_000 });
    expect(await page.locator('#replication').textContent()).toContain('under-replicated partitions: 0');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'lag-page.png'), fullPage: true });
    expect(existsSync(join(artifacts, 'lag-page.png'))).toBe(true);
    await page.close();
  });

  it('agrees with kafka-consumer-groups on every partition', async () => {
    await monitor.sample();
    const lines: string[] = [];
    for (const group of [stopped, stuck]) {
      const ours = monitor.group(group);
      const theirs = describeWithKafkaTool(group);
      expect(ours?.partitions).toHaveLength(2);
      for (const p of ours?.partitions ?? []) {
        const t = theirs.get(`${p.topic}:${p.partition}`);
        lines.push(
          `${group} ${p.topic}[${p.partition}]: monitor ${p.committed}/${p.end} lag ${p.lag}; kafka-consumer-groups ${t?.join('/')}`,
        );
        expect([p.committed, p.end, p.lag]).toEqual(t);
      }
    }
    console.info(`lag comparison\n${lines.join('\n')}`);
  });

  it("answers the JSON API in Burrow's shape: status lists only non-OK partitions, lag lists all", async () => {
    const get = async (path: string) =>
      (await fetch(`http://127.0.0.1:${http.port}${path}`)).json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of our own API, checked field by field below
    const list = await get('/v3/kafka/local/consumer');
    expect(list.consumers).toEqual(expect.arrayContaining([stopped, stuck, healthy]));
    const status = await get(`/v3/kafka/local/consumer/${stopped}/status`);
    expect(status.status.status).toBe('ERR');
    expect(status.status.partitions).toHaveLength(2);
    expect(status.status.totallag).toBe(100);
    expect(status.status.maxlag.lag).toBeGreaterThan(0);
    const ok = await get(`/v3/kafka/local/consumer/${healthy}/status`);
    expect(ok.status.partitions).toEqual([]);
    const lag = await get(`/v3/kafka/local/consumer/${healthy}/lag`);
    expect(lag.status.partitions).toHaveLength(2);
    expect((await fetch(`http://127.0.0.1:${http.port}/v3/kafka/local/consumer/nope/status`)).status).toBe(404);
    // Every partition has a leader (the one broker), which the page's group row would otherwise mark.
    expect(lag.status.partitions_without_leader).toBe(0);
    expect(lag.status.partitions.map((p: { leader: number }) => p.leader)).toEqual([1, 1]);
    const cluster = await get('/api/cluster');
    expect(cluster.brokers).toEqual([{ id: 1, leads: expect.any(Number), controller: 'leader' }]);
    expect(cluster.brokers[0].leads).toBeGreaterThan(0);
    expect(cluster).toMatchObject({ underReplicated: 0, unled: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    expect(metrics).toContain(`ncn_lag_group_status{group="${stopped}",service="lag-monitor"} 2`);
    expect(metrics).toContain(`ncn_lag_group_total{group="${stopped}",service="lag-monitor"} 100`);
  });
});
