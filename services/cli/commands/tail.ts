import type { Command } from 'commander';
import { topicCatalogue } from '../../../contracts/topics';
import { AvroSerde } from '../../runtime/avro-serde';
import { loadConfig } from '../../runtime/config';
import { createKafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { readTopic } from '../read-topic';

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

/** `ncn tail TOPIC`: prints a topic's records, decoding Avro through the schema registry. */
export function tailCommand(program: Command): void {
  program
    .command('tail')
    .argument('<topic>', 'a topic of the catalogue (ncn.candidature, nr.05.out, ncn.audit, …)')
    .description("print a topic's records, Avro decoded through the schema registry")
    .option('--from <where>', 'beginning or end', 'end')
    .option('-f, --follow', 'keep waiting for new records (Ctrl-C stops)', false)
    .option('-n, --limit <n>', 'stop after this many records')
    .option('--json', 'one JSON object per line, values whole', false)
    .addHelpText(
      'after',
      `
Examples:
  ncn tail nr.05.out --from beginning -n 5      the first deliveries to node 05
  ncn tail ncn.audit -f                         follow the audit trail
  ncn tail ncn.dlq --from beginning --json      dead letters as JSON lines (value as text)`,
    )
    .action(async (topic: string, options: { from: string; follow: boolean; limit?: string; json: boolean }) => {
      if (options.from !== 'beginning' && options.from !== 'end') {
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
      const { count } = await readTopic({
        kafka,
        topic,
        from: options.from,
        follow: options.follow,
        ...(limit === undefined ? {} : { limit }),
        onRecord: async ({ partition, message }) => {
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
          if (options.json) console.log(JSON.stringify(record, bigintSafe));
          else
            console.log(
              `${topic}[${partition}]@${message.offset} ${record.timestamp} key=${record.key ?? '-'}\n${JSON.stringify(shorten(value, 160), bigintSafe, 2)}`,
            );
        },
      });
      if (!options.json) console.error(`${count} records`);
    });
}
