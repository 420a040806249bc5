import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { avroSchema } from '../../../contracts/avro/schemas';
import type { AuditEvent, PercettoreArricchito, Receipt } from '../../../contracts/avro/types';
import { NodeConsumerGroupInputs, NodeConsumerGroups } from '../../../contracts/groups';
import { NodeIds } from '../../../contracts/nodes';
import { nodeTopic, Topic } from '../../../contracts/topics';
import { ServiceNames, startService } from '../../../infra/local/services';
import { stackSettings } from '../../../infra/local/settings';
import { up } from '../../../infra/local/stack';
import { AuditIndex } from '../../runtime/audit-index';
import { subjectHash } from '../../../contracts/policy';
import { Scope } from '../../../contracts/tables/codes';
import { daysAgo, generateTraffic } from '../../../lib/gen/traffic';
import { AvroSerde, valueSubject } from '../../runtime/avro-serde';
import { loadConfig } from '../../runtime/config';
import { waitDrained } from '../../runtime/group-lag';
import { createKafka, type ConsumedRecord, type Kafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { createRedis } from '../../runtime/redis';
import { Progress } from '../progress';
import { table } from '../table';
import { statusTable } from './infra';

type Marks = Map<string, Map<number, bigint>>;

async function endsOf(kafka: Kafka, topics: readonly string[]): Promise<Marks> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks: Marks = new Map();
    for (const topic of topics) {
      marks.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)])));
    }
    return marks;
  } finally {
    await admin.disconnect();
  }
}

/** Reads what the topics received between two marks, outside any group (it leaves no trace on the lag page). */
async function readBetween(
  kafka: Kafka,
  from: Marks,
  to: Marks,
  onRecord: (topic: string, message: ConsumedRecord) => Promise<void> | void,
): Promise<void> {
  const ends = new Map<string, bigint>();
  for (const [topic, parts] of to) {
    for (const [p, high] of parts) if (high > (from.get(topic)?.get(p) ?? 0n)) ends.set(`${topic}:${p}`, high);
  }
  if (ends.size === 0) return;
  const reader = kafka.reader({
    topics: [...to.keys()],
    from: new Map(
      [...to.keys()].map((topic) => [
        topic,
        [...(from.get(topic) ?? new Map<number, bigint>())].map(([partition, offset]) => ({
          partition,
          offset: String(offset),
        })),
      ]),
    ),
  });
  await reader.connect();
  try {
    // Partitions beyond the marks (none moved) count as read.
    for (const p of reader.assignment())
      if (!ends.has(`${p.topic}:${p.partition}`)) ends.set(`${p.topic}:${p.partition}`, 0n);
    let quietSince = Date.now();
    while (!reader.reached(ends) && Date.now() - quietSince < 10_000) {
      const records = await reader.poll(500);
      if (records.length > 0) quietSince = Date.now();
      for (const record of records) {
        const high = ends.get(`${record.topic}:${record.partition}`) ?? 0n;
        if (BigInt(record.offset) < high) await onRecord(record.topic, record);
      }
    }
  } finally {
    await reader.disconnect();
  }
}

/** The EURES receiver's counters; an error that names the address when it does not answer. */
async function euresReceiver<T>(statsUrl: string): Promise<T> {
  try {
    return (await (await fetch(statsUrl)).json()) as T;
  } catch (error) {
    throw new Error(
      `the EURES receiver does not answer at ${statsUrl} (${error instanceof Error ? error.message : String(error)}): NCN_EURES_URL names where it listens`,
    );
  }
}

type LagPage = Map<string, { status: string; totallag: number }>;

/** The node's groups as the lag monitor reports them; one that never committed is not listed there. */
async function lagPage(lagUrl: string): Promise<LagPage> {
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${lagUrl}${path}`)).json()) as T;
  const { consumers } = await get<{ consumers: string[] }>('/v3/kafka/local/consumer');
  const listed = NodeConsumerGroups.filter((group) => consumers.includes(group));
  const statuses = await Promise.all(
    listed.map(
      async (group) =>
        (await get<{ status: { status: string; totallag: number } }>(`/v3/kafka/local/consumer/${group}/status`))
          .status,
    ),
  );
  return new Map(listed.map((group, i) => [group, statuses[i] ?? { status: '?', totallag: -1 }]));
}

/**
 * The lag page once it has sampled the drained node (it samples every NCN_LAG_INTERVAL_MS): every listed group OK
 * with lag 0, or what it shows after `waitMs`; the error's message when it does not answer.
 */
async function settledLagPage(lagUrl: string, waitMs: number): Promise<LagPage | string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    let page: LagPage;
    try {
      page = await lagPage(lagUrl);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    const settled = [...page.values()].every((g) => g.status === 'OK' && g.totallag === 0);
    if (settled || Date.now() > deadline) return page;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/**
 * `ncn demo`: the README's first command. Brings up the local stack and every service (as detached processes
 * that keep running), sends a realistic day of generated traffic from every region plus INPS and CO records,
 * waits until it has flowed through, prints a summary, and leaves the lag page's address on screen.
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the whole node locally on a generated day of traffic and summarise what happened')
    .option('--cvs <n>', 'CVs to send', '3000')
    .option('--vacancies <n>', 'vacancies to send', '1500')
    .option('--inps <n>', 'INPS income-support records', '800')
    .option('--co <n>', 'CO employment records', '1500')
    .option(
      '--messages <n>',
      'contact messages of interest (03) about the day\u2019s items, about half of them answered (04) [one per 8 CVs and vacancies]',
    )
    .option('--invalid <share>', 'share of submissions broken on purpose', '0.02')
    .option('--seed <n>', 'seed of the generator (a new day: another seed)', String(Date.now() % 100_000))
    .option('--stack-only', 'only bring up Kafka, the registry and Redis', false)
    .option('--running', 'use the stack and services already running (docker compose): only send and summarise', false)
    .option('--lag-url <url>', 'the lag monitor [http://localhost:$NCN_LAG_PORT]')
    .addHelpText(
      'after',
      `
Everything keeps running afterwards: the lag page, \`ncn tail\`, \`ncn lag\`, \`ncn dlq list\` work on it.
\`npm run infra:down\` stops the services and the stack.

Examples:
  ncn demo                                                       # a day of 6,800 records (about two minutes)
  ncn demo --cvs 10 --vacancies 10 --inps 0 --co 0               # ten CVs and ten vacancies, nothing from INPS or CO
  ncn demo --cvs 20 --vacancies 20 --inps 10 --co 10 --seed 7    # a little of everything, the same day each time
  ncn demo --cvs 30 --vacancies 30 --inps 0 --co 0 --messages 20  # items, then 20 messages of interest and replies
  ncn demo --cvs 0 --vacancies 0 --inps 0 --co 0                 # the node running and idle, nothing sent`,
    )
    .action(async (options: Record<string, string | boolean>) => {
      const count = (name: string): number => {
        const n = Number(options[name]);
        if (!Number.isInteger(n) || n < 0)
          throw new Error(`--${name} must be a whole number, got '${String(options[name])}'`);
        return n;
      };
      const invalid = Number(options.invalid);
      if (!(invalid >= 0 && invalid < 1))
        throw new Error(`--invalid must be a share from 0 to 1, got '${String(options.invalid)}'`);
      let config = loadConfig();
      const lagUrl = String(options.lagUrl ?? `http://localhost:${config.lag.port}`).replace(/\/+$/, '');
      const euresStats = config.eures.url.replace(/\/documents$/, '/stats');
      if (options.running !== true) {
        const settings = stackSettings();
        const parts = await up(settings, (line) => console.log(line));
        console.log(`\n${statusTable(parts)}`);
        if (!parts.every((p) => p.healthy)) {
          console.log('\nSome part is down: see `npm run infra:status` and the logs under NCN_STATE_DIR.');
          process.exitCode = 1;
          return;
        }
        // A fresh stack's broker takes only authenticated clients, with credentials `up` has just written: read
        // again, or the demo's own clients connect without them and the broker closes the connection.
        config = loadConfig();
        if (options.stackOnly === true) return;
        const env = { NCN_LAG_INTERVAL_MS: '2000', NCN_QUALIFICATION_WAIT_MS: '60000' };
        console.log('\nservices (logs under NCN_STATE_DIR/services):');
        // The receiver listens where the forwarder sends (NCN_EURES_URL).
        const receiver = new URL(config.eures.url);
        const stub = await startService(settings, 'eures-stub', env, undefined, {
          args: [
            '--host',
            receiver.hostname,
            '--port',
            receiver.port || (receiver.protocol === 'https:' ? '443' : '80'),
          ],
        });
        console.log(`  eures-stub: ${stub} on ${config.eures.url}`);
        const states = await Promise.all(ServiceNames.map((name) => startService(settings, name, env)));
        ServiceNames.forEach((name, i) => console.log(`  ${name}: ${states[i]}`));
      }

      const kafka = createKafka(config, createLogger('ncn-demo', 'error'));
      const serde = new AvroSerde(config.registry.url);
      const receiptTopics = NodeIds.map((n) => nodeTopic.receipts(n));
      const watched = [...receiptTopics, Topic.audit, Topic.percettori];
      const before = await endsOf(kafka, watched);
      const euresBefore = await euresReceiver<{ held: number }>(euresStats);

      const mix = {
        seed: Number(options.seed),
        candidature: count('cvs'),
        vacancies: count('vacancies'),
        inps: count('inps'),
        co: count('co'),
        invalid,
        messages:
          options.messages === undefined ? Math.round((count('cvs') + count('vacancies')) / 8) : count('messages'),
        // Yesterday (UTC): every insertion time is in the past, and the items are as fresh as the calendar allows.
        day: daysAgo(1),
      };
      const total = mix.candidature + mix.vacancies + mix.inps + mix.co;
      console.log(
        `\nsending a day of traffic (${mix.day.toISOString().slice(0, 10)}, seed ${mix.seed}): ${total.toLocaleString('en')} records`,
      );
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const ids = {
        inps: await serde.register(valueSubject(Topic.inpsPercettori), avroSchema('it.ncn.Percettore')),
        co: await serde.register(valueSubject(Topic.coRapporti), avroSchema('it.ncn.RapportoLavoro')),
      };
      const progress = total > 0 ? new Progress('sent', total) : undefined;
      let submissions = 0;
      const messagesSent = { interest: 0, reply: 0 };
      /** Which kind of record was sent last: a message waits until what it is about has been taken in. */
      let phase: 'items' | 'interest' | 'reply' = 'items';
      const ingestGroups = (['ingest', 'ingest.pending'] as const).map((group) => ({
        group,
        topics: NodeConsumerGroupInputs[group],
      }));
      /**
       * A worker of the day, for the audit query at the end: one with a national or European CV, which goes to
       * every other node (a regional CV whose domicile is its sender's region goes nowhere, so its audit is empty).
       */
      let sample: string | undefined;
      let batch = new Map<string, { key: string; value: Buffer }[]>();
      let size = 0;
      const flush = async (): Promise<void> => {
        if (size === 0) return;
        await producer.sendBatch({ topicMessages: [...batch].map(([topic, messages]) => ({ topic, messages })) });
        if (phase === 'items') progress?.tick(size);
        batch = new Map();
        size = 0;
      };
      for (const record of generateTraffic(mix)) {
        if (record.kind === 'messaggio') {
          // A message about an item ingest has not taken in yet is refused (MESSAGE_ITEM_UNKNOWN), and a reply to a
          // 03 not taken in yet too (REPLY_NOT_RECEIVED): a node writes about what it received, so the demo sends
          // the items, then the messages of interest, then the replies, each once ingest has the one before.
          const next = record.replyTo === undefined ? 'interest' : 'reply';
          if (next !== phase) {
            await flush();
            if (phase === 'items') {
              progress?.done();
              console.log(
                `then ${mix.messages.toLocaleString('en')} contact messages of interest (03) about the day's items, and replies (04) to about half, each once ingest has what it answers`,
              );
            }
            await waitDrained(kafka, ingestGroups, { timeoutMs: 10 * 60_000 });
            phase = next;
          }
          messagesSent[next]++;
        }
        const value =
          'xml' in record ? Buffer.from(record.xml, 'utf8') : await serde.encode(ids[record.kind], record.value);
        if (record.kind === 'candidatura' || record.kind === 'vacancy') submissions++;
        if (
          sample === undefined &&
          'xml' in record &&
          record.kind === 'candidatura' &&
          [Scope.national, Scope.european].some((scope) => record.xml.includes(`<ambitodiffusione>${scope}<`))
        ) {
          sample = /<codicefiscale>([A-Z0-9]{16})</.exec(record.xml)?.[1];
        }
        const messages = batch.get(record.topic) ?? [];
        messages.push({ key: record.key, value });
        batch.set(record.topic, messages);
        if (++size >= 500) await flush();
      }
      await flush();
      if (phase === 'items') progress?.done();
      await producer.disconnect();

      // Flowed through: every group of the node has read everything its inputs hold, twice in a row. A group
      // whose inputs received nothing (no INPS records, no parked updates) has nothing to read and is caught up.
      console.log('waiting until it has flowed through every service…');
      const started = Date.now();
      const groups = NodeConsumerGroups.map((group) => ({ group, topics: NodeConsumerGroupInputs[group] }));
      let lastLine = 0;
      let lags: Record<string, number> = {};
      await waitDrained(kafka, groups, {
        timeoutMs: 15 * 60_000,
        progress: (now) => {
          lags = now;
          if (!process.stderr.isTTY && Date.now() - lastLine < 10_000) return;
          lastLine = Date.now();
          const busy = Object.entries(lags).filter(([, n]) => n > 0);
          const line = busy.length === 0 ? 'nothing behind' : busy.map(([g, n]) => `${g} ${n}`).join(', ');
          process.stderr.write(`\r  records behind: ${line}${process.stderr.isTTY ? '\u001b[K' : '\n'}`);
        },
      }).catch((error: unknown) => {
        throw new Error(
          `the traffic did not flow through within 15 minutes (${error instanceof Error ? error.message : String(error)}): see \`ncn lag\` and the service logs`,
        );
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      const flowSeconds = (Date.now() - started) / 1000;

      const after = await endsOf(kafka, watched);
      const outcomes = new Map<string, number>();
      const messageOutcomes = new Map<string, number>();
      const reasons = new Map<string, number>();
      const deliveries = new Map<string, Map<string, number>>();
      const fonti = new Map<string, number>();
      await readBetween(kafka, before, after, async (topic, message) => {
        if (message.value === null) return;
        if (topic === Topic.audit) {
          const a = await serde.decode<AuditEvent>(message.value);
          if (a.service !== 'dispatcher') return;
          // One event may name several receivers (toNodes): each counts as a delivery.
          for (const to of a.toNodes ?? (a.toNode === null ? [] : [a.toNode])) {
            const row = deliveries.get(to) ?? new Map<string, number>();
            row.set(a.event, (row.get(a.event) ?? 0) + 1);
            deliveries.set(to, row);
          }
        } else if (topic === Topic.percettori) {
          const p = await serde.decode<PercettoreArricchito>(message.value);
          fonti.set(p.fonteQualifica, (fonti.get(p.fonteQualifica) ?? 0) + 1);
        } else {
          const r = await serde.decode<Receipt>(message.value);
          const tally = r.kind === 'MESSAGGIO' ? messageOutcomes : outcomes;
          tally.set(r.outcome, (tally.get(r.outcome) ?? 0) + 1);
          if (r.outcome === 'REJECTED') {
            for (const code of new Set(r.issues.filter((i) => i.severity === 'ERROR').map((i) => i.code)))
              reasons.set(code, (reasons.get(code) ?? 0) + 1);
          }
        }
      });
      const eures = await euresReceiver<{ held: number; duplicates: number; refused: number }>(euresStats);

      const events = ['DELIVERED', 'WITHDRAWN', 'CLOSED', 'EXPIRED'];
      const messageEvents = ['MESSAGE_INTEREST', 'MESSAGE_REPLY'];
      const delivered = (row: Map<string, number> | undefined): number =>
        messageEvents.reduce((sum, e) => sum + (row?.get(e) ?? 0), 0);
      const nodes = [...deliveries.keys()].sort();
      console.log(`\n== summary (flowed through in ${flowSeconds.toFixed(0)} s)\n`);
      console.log(
        `submissions: ${[submissions.toLocaleString('en'), ...[...outcomes].map(([o, n]) => `${o} ${n}`)].join(', ')}`,
      );
      if (reasons.size > 0)
        console.log(
          table(
            ['rejected because', 'submissions'],
            [...reasons].sort((a, b) => b[1] - a[1]).map(([c, n]) => [c, String(n)]),
          ),
        );
      const messageTotal = [...deliveries.values()].reduce((sum, row) => sum + delivered(row), 0);
      console.log(
        `contact messages: ${messagesSent.interest.toLocaleString('en')} of interest (03) and ${messagesSent.reply.toLocaleString('en')} replies (04) sent${
          messageOutcomes.size > 0 ? `, ${[...messageOutcomes].map(([o, n]) => `${o} ${n}`).join(', ')}` : ''
        }; ${messageTotal.toLocaleString('en')} delivered, each to one node`,
      );
      console.log(`\ndeliveries per node and action (upsert, withdraw, close, expire; messages received):`);
      console.log(
        table(
          ['to', ...events.map((e) => e.toLowerCase()), 'messages', 'total'],
          [
            ...nodes.map((n) => {
              const row = deliveries.get(n) ?? new Map<string, number>();
              const cells = [...events.map((e) => row.get(e) ?? row.get(`${e}_EURES`) ?? 0), delivered(row)];
              return [n, ...cells.map(String), String(cells.reduce((a, b) => a + b, 0))];
            }),
          ],
        ),
      );
      console.log(
        `\nEURES receiver: ${eures.held - euresBefore.held} documents received (duplicates ${eures.duplicates}, refused ${eures.refused})`,
      );
      console.log(
        `INPS records sent on to the regions: ${[...fonti].map(([f, n]) => `${n} qualification from ${f}`).join(', ') || 'none'}`,
      );
      const released = [...fonti.values()].reduce((a, b) => a + b, 0);
      if (released < mix.inps) {
        console.log(
          `  ${mix.inps - released} still wait for CO data: they go out with qualification unknown (SCONOSCIUTA) after NCN_QUALIFICATION_WAIT_MS (60 s in the demo); see \`ncn tail ncn.percettori\``,
        );
      }
      const page = await settledLagPage(lagUrl, 10_000);
      console.log(
        `\nconsumer groups (records behind as the demo measured them; status on the lag page):\n${table(
          ['group', 'behind', 'lag page'],
          NodeConsumerGroups.map((group) => [
            group,
            String(lags[group] ?? 0),
            typeof page === 'string'
              ? `no answer (${page})`
              : ((g) => (g === undefined ? 'not listed: nothing committed yet' : `${g.status}, lag ${g.totallag}`))(
                  page.get(group),
                ),
          ]),
        )}`,
      );
      if (sample !== undefined) {
        const redis = createRedis(config);
        try {
          const index = new AuditIndex(redis, config.redis.prefix);
          const t0 = performance.now();
          const entries = await index.of(subjectHash(config.dispatcher.auditKey, sample));
          const ms = performance.now() - t0;
          console.log(
            `\naudit: \`ncn audit --cf ${sample}\` finds ${entries.length} events about ${new Set(entries.map((e) => e.root)).size} items (index read in ${ms.toFixed(1)} ms)`,
          );
        } finally {
          await redis.quit();
        }
      }
      console.log(`\nLag page: ${lagUrl}/`);
      console.log(
        'The services keep running (try `npm run -s ncn -- tail nr.05.out`); `npm run infra:down` stops everything.',
      );
    });
}
