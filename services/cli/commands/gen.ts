import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { generateTraffic } from '../../../lib/gen/traffic';
import { batchHead, batchRecord, batchTail } from '../../../lib/load/render-batch';
import type { Percettore, RapportoLavoro } from '../../../contracts/avro/types';
import { CoStandard, InpsStandard } from '../../../lib/load/standards';
import { Progress } from '../progress';

const count =
  (name: string) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got '${raw}'`);
    return n;
  };

const share =
  (name: string) =>
  (raw: string): number => {
    const n = Number(raw);
    if (!(n >= 0 && n <= 1)) throw new Error(`--${name} must be a share from 0 to 1, got '${raw}'`);
    return n;
  };

interface GenOptions {
  seed: number;
  cvs: number;
  vacancies: number;
  inps: number;
  co: number;
  updates: number;
  closes: number;
  invalid: number;
  messages: number;
  out?: string;
  inpsXml?: string;
  coXml?: string;
}

type Output = NodeJS.WritableStream & { end(): void };

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function finish(stream: Output): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/**
 * `ncn gen`: a reproducible day of synthetic traffic as NDJSON, one record a line: {topic, key, kind, note, xml | value}
 * (a message also says where it must arrive: about, owner, and for a reply replyTo and replyNode);
 * with --inps-xml / --co-xml the INPS and CO records go to files in their standards' XML instead (`ncn load` reads both).
 */
export function genCommand(program: Command): void {
  program
    .command('gen')
    .description(
      'generate synthetic traffic as NDJSON: ClicLavoro Candidatura (CV) and Vacancy submissions, Messaggio (contact messages about them), INPS DID and CO UNILAV records (these two also as XML)',
    )
    .option('--seed <n>', 'seed: the same seed gives the same data', count('seed'), 1)
    .option('--cvs <n>', 'CV submissions (new, updates, closes)', count('cvs'), 1000)
    .option('--vacancies <n>', 'vacancy submissions', count('vacancies'), 500)
    .option('--inps <n>', 'INPS income-support records', count('inps'), 100)
    .option('--co <n>', 'CO employment records', count('co'), 200)
    .option('--updates <share>', 'share of submissions that update an earlier item', share('updates'), 0.15)
    .option('--closes <share>', 'share of submissions that close an earlier item', share('closes'), 0.05)
    .option('--invalid <share>', 'share of submissions (and messages) broken on purpose', share('invalid'), 0)
    .option(
      '--messages <n>',
      'messages of interest (Messaggio 03) about open CVs and vacancies; about half get a reply (04), so about 1.5 × n messages',
      count('messages'),
      0,
    )
    .option('-o, --out <file>', 'write to a file (default: standard output)')
    .option('--inps-xml <file>', 'write the INPS records to this file as DID XML (ListaDID), not as NDJSON lines')
    .option('--co-xml <file>', 'write the CO records to this file as UNILAV XML (inputUniLav), not as NDJSON lines')
    .addHelpText(
      'after',
      `
Each line is {topic, key, kind, note, xml | value}: the XML of a CV or vacancy for nr.<node>.in, or an INPS or CO
record for inps.percettori or co.rapporti. \`ncn load inps|co\` reads both the NDJSON and the XML.

Messages (kind messaggio, note 03, 04 or invalid) come after every CV and vacancy: a 03 from another regional node about an
item still open at the end of the day (about: its latest code; owner: the node that created it), a 04 from the
owner answering a 03 (replyTo: its code; replyNode: the node that sent it). The items are the same with or without
--messages; with no open item there are none.

Examples:
  ncn gen --cvs 200 --vacancies 100 -o day.ndjson     # CVs, vacancies (with updates, closes), 100 INPS, 200 CO
  ncn gen --seed 7 --cvs 50 --vacancies 0 --inps 0 --co 0 --invalid 0.1 -o cvs.ndjson   # CVs only, a tenth broken
  ncn gen --cvs 0 --vacancies 0 --inps 100 --co 200 --inps-xml inps.xml --co-xml co.xml -o /dev/null   # feeds as XML
  ncn gen --seed 7 --cvs 50 --vacancies 50 --inps 0 --co 0 --messages 20 -o day.ndjson   # items, 20 messages of interest, their replies`,
    )
    .action(async (options: GenOptions) => {
      // What was asked for: the replies' number is known only once the messages of interest are drawn, so the
      // bar counts everything but them.
      const total = options.cvs + options.vacancies + options.inps + options.co + options.messages;
      const out = options.out === undefined ? process.stdout : createWriteStream(options.out);
      const progress = options.out === undefined ? undefined : new Progress('generating', total);
      const traffic = generateTraffic({
        seed: options.seed,
        candidature: options.cvs,
        vacancies: options.vacancies,
        inps: options.inps,
        co: options.co,
        updates: options.updates,
        closes: options.closes,
        invalid: options.invalid,
        messages: options.messages,
      });
      // Records are Avro-ready values of it.ncn.Percettore and it.ncn.RapportoLavoro (lib/gen/records.ts).
      const inpsXml = options.inpsXml === undefined ? undefined : createWriteStream(options.inpsXml);
      const coXml = options.coXml === undefined ? undefined : createWriteStream(options.coXml);
      for (const xml of [inpsXml, coXml]) if (xml !== undefined) await write(xml, batchHead);
      let interests = 0;
      for (const record of traffic) {
        if (record.kind === 'messaggio' && record.replyTo === undefined) interests++;
        if (record.kind === 'inps' && inpsXml !== undefined) {
          await write(inpsXml, batchRecord(InpsStandard, record.value as unknown as Percettore));
        } else if (record.kind === 'co' && coXml !== undefined) {
          await write(coXml, batchRecord(CoStandard, record.value as unknown as RapportoLavoro));
        } else {
          await write(out, `${JSON.stringify(record)}\n`);
        }
        if (record.kind !== 'messaggio' || record.replyTo === undefined) progress?.tick();
      }
      progress?.done();
      if (interests < options.messages) {
        console.error(
          `no CV or vacancy is open at the end of the day: no message of the ${options.messages} asked for`,
        );
      }
      for (const xml of [inpsXml, coXml]) {
        if (xml === undefined) continue;
        await write(xml, batchTail);
        await finish(xml);
      }
      if (out !== process.stdout) await finish(out);
    });
}
