import { createReadStream, statSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { avroSchema } from '../../../contracts/avro/schemas';
import { BatchPublisher, DefaultBatchSize } from '../publish';
import { countRecords, readRecords, type Where } from '../../../lib/load/read-records';
import type { Problem } from '../../../lib/load/records';
import { CoStandard, InpsStandard, type LoadStandard } from '../../../lib/load/standards';
import { AvroSerde, valueSubject } from '../../runtime/avro-serde';
import { loadConfig } from '../../runtime/config';
import { connectAdmin, createKafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { Progress } from '../progress';

interface LoadOptions {
  dryRun?: boolean;
  batch: number;
}

const ChunkBytes = 1024 * 1024;

const positive = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--batch must be a whole number above 0, got '${raw}'`);
  return n;
};

/** `day.xml: record 3 (line 40), /ListaDID/DID/DataDichiarazione: '2026-02-30' is not a date: …` */
function describeProblem(file: string, where: Where, problem: Problem): string {
  const at = `${file}: record ${where.record} (line ${where.line})`;
  if (problem.field === '') return `${at}: ${problem.message}`;
  const joiner = /^(is|appears) /.test(problem.message) ? ' ' : ': ';
  return `${at}, ${problem.field}${joiner}${problem.message}`;
}

/** Writes a line on stderr; on a terminal it first clears the progress bar's line (the bar redraws itself). */
function report(line: string): void {
  process.stderr.write(process.stderr.isTTY ? `\r\u001b[K${line}\n` : `${line}\n`);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

async function load<T>(standard: LoadStandard<T>, files: readonly string[], options: LoadOptions): Promise<void> {
  for (const file of files) {
    let isFile: boolean;
    try {
      isFile = statSync(file).isFile();
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`);
    }
    if (!isFile) throw new Error(`cannot read ${file}: not a file`);
  }
  const open = (file: string): AsyncIterable<Buffer> => createReadStream(file, { highWaterMark: ChunkBytes });
  let total = 0;
  for (const file of files) total += await countRecords(standard, open(file));

  let publisher: BatchPublisher | undefined;
  let close = async (): Promise<void> => undefined;
  let published = 0;
  if (options.dryRun !== true) {
    const config = loadConfig();
    const kafka = createKafka(config, createLogger('ncn-cli', 'error'));
    const admin = await connectAdmin(kafka);
    try {
      if (!(await admin.listTopics()).includes(standard.topic)) {
        throw new Error(`topic ${standard.topic} does not exist: create the topic catalogue with \`ncn topics\``);
      }
    } finally {
      await admin.disconnect();
    }
    const serde = new AvroSerde(config.registry.url);
    const schemaId = await serde.register(valueSubject(standard.topic), avroSchema(standard.avro));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    close = () => producer.disconnect();
    publisher = new BatchPublisher({
      producer,
      serde,
      schemaId,
      topic: standard.topic,
      batchSize: options.batch,
      onSent: (n) => (published += n),
    });
  }

  const started = Date.now();
  const progress = new Progress(`loading ${standard.kind}`, total);
  let read = 0;
  let skipped = 0;
  let ignored = 0;
  let fileProblems = 0;
  try {
    for (const file of files) {
      let records = 0;
      let problems = 0;
      for await (const item of readRecords(standard, open(file))) {
        switch (item.kind) {
          case 'record':
            records++;
            if (publisher === undefined) published++;
            else await publisher.add(item.key, item.value);
            progress.tick();
            break;
          case 'skipped':
            records++;
            skipped++;
            for (const problem of item.problems) report(describeProblem(file, item.where, problem));
            progress.tick();
            break;
          case 'ignored':
            ignored++;
            break;
          case 'problem':
          case 'stopped':
            problems++;
            report(`${file}: line ${item.line}: ${item.message}`);
            break;
        }
      }
      if (records === 0 && problems === 0) {
        problems++;
        report(`${file}: holds no record to load (no <${standard.xml.element}> element, no ${standard.topic} line).`);
      }
      read += records;
      fileProblems += problems;
    }
    await publisher?.flush();
  } catch (error) {
    throw new Error(`${(error as Error).message} (after ${plural(published, 'record')} published)`, { cause: error });
  } finally {
    await close();
  }
  progress.done();

  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  const parts = [
    `${plural(read, 'record')} read from ${plural(files.length, 'file')}`,
    options.dryRun === true
      ? `${published} valid (dry run: nothing published)`
      : `${published} published to ${standard.topic}`,
    `${skipped} skipped${skipped > 0 ? ' (listed above)' : ''}`,
    ...(ignored > 0 ? [`${plural(ignored, 'line')} for other topics ignored`] : []),
    ...(fileProblems > 0 ? [`${plural(fileProblems, 'problem')} with the files (listed above)`] : []),
  ];
  console.log(
    `${standard.kind}: ${parts.join(', ')}; in ${seconds.toFixed(1)} s (${Math.round(read / seconds)} records/s)`,
  );
  process.exitCode = skipped > 0 || fileProblems > 0 ? 1 : 0;
}

/** `ncn load inps|co FILE...`: publishes INPS or CO records from XML or NDJSON files to their topic. */
export function loadCommand(program: Command): void {
  program
    .command('load')
    .description(
      'publish INPS DID income-support records (to inps.percettori) or CO UNILAV employment records (to co.rapporti), from XML or NDJSON files',
    )
    .addArgument(
      new Argument('<feed>', 'inps: INPS DID records (ListaDID); co: UNILAV communications (inputUniLav)').choices([
        'inps',
        'co',
      ]),
    )
    .argument(
      '<files...>',
      'XML files of the standard (one record, or many in a wrapper) or NDJSON from `ncn gen` (its lines of other topics ignored)',
    )
    .option('--dry-run', 'read and check the files, publish nothing')
    .option('--batch <n>', 'messages per send', positive, DefaultBatchSize)
    .addHelpText(
      'after',
      [
        '',
        'Records are keyed by the codice fiscale of the person. A record that cannot be read is reported (file,',
        'record, line, element, fix) and skipped; the exit code is then 1.',
        '',
        'Examples:',
        '  ncn load inps did.xml                         # an INPS DID file (ListaDID)',
        '  ncn load co unilav-*.xml                      # UNILAV communications, one file each',
        '  ncn load co --dry-run unilav.xml              # read and check, publish nothing',
        '  ncn gen --cvs 0 --vacancies 0 --inps 500 --co 0 --inps-xml inps.xml -o /dev/null && ncn load inps inps.xml',
        '  ncn gen --seed 7 --cvs 100 --vacancies 50 -o day.ndjson && ncn load inps day.ndjson && ncn load co day.ndjson',
      ].join('\n'),
    )
    .action(async (feed: 'inps' | 'co', files: string[], options: LoadOptions) => {
      if (feed === 'inps') await load(InpsStandard, files, options);
      else await load(CoStandard, files, options);
    });
}
