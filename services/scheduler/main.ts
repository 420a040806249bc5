/** The scheduler process: configuration, clients, the service, graceful shutdown. */
import { topicCatalogue } from '../../contracts/topics';
import { AvroSerde } from '../runtime/avro-serde';
import { loadConfig } from '../runtime/config';
import { connectAdmin, createKafka } from '../runtime/kafka';
import { createLogger } from '../runtime/logger';
import { createRedis } from '../runtime/redis';
import { createShutdown, exitOnSignals } from '../runtime/shutdown';
import { ensureTopics } from '../runtime/topics';
import { startScheduler } from './service';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('scheduler', config.logLevel);
  const kafka = createKafka(config, logger, `${config.kafka.clientId}-scheduler`);
  const admin = await connectAdmin(kafka);
  await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor);
  await admin.disconnect();
  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
  exitOnSignals(shutdown, logger);
  const redis = createRedis(config);
  const scheduler = await startScheduler({
    config,
    kafka,
    serde: new AvroSerde(config.registry.url),
    logger,
    redis,
    ...(config.groupId ? { groupId: config.groupId } : {}),
    fromBeginning: config.autoOffsetReset === 'earliest',
  });
  shutdown.onShutdown('scheduler', () => scheduler.close());
  shutdown.onShutdown('redis', async () => void (await redis.quit()));
  if (config.scheduler.clockOffsetMs !== 0)
    logger.warn({ offsetMs: config.scheduler.clockOffsetMs }, 'clock offset in use');
  logger.info({ httpPort: scheduler.runner.httpPort, pending: await scheduler.index.pending() }, 'scheduler running');
}

main().catch((error: unknown) => {
  console.error(`scheduler: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
