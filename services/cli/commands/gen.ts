import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { generateTraffic } from '../../gen/traffic';
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
  out?: string;
}

/** `ncn gen`: a reproducible day of synthetic traffic as NDJSON, one record a line: {topic, key, kind, note, xml | value}. */
export function genCommand(program: Command): void {
  program
    .command('gen')
    .description('generate synthetic CVs, vacancies (ClicLavoro XML), INPS and CO records as NDJSON')
    .option('--seed <n>', 'seed: the same seed gives the same data', count('seed'), 1)
    .option('--cvs <n>', 'CV submissions (new, updates, closes)', count('cvs'), 1000)
    .option('--vacancies <n>', 'vacancy submissions', count('vacancies'), 500)
    .option('--inps <n>', 'INPS income-support records', count('inps'), 100)
    .option('--co <n>', 'CO employment records', count('co'), 200)
    .option('--updates <share>', 'share of submissions that update an earlier item', share('updates'), 0.15)
    .option('--closes <share>', 'share of submissions that close an earlier item', share('closes'), 0.05)
    .option('--invalid <share>', 'share of submissions broken on purpose', share('invalid'), 0)
    .option('-o, --out <file>', 'write to a file (default: standard output)')
    .addHelpText(
      'after',
      '\nExamples:\n  ncn gen --cvs 10000 --vacancies 5000 -o day.ndjson\n  ncn gen --seed 7 --cvs 1000000 --vacancies 0 --inps 0 --co 0 -o million.ndjson',
    )
    .action(async (options: GenOptions) => {
      const total = options.cvs + options.vacancies + options.inps + options.co;
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
      });
      for (const record of traffic) {
        if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
        progress?.tick();
      }
      progress?.done();
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
    });
}
