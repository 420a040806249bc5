import type { Command } from 'commander';
import { topicCatalogue } from '../../../contracts/topics';
import { loadConfig } from '../../runtime/config';
import { connectAdmin, createKafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { ensureTopics } from '../../runtime/topics';

/** `ncn topics`: creates the topic catalogue on the configured broker (missing topics only). */
export function topicsCommand(program: Command): void {
  program
    .command('topics')
    .description('create the topic catalogue (contracts/topics.ts) where it is missing')
    .addHelpText(
      'after',
      `
It uses the configured broker (NCN_KAFKA_BROKERS and the other NCN_KAFKA_ variables, or the local stack).

Examples:
  ncn topics                                    # topics: N created, M already there`,
    )
    .action(async () => {
      const config = loadConfig();
      const admin = await connectAdmin(createKafka(config, createLogger('ncn-cli', config.logLevel)));
      try {
        const { created, existing } = await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor);
        console.log(`topics: ${created.length} created, ${existing.length} already there`);
      } finally {
        await admin.disconnect();
      }
    });
}
