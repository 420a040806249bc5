import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { trails } from '../../../lib/audit/trails';
import { AuditIndex } from '../../runtime/audit-index';
import { subjectHash } from '../../../contracts/policy';
import { loadConfig } from '../../runtime/config';
import { createRedis } from '../../runtime/redis';
import { hasValidCheck } from '../../../lib/xml/codice-fiscale';
import { table } from '../table';

const time = (at: number): string => new Date(at).toISOString().replace('T', ' ').slice(0, 19);

/** `ncn audit --cf CODICE`: who received data about one person, from the audit index. */
export function auditCommand(program: Command): void {
  program
    .command('audit')
    .description(
      'who received data about a person: every item of theirs, who got which version, when, by which rule, and the contact messages about it',
    )
    .requiredOption('--cf <codice>', "the person's codice fiscale (the trail holds it only as a keyed hash)")
    .option('--json', 'the events as JSON', false)
    .addHelpText(
      'after',
      `
The answer comes from the audit index in Redis, kept by the audit indexer (npm run audit-indexer) from ncn.audit,
with the same NCN_AUDIT_KEY as the dispatcher.

Examples:
  ncn audit --cf RSSMRA85T10A562S               # per item: who received which version, when, by which rule`,
    )
    .action(async (options: { cf: string; json: boolean }) => {
      const cf = options.cf.trim().toUpperCase();
      if (!hasValidCheck(cf))
        throw new Error(`'${options.cf}' is not a valid codice fiscale (its check character is wrong)`);
      const config = loadConfig();
      const redis = createRedis(config);
      try {
        const index = new AuditIndex(redis, config.redis.prefix);
        if (!(await index.built())) {
          throw new Error(
            'the audit index is not built in Redis yet: the audit indexer rebuilds it from ncn.audit when it starts ' +
              '(its log says "audit index rebuilt"); start it if it is not running (npm run audit-indexer)',
          );
        }
        const started = performance.now();
        const entries = await index.of(subjectHash(config.dispatcher.auditKey, cf));
        const ms = performance.now() - started;
        if (options.json) {
          console.log(JSON.stringify(entries));
          return;
        }
        if (entries.length === 0) {
          console.log(`no recorded use of data about ${cf} (${ms.toFixed(1)} ms)`);
          return;
        }
        for (const item of trails(entries)) {
          console.log(`\n${item.kind} ${item.root}: ${item.events.length} events`);
          console.log(
            table(
              ['when', 'event', 'version', 'from', 'to', 'rule'],
              item.events.map((e) => [
                time(e.at),
                e.event,
                String(e.version ?? ''),
                e.fromNode ?? '',
                e.toNode ?? '',
                e.rule ?? '',
              ]),
            ),
          );
          const now = [...item.receivers].map(([to, r]) => `${to} ${r.action.toLowerCase()} v${r.version ?? ''}`);
          console.log(`last, per receiver: ${now.join(', ')}`);
          if (item.messages.length > 0) {
            const replies = item.messages.filter((m) => m.event === 'MESSAGE_REPLY').length;
            console.log(
              `contact messages: ${item.messages.length - replies} of interest (03), ${replies} replies (04)`,
            );
          }
        }
        console.error(`\n${entries.length} events, ${trails(entries).length} items, answered in ${ms.toFixed(1)} ms`);
      } finally {
        await redis.quit();
      }
    });
}
