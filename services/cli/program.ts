/** The `ncn` program: every command of commands/, wired. main.ts runs it; tests read its help. */
import { Command } from 'commander';
import { auditCommand } from './commands/audit';
import { demoCommand } from './commands/demo';
import { dlqCommand } from './commands/dlq';
import { euresStubCommand } from './commands/eures-stub';
import { genCommand } from './commands/gen';
import { infraCommand } from './commands/infra';
import { lagCommand } from './commands/lag';
import { loadCommand } from './commands/load';
import { registryCommand } from './commands/registry';
import { securityCommand } from './commands/security';
import { submitCommand } from './commands/submit';
import { tailCommand } from './commands/tail';
import { topicsCommand } from './commands/topics';
import { validateCommand } from './commands/validate';

export function ncnProgram(): Command {
  const program = new Command('ncn')
    .description('National coordination node of the labour exchange (ClicLavoro) on Apache Kafka')
    .showHelpAfterError('(run `ncn --help` for the commands and examples)')
    .addHelpText(
      'after',
      `
What it takes:
  ClicLavoro XML documents: Candidatura (CV) and Vacancy        validate, submit
  ClicLavoro Messaggio (03 interest, 04 reply) about them       validate
  INPS DID income-support records: XML (ListaDID) or NDJSON     load inps
  CO UNILAV employment records: XML (inputUniLav) or NDJSON     load co
\`ncn gen\` makes all of them (the ClicLavoro documents inside its NDJSON lines). \`ncn <command> --help\` says
more about each command, with examples.

Examples:
  ncn gen --cvs 20 --vacancies 10 --inps 5 --co 5 -o day.ndjson  # a small day of synthetic traffic
  ncn validate cv.xml vacancy.xml               # a table of verdicts; exit code 1 when one is invalid
  ncn tail nr.12.out -n 3                       # the last three deliveries to node 12`,
    );

  auditCommand(program);
  demoCommand(program);
  dlqCommand(program);
  euresStubCommand(program);
  genCommand(program);
  infraCommand(program);
  lagCommand(program);
  loadCommand(program);
  registryCommand(program);
  securityCommand(program);
  submitCommand(program);
  tailCommand(program);
  topicsCommand(program);
  validateCommand(program);
  return program;
}
