import type { Command } from 'commander';
import { DeadLetterHeader, ReplayedFromHeader } from '../../../contracts/headers';
import { Topic } from '../../../contracts/topics';
import { loadConfig } from '../../runtime/config';
import { createKafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { readTopic } from '../read-topic';
import { table } from '../table';

interface Letter {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

const text = (h: Record<string, Buffer>, name: string): string => h[name]?.toString() ?? '';

async function readLetters(): Promise<{ letters: Letter[]; kafka: ReturnType<typeof createKafka> }> {
  const config = loadConfig();
  const kafka = createKafka(config, createLogger('ncn-cli', 'error'));
  const letters: Letter[] = [];
  await readTopic({
    kafka,
    topic: Topic.dlq,
    from: 'beginning',
    follow: false,
    onRecord: ({ partition, message }) => {
      const headers: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) {
        if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v : Buffer.from(String(Array.isArray(v) ? v[0] : v));
      }
      letters.push({ partition, offset: message.offset, key: message.key, value: message.value, headers });
    },
  });
  return { letters, kafka };
}

/** `ncn dlq list|replay`: what went to the dead-letter topic, and sending it back where it came from. */
export function dlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('the dead-letter topic: list what failed, replay it after a fix');
  dlq
    .command('list')
    .description('list dead letters: when, which service, from where, why')
    .option('--service <name>', 'only those of one service (ingest, dispatcher, eures-forwarder, …)')
    .option('--json', 'one JSON object per line (value as text)', false)
    .addHelpText(
      'after',
      `
Examples:
  ncn dlq list                                  # every dead letter: id (partition:offset), when, who, why
  ncn dlq list --service ingest --json          # the rejected submissions, whole, one JSON line each`,
    )
    .action(async (options: { service?: string; json: boolean }) => {
      const { letters } = await readLetters();
      const shown = letters.filter(
        (l) => options.service === undefined || text(l.headers, DeadLetterHeader.service) === options.service,
      );
      if (options.json) {
        for (const l of shown) {
          console.log(
            JSON.stringify({
              id: `${l.partition}:${l.offset}`,
              key: l.key?.toString() ?? null,
              headers: Object.fromEntries(Object.entries(l.headers).map(([k, v]) => [k, v.toString()])),
              value: l.value?.toString('utf8') ?? null,
            }),
          );
        }
        return;
      }
      console.log(
        table(
          ['id', 'failed at', 'service', 'from', 'code', 'bytes', 'why'],
          shown.map((l) => [
            `${l.partition}:${l.offset}`,
            text(l.headers, DeadLetterHeader.failedAt),
            text(l.headers, DeadLetterHeader.service),
            `${text(l.headers, DeadLetterHeader.sourceTopic)}[${text(l.headers, DeadLetterHeader.sourcePartition)}]@${text(l.headers, DeadLetterHeader.sourceOffset)}`,
            text(l.headers, DeadLetterHeader.errorCode),
            String(l.value?.length ?? 0),
            text(l.headers, DeadLetterHeader.errorMessage).slice(0, 100),
          ]),
        ),
      );
      console.error(`${shown.length} dead letters`);
    });
  dlq
    .command('replay')
    .description('send dead letters back to the topic they came from (or --to), key, bytes and headers as they were')
    .argument('[ids...]', 'dead letters by id (partition:offset, as `ncn dlq list` shows, e.g. 0:12 1:40)')
    .option('--all', 'every dead letter (with --service: every one of that service)', false)
    .option('--service <name>', 'with --all: only those of one service')
    .option('--to <topic>', 'a topic to send them to instead of their source')
    .option('--dry-run', 'say which would be replayed where, sending nothing')
    .addHelpText(
      'after',
      `
A replayed record carries the header ncn-replayed-from with its dead letter id.

Examples:
  ncn dlq replay --all --service eures-forwarder --dry-run   # which would go back where, sending nothing
  ncn dlq replay --all --service eures-forwarder             # after EURES is back: every letter of the forwarder`,
    )
    .action(async (ids: string[], options: { all: boolean; service?: string; to?: string; dryRun?: boolean }) => {
      if (ids.length === 0 && !options.all)
        throw new Error('say which dead letters to replay: ids (see ncn dlq list) or --all');
      const { letters, kafka } = await readLetters();
      const wanted = new Set(ids);
      const chosen = letters.filter(
        (l) =>
          (options.all &&
            (options.service === undefined || text(l.headers, DeadLetterHeader.service) === options.service)) ||
          wanted.has(`${l.partition}:${l.offset}`),
      );
      const missing = ids.filter((id) => !letters.some((l) => `${l.partition}:${l.offset}` === id));
      if (missing.length > 0) throw new Error(`no dead letter ${missing.join(', ')} (ncn dlq list shows the ids)`);
      const targets = chosen.map((l) => {
        const topic = options.to ?? text(l.headers, DeadLetterHeader.sourceTopic);
        if (topic === '')
          throw new Error(`dead letter ${l.partition}:${l.offset} does not say where it came from: use --to`);
        return { letter: l, topic };
      });
      if (options.dryRun === true) {
        for (const { letter: l, topic } of targets) console.log(`would replay ${l.partition}:${l.offset} to ${topic}`);
        console.error(`${chosen.length} would be replayed (dry run: nothing sent)`);
        return;
      }
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      try {
        for (const { letter: l, topic } of targets) {
          const headers: Record<string, Buffer | string> = {};
          for (const [k, v] of Object.entries(l.headers))
            if (!Object.values<string>(DeadLetterHeader).includes(k)) headers[k] = v;
          headers[ReplayedFromHeader] = `${l.partition}:${l.offset}`;
          await producer.send({ topic, messages: [{ key: l.key, value: l.value, headers }] });
          console.log(`replayed ${l.partition}:${l.offset} to ${topic}`);
        }
      } finally {
        await producer.disconnect();
      }
      console.error(`${chosen.length} replayed`);
    });
}
