/** The enricher process: configuration, clients, the service, graceful shutdown. */
import { topicCatalogue } from '../../contracts/topics';
import { AvroSerde } from '../runtime/avro-serde';
import { loadConfig } from '../runtime/config';
import { connectAdmin, createKafka } from '../runtime/kafka';
import { createLogger } from '../runtime/logger';
import { createRedis } from '../runtime/redis';
import { createShutdown, exitOnSignals } from '../runtime/shutdown';
import { ensureTopics } from '../runtime/topics';
import { startEnricher } from './service';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('enricher', config.logLevel);
  const kafka = createKafka(config, logger, `${config.kafka.clientId}-enricher`);
  const admin = await connectAdmin(kafka);
  await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor);
  await admin.disconnect();
  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
  exitOnSignals(shutdown, logger);
  const redis = createRedis(config);
  const enricher = await startEnricher({
    config,
    kafka,
    serde: new AvroSerde(config.registry.url),
    logger,
    redis,
    ...(config.groupId ? { groupId: config.groupId } : {}),
  });
  shutdown.onShutdown('enricher', () => enricher.close());
  shutdown.onShutdown('redis', async () => void (await redis.quit()));
  logger.info(
    { httpPort: enricher.runner.httpPort, waiting: enricher.waiting.size, waitMs: config.enricher.qualificationWaitMs },
    'enricher running',
  );
}

main().catch((error: unknown) => {
  console.error(`enricher: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
