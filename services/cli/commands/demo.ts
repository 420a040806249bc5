import type { Command } from 'commander';
import { stackSettings } from '../../../infra/local/settings';
import { up } from '../../../infra/local/stack';
import { statusTable } from './infra';

/**
 * `ncn demo`: the README's first command. Today it brings the local stack up with the topic catalogue and
 * shows it healthy; the services and the day of generated traffic join it as they are built.
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('bring up the local stack and show it healthy (services join as they are built)')
    .action(async () => {
      const parts = await up(stackSettings(), (line) => console.log(line));
      console.log(`\n${statusTable(parts)}`);
      const healthy = parts.every((p) => p.healthy);
      console.log(
        healthy
          ? '\nThe stack is up. Stop it with `npm run infra:down`.'
          : '\nSome part is down: see `npm run infra:status` and the logs under NCN_STATE_DIR.',
      );
      process.exitCode = healthy ? 0 : 1;
    });
}
