/** The dispatcher process: configuration, clients, the service, graceful shutdown. */
import { topicCatalogue } from '../../contracts/topics';
import { AvroSerde } from '../runtime/avro-serde';
import { loadConfig } from '../runtime/config';
import { connectAdmin, createKafka } from '../runtime/kafka';
import { createLogger } from '../runtime/logger';
import { createShutdown, exitOnSignals } from '../runtime/shutdown';
import { ensureTopics } from '../runtime/topics';
import { startDispatcher } from './service';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('dispatcher', config.logLevel);
  const kafka = createKafka(config, logger, `${config.kafka.clientId}-dispatcher`);
  const admin = await connectAdmin(kafka);
  await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor);
  await admin.disconnect();
  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
  exitOnSignals(shutdown, logger);
  const dispatcher = await startDispatcher({
    config,
    kafka,
    serde: new AvroSerde(config.registry.url),
    logger,
    ...(config.groupId ? { groupId: config.groupId } : {}),
    fromBeginning: config.autoOffsetReset === 'earliest',
  });
  shutdown.onShutdown('dispatcher', () => dispatcher.close());
  logger.info({ httpPort: dispatcher.runner.httpPort }, 'dispatcher running');
}

main().catch((error: unknown) => {
  console.error(`dispatcher: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
