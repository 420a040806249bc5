import type { Command } from 'commander';
import { stackSettings } from '../../../infra/local/settings';
import { down, resolveStack, status, up, type PartStatus } from '../../../infra/local/stack';
import { table } from '../table';

const say = (line: string): void => console.log(line);

export function statusTable(parts: readonly PartStatus[]): string {
  return table(
    ['part', 'health', 'started by', 'endpoint'],
    parts.map((p) => [
      p.name,
      p.healthy ? 'healthy' : 'DOWN',
      p.owner === 'ncn' ? `ncn (pid ${p.pid ?? '?'})` : p.owner,
      p.endpoint,
    ]),
  );
}

/** `ncn infra resolve|up|down|status`: the local stack without Docker (infra/local). */
export function infraCommand(program: Command): void {
  const infra = program
    .command('infra')
    .description('run Kafka, the schema registry and Redis locally without Docker')
    .addHelpText(
      'after',
      `
\`ncn infra up\` (npm run infra:up) starts what is not running and waits until it is healthy; \`ncn infra down\`
(npm run infra:down) stops what it started.

Examples:
  ncn infra status                              # each part: healthy or DOWN, who started it, where
  ncn infra status --json`,
    );
  infra
    .command('resolve')
    .description('resolve Kafka and Apicurio Registry from Maven Central into the cache')
    .action(() => resolveStack(stackSettings(), say));
  infra
    .command('up')
    .description('start whatever is not answering yet, wait until healthy, create the topics')
    .action(async () => {
      const parts = await up(stackSettings(), say);
      say(statusTable(parts));
      process.exitCode = parts.every((p) => p.healthy) ? 0 : 1;
    });
  infra
    .command('down')
    .description('stop what `infra up` started (never an external server) and remove its data')
    .option('--keep-data', 'keep the state folder (Kafka data, logs)')
    .action(async (options: { keepData?: boolean }) => {
      await down(stackSettings(), say, { keepData: options.keepData === true });
    });
  infra
    .command('status')
    .description('health of each part; exit code 1 when one is down')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const parts = await status(stackSettings());
      say(options.json === true ? JSON.stringify(parts, null, 2) : statusTable(parts));
      process.exitCode = parts.every((p) => p.healthy) ? 0 : 1;
    });
}
