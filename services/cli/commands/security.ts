import { join } from 'node:path';
import type { Command } from 'commander';
import { kafkaLibs, resolveKafka } from '../../../infra/local/kafka';
import { stackSettings } from '../../../infra/local/settings';
import { loadConfig, stateDirOf } from '../../runtime/config';
import { connectAdmin, createKafka } from '../../runtime/kafka';
import { noCredentialsError } from '../../runtime/kafka/errors';
import { createLogger } from '../../runtime/logger';
import { defaultPolicyFile, loadPolicy } from '../../../lib/security/policy';
import { passwordVariable, provision } from '../provision';

/** `ncn security provision|policy`: the principals and ACLs of infra/security/acls.json. */
export function securityCommand(program: Command): void {
  const security = program
    .command('security')
    .description('users and ACLs on Kafka from one declarative policy (infra/security/acls.json)');

  security
    .command('provision')
    .description(
      'create or update the SCRAM users of the policy and make their ACLs exactly the policy (run as a super user)',
    )
    .option('--file <policy>', 'the policy file', defaultPolicyFile)
    .option('--credentials <dir>', 'where passwords are read, or written when new [<NCN_STATE_DIR>/credentials]')
    .option('--dry-run', 'say what it would create, update and remove, changing nothing')
    .addHelpText(
      'after',
      [
        '',
        "A principal's password comes from NCN_PASSWORD_<NAME> (e.g. NCN_PASSWORD_SVC_INGEST), else from",
        '<credentials>/<name>.password, else a new random one is written there (mode 600). Each service then runs',
        'with NCN_KAFKA_USERNAME=<name> and NCN_KAFKA_PASSWORD_FILE=<credentials>/<name>.password.',
        '',
        'Examples:',
        '  ncn security provision                        # the policy on the configured broker',
        '  ncn security provision --dry-run              # what it would change, changing nothing',
        '  ncn security provision --file my-acls.json --credentials ./credentials',
      ].join('\n'),
    )
    .action(async (options: { file: string; credentials?: string; dryRun?: boolean }) => {
      const principals = loadPolicy(options.file);
      const config = loadConfig();
      if (config.kafka.sasl === undefined) {
        throw noCredentialsError(config.kafka, 'and provisioning needs a super user');
      }
      const settings = stackSettings();
      // Kafka's jars run the SCRAM and ACL requests (a dry run reads the ACLs too).
      resolveKafka(settings);
      const admin = await connectAdmin(createKafka(config, createLogger('ncn-cli', config.logLevel)));
      try {
        await provision({
          admin,
          config,
          principals,
          credentialsDir: options.credentials ?? join(stateDirOf(process.env), 'credentials'),
          env: process.env,
          kafkaLibs: kafkaLibs(settings),
          say: (line) => console.log(line),
          dryRun: options.dryRun === true,
        });
      } finally {
        await admin.disconnect();
      }
    });

  security
    .command('policy')
    .description('print the principals of the policy and what each may do')
    .option('--file <policy>', 'the policy file', defaultPolicyFile)
    .addHelpText(
      'after',
      `
Examples:
  ncn security policy                           # each principal and its rights, from infra/security/acls.json
  ncn security policy --file my-acls.json`,
    )
    .action((options: { file: string }) => {
      for (const p of loadPolicy(options.file)) {
        const rules = new Map<string, string[]>();
        for (const b of p.bindings) {
          const resource = `${b.resource} ${b.name}${b.prefixed ? '*' : ''}`;
          rules.set(resource, [...(rules.get(resource) ?? []), b.operation]);
        }
        console.log(`${p.name}  (${p.role}; password: ${passwordVariable(p.name)})`);
        for (const [resource, ops] of rules) console.log(`  ${resource}: ${ops.join(', ')}`);
      }
    });
}
