/** The ingest service process: configuration, clients, the service, graceful shutdown. */
import { topicCatalogue } from '../../contracts/topics';
import { AvroSerde } from '../runtime/avro-serde';
import { loadConfig } from '../runtime/config';
import { connectAdmin, createKafka } from '../runtime/kafka';
import { createLogger } from '../runtime/logger';
import { createShutdown, exitOnSignals } from '../runtime/shutdown';
import { ensureTopics } from '../runtime/topics';
import { startIngest } from './service';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('ingest', config.logLevel);
  const kafka = createKafka(config, logger, `${config.kafka.clientId}-ingest`);
  const admin = await connectAdmin(kafka);
  await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor);
  await admin.disconnect();
  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
  exitOnSignals(shutdown, logger);
  const ingest = await startIngest({
    config,
    kafka,
    serde: new AvroSerde(config.registry.url),
    logger,
    ...(config.groupId ? { groupId: config.groupId } : {}),
    fromBeginning: config.autoOffsetReset === 'earliest',
  });
  shutdown.onShutdown('ingest', () => ingest.close());
  // Running means consuming: from here on, where a new group starts reading is settled.
  await ingest.runner.fetching;
  logger.info({ httpPort: ingest.runner.httpPort }, 'ingest running');
}

main().catch((error: unknown) => {
  console.error(`ingest: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
