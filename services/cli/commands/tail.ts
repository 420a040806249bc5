import type { Command } from 'commander';
import { topicCatalogue, type TopicSpec } from '../../../contracts/topics';
import { AvroSerde } from '../../runtime/avro-serde';
import { loadConfig } from '../../runtime/config';
import { createKafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { messageSummary } from '../message-summary';
import { readFirst, readLast, readTopic, type ReadRecord } from '../read-topic';

/** Long strings (rendered XML, documents) are cut in pretty output; --json prints them whole. */
function shorten(value: unknown, max: number): unknown {
  if (typeof value === 'string')
    return value.length > max ? `${value.slice(0, max)}… (${value.length} characters)` : value;
  if (Array.isArray(value)) return value.map((v) => shorten(v, max));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v, max)]));
  }
  return value;
}

const bigintSafe = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** Prints one record: a header line and the value pretty (long strings cut), or one JSON line, whole. */
async function printRecord(
  spec: TopicSpec,
  serde: AvroSerde,
  json: boolean,
  { topic, partition, message }: ReadRecord,
): Promise<void> {
  let value: unknown = null;
  if (message.value !== null) {
    if (spec.avro !== undefined) value = await serde.decode(message.value);
    else {
      const text = message.value.toString('utf8');
      try {
        value = text.startsWith('{') ? JSON.parse(text) : text;
      } catch {
        value = text;
      }
    }
  }
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
  const record = {
    topic,
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)).toISOString(),
    key: message.key?.toString() ?? null,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    value,
  };
  if (json) {
    console.log(JSON.stringify(record, bigintSafe));
    return;
  }
  // A contact message's XML is what the operator wants to read, and it is cut below: say what it holds first.
  const delivered = value as { kind?: unknown; xml?: unknown } | null;
  const summary =
    delivered !== null && delivered.kind === 'MESSAGGIO' && typeof delivered.xml === 'string'
      ? messageSummary(delivered.xml)
      : undefined;
  console.log(
    `${topic}[${partition}]@${message.offset} ${record.timestamp} key=${record.key ?? '-'}${summary ? `\nmessage: ${summary}` : ''}\n${JSON.stringify(shorten(value, 160), bigintSafe, 2)}`,
  );
}

/** `ncn tail TOPIC`: prints a topic's records, decoding Avro through the schema registry. */
export function tailCommand(program: Command): void {
  program
    .command('tail')
    .argument('<topic>', 'a topic of the catalogue (ncn.candidature, nr.05.out, ncn.audit, …)')
    .description(
      "print a topic's records (the last N, from the beginning, or as they arrive), Avro decoded through the schema registry",
    )
    .option('--from <where>', 'beginning or end (see below for what happens without it)')
    .option('-f, --follow', 'keep waiting for new records (Ctrl-C stops)', false)
    .option('-n, --limit <n>', 'without --from and -f: the last N records; else stop after N records')
    .option('--json', 'one JSON object per line, values whole', false)
    .addHelpText(
      'after',
      `
What it reads:
  -n N alone         the last N records of the topic as it is now: the last N of each partition, merged by
                     time, oldest first; an empty topic is said to be empty at once
  no -n, no --from   from the end: only records that arrive while it runs; without -f it stops once 2 s pass
                     with nothing new (so on a quiet topic it prints nothing)
  --from beginning   every record from the first; with -n N, the first N (oldest first, across partitions)
  --from end         as without --from; with -n N, the first N to arrive
  -f                 from the end (or --from), waiting for new records until Ctrl-C; with -n N, stops after N

Examples:
  ncn tail nr.12.out -n 3                       # the last three deliveries to node 12
  ncn tail nr.05.out --from beginning -n 5      # the first five deliveries to node 05
  ncn tail ncn.audit -f                         # follow the audit trail until Ctrl-C
  ncn tail ncn.dlq --from beginning --json      # every dead letter as a JSON line (value as text)`,
    )
    .action(async (topic: string, options: { from?: string; follow: boolean; limit?: string; json: boolean }) => {
      if (options.from !== undefined && options.from !== 'beginning' && options.from !== 'end') {
        throw new Error(`--from must be beginning or end, got '${options.from}'`);
      }
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
        throw new Error(`--limit must be a positive integer, got '${options.limit}'`);
      }
      const spec = topicCatalogue.find((t) => t.name === topic);
      if (spec === undefined) {
        throw new Error(
          `'${topic}' is not a topic of the catalogue; ncn topics lists how they are made (contracts/topics.ts)`,
        );
      }
      const config = loadConfig();
      const kafka = createKafka(config, createLogger('ncn-cli', 'error'));
      const serde = new AvroSerde(config.registry.url);
      const print = (record: ReadRecord): Promise<void> => printRecord(spec, serde, options.json, record);
      let count: number;
      if (limit !== undefined && options.from !== 'end' && !options.follow) {
        // The last N, or from the beginning the first N: of the whole topic, in time order across its partitions.
        const some =
          options.from === 'beginning'
            ? await readFirst({ kafka, topic, count: limit })
            : await readLast({ kafka, topic, count: limit });
        if (some.length === 0) {
          console.error(`${topic} is empty: it holds no record`);
          return;
        }
        for (const record of some) await print(record);
        count = some.length;
      } else {
        const from = options.from ?? 'end';
        ({ count } = await readTopic({
          kafka,
          topic,
          from,
          follow: options.follow,
          ...(limit === undefined ? {} : { limit }),
          onReady: () => {
            if (options.follow)
              console.error(`following ${topic} from ${from === 'end' ? 'its end' : 'the beginning'} (Ctrl-C stops)`);
          },
          onRecord: print,
        }));
      }
      if (!options.json) console.error(`${count} records`);
    });
}
