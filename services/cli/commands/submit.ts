import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Receipt } from '../../../contracts/avro/types';
import { isNodeId, NodeIds } from '../../../contracts/nodes';
import { nodeTopic } from '../../../contracts/topics';
import { AvroSerde } from '../../runtime/avro-serde';
import { loadConfig } from '../../runtime/config';
import { createKafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { validateDocument } from '../../../lib/xml/validate';
import { table } from '../table';

const codeIn = (text: string): string | undefined =>
  /<(?:\w+:)?codice(?:candidatura|offerta|messaggio)>\s*([^<\s]+)\s*</.exec(text)?.[1];

/**
 * What `submit --dry-run` prints: each file with the record it would be (topic, key, size, digest) and the verdict
 * of the document checks the node runs first (its state, as duplicates and predecessors, is not asked). Exit code 1
 * when a file would be rejected by them.
 */
function dryRun(
  topic: string,
  submissions: readonly { file: string; bytes: Buffer; sha256: string; key: string }[],
  json: boolean,
): void {
  const checked = submissions.map((s) => ({ ...s, verdict: validateDocument(s.bytes) }));
  if (json) {
    console.log(
      JSON.stringify(
        checked.map((s) => ({
          file: s.file,
          topic,
          key: s.key,
          bytes: s.bytes.length,
          sha256: s.sha256,
          kind: s.verdict.kind ?? null,
          valid: s.verdict.valid,
          issues: s.verdict.issues,
        })),
        null,
        2,
      ),
    );
  } else {
    console.log(
      table(
        ['file', 'topic', 'key', 'bytes', 'sha256', 'check'],
        checked.map((s) => [
          s.file,
          topic,
          s.key,
          String(s.bytes.length),
          s.sha256.slice(0, 12),
          s.verdict.valid
            ? `valid ${s.verdict.kind ?? ''}`.trim()
            : `INVALID ${s.verdict.issues.map((i) => i.code).join(', ')}`,
        ]),
      ),
    );
    console.log(`dry run: ${submissions.length} files not sent to ${topic}`);
  }
  process.exitCode = checked.every((s) => s.verdict.valid) ? 0 : 1;
}

/** `ncn submit --node NN FILE...`: sends files as a node and prints the receipts the node answers with. */
export function submitCommand(program: Command): void {
  program
    .command('submit')
    .description(
      'send ClicLavoro XML documents, Candidatura (CV) and Vacancy (new, update or close) and Messaggio (contact message: 03 interest, 04 reply), as a regional node and wait for their receipts',
    )
    .requiredOption('--node <id>', `the sending node (${NodeIds.join(', ')})`)
    .option('--timeout <seconds>', 'how long to wait for the receipts', '60')
    .option('--json', 'print the receipts as JSON')
    .option('--dry-run', 'check the files as the node would and say what would be sent, sending nothing')
    .argument('<files...>', 'XML files, one document each')
    .addHelpText(
      'after',
      `
Each file is sent as it is to nr.<node>.in, keyed by its codicecandidatura, codiceofferta or codicemessaggio; the node answers each
on nr.<node>.receipts (ACCEPTED, DUPLICATE or REJECTED with the issues). The ingest service must be running.

Examples:
  ncn submit --node 12 cv.xml                   # send a CV as node 12 and print its receipt
  ncn submit --node 12 --json cv.xml            # the receipt as JSON
  ncn submit --node 12 --dry-run cv.xml vacancy.xml   # check them and show what would be sent, sending nothing
  ncn submit --node 05 message.xml              # a contact message about another node's item, as node 05`,
    )
    .action(async (files: string[], options: { node: string; timeout: string; json?: boolean; dryRun?: boolean }) => {
      if (!isNodeId(options.node))
        throw new Error(`--node must be a node id (${NodeIds.join(', ')}), got '${options.node}'`);
      const node = options.node;
      const timeoutMs = Number(options.timeout) * 1000;
      if (!(timeoutMs > 0)) throw new Error(`--timeout must be a number of seconds, got '${options.timeout}'`);
      const config = loadConfig();
      const kafka = createKafka(config, createLogger('ncn-cli', 'error'));
      const serde = new AvroSerde(config.registry.url);
      const submissions = files.map((file) => {
        const bytes = readFileSync(file);
        return {
          file,
          bytes,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          key: codeIn(bytes.toString('utf8')) ?? basename(file),
        };
      });
      if (options.dryRun === true) {
        dryRun(nodeTopic.in(node), submissions, options.json === true);
        return;
      }
      const receipts = new Map<string, Receipt>();
      const wanted = new Set(submissions.map((s) => s.sha256));
      // The receipts of these sends come after where the node's receipt topic ends now: read from there only.
      const topic = nodeTopic.receipts(node);
      const admin = kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      // A reader outside any group, committing nothing: it leaves no trace (on the lag page, say).
      const reader = kafka.reader({
        topics: [topic],
        from: new Map([[topic, ends.map(({ partition, high }) => ({ partition, offset: high }))]]),
      });
      await reader.connect();
      const deadline = Date.now() + timeoutMs;
      const reading = (async () => {
        while (receipts.size < wanted.size && Date.now() < deadline) {
          for (const message of await reader.poll(100)) {
            const hash =
              message.value === null ? '' : (/[0-9a-f]{64}/.exec(message.value.toString('latin1'))?.[0] ?? '');
            if (message.value === null || !wanted.has(hash)) continue;
            const receipt = await serde.decode<Receipt>(message.value);
            receipts.set(receipt.sha256, receipt);
          }
        }
      })();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: nodeTopic.in(node),
        messages: submissions.map((s) => ({ key: s.key, value: s.bytes })),
      });
      await producer.disconnect();
      await reading.finally(() => reader.disconnect());

      if (options.json === true) {
        console.log(
          JSON.stringify(
            submissions.map((s) => ({ file: s.file, receipt: receipts.get(s.sha256) ?? null })),
            null,
            2,
          ),
        );
      } else {
        const rows: string[][] = [];
        for (const s of submissions) {
          const r = receipts.get(s.sha256);
          if (r === undefined) {
            rows.push([
              s.file,
              'NO RECEIPT',
              '',
              '',
              `none within ${options.timeout} s: is the ingest service running?`,
            ]);
            continue;
          }
          if (r.issues.length === 0) rows.push([s.file, r.outcome, r.root ?? '', '', '']);
          r.issues.forEach((i, n) =>
            rows.push([
              n === 0 ? s.file : '',
              n === 0 ? r.outcome : '',
              n === 0 ? (r.root ?? '') : '',
              `${i.code} ${i.path}`,
              i.message,
            ]),
          );
        }
        console.log(table(['file', 'outcome', 'root', 'issue', 'message'], rows));
      }
      const ok = submissions.every((s) => ['ACCEPTED', 'DUPLICATE'].includes(receipts.get(s.sha256)?.outcome ?? ''));
      process.exitCode = ok ? 0 : 1;
    });
}
