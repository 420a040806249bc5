/** The EURES forwarder process: configuration, clients, the service, graceful shutdown. */
import { topicCatalogue } from '../../contracts/topics';
import { AvroSerde } from '../runtime/avro-serde';
import { loadConfig } from '../runtime/config';
import { connectAdmin, createKafka } from '../runtime/kafka';
import { createLogger } from '../runtime/logger';
import { createShutdown, exitOnSignals } from '../runtime/shutdown';
import { ensureTopics } from '../runtime/topics';
import { startEuresForwarder } from './forwarder';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('eures-forwarder', config.logLevel);
  const kafka = createKafka(config, logger, `${config.kafka.clientId}-eures-forwarder`);
  const admin = await connectAdmin(kafka);
  await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor);
  await admin.disconnect();
  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
  exitOnSignals(shutdown, logger);
  const forwarder = await startEuresForwarder({
    config,
    kafka,
    serde: new AvroSerde(config.registry.url),
    logger,
    ...(config.groupId ? { groupId: config.groupId } : {}),
  });
  shutdown.onShutdown('eures-forwarder', () => forwarder.close());
  logger.info({ httpPort: forwarder.httpPort, endpoint: config.eures.url }, 'eures-forwarder running');
}

main().catch((error: unknown) => {
  console.error(`eures-forwarder: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
