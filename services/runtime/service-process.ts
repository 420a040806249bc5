import type { Redis } from 'ioredis';
import { topicCatalogue } from '../../contracts/topics';
import { AvroSerde } from './avro-serde';
import { loadConfig, type Config } from './config';
import { ThreadPoolEnv, connectAdmin, createKafka, isAuthorizationError, type Kafka } from './kafka';
import { createLogger, type Logger } from './logger';
import { createRedis } from './redis';
import { whenConsumerStopped } from './runner/stopped';
import { createShutdown, exitOnSignals, exitProcess } from './shutdown';
import { ensureTopics } from './topics';

/** What a service's process gives the service. */
export interface ServiceContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly kafka: Kafka;
  readonly serde: AvroSerde;
  /** A Redis client, made on first use and quit at shutdown. */
  redis(): Redis;
  /** The consumer group from NCN_GROUP_ID, when set, as a service option. */
  readonly group: { groupId?: string };
  /** Whether a group without offsets starts from the beginning (NCN_AUTO_OFFSET_RESET). */
  readonly fromBeginning: boolean;
}

/** A started service: how to stop it, and what to log once it runs. */
export interface StartedService {
  close(): Promise<void>;
  readonly info?: Record<string, unknown>;
}

/**
 * The process of a service: reads the configuration, makes the clients, creates any missing topic of the
 * catalogue, starts the service, stops it gracefully on SIGTERM/SIGINT (within NCN_SHUTDOWN_TIMEOUT_MS), and logs
 * `<name> running` once it runs (operators and tests wait for that line). A failure to start exits with 1.
 */
export function runService(name: string, start: (context: ServiceContext) => Promise<StartedService>): void {
  let log: Logger | undefined;
  const main = async (): Promise<void> => {
    const config = loadConfig();
    const logger = createLogger(name, config.logLevel);
    log = logger;
    const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    if (!(pool >= Number(ThreadPoolEnv.UV_THREADPOOL_SIZE))) {
      logger.warn(
        { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? null, wanted: ThreadPoolEnv.UV_THREADPOOL_SIZE },
        'libuv thread pool smaller than the Kafka client wants: start the process with UV_THREADPOOL_SIZE set',
      );
    }
    // Readers name a group under the service's own prefix, which its principal's ACLs cover.
    const kafka = createKafka(config, logger, `${config.kafka.clientId}-${name}`, { readerGroup: `${name}.reader` });
    const admin = await connectAdmin(kafka);
    try {
      await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor);
    } catch (error) {
      // A service running as its own principal may not create topics: the administrator provisioned them.
      if (!isAuthorizationError(error)) throw error;
      logger.info('not allowed to create topics; using those provisioned (ncn security provision)');
    } finally {
      await admin.disconnect();
    }
    const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
    exitOnSignals(shutdown, logger);
    // A consumer that stopped for good: the process exits (1) so that its supervisor starts the service again.
    whenConsumerStopped((service, error) => {
      logger.fatal({ err: error, service }, 'a consumer stopped for good: exiting to be restarted');
      void shutdown.shutdown('consumer stopped').finally(() => exitProcess(1));
    });
    let redis: Redis | undefined;
    const service = await start({
      config,
      logger,
      kafka,
      serde: new AvroSerde(config.registry.url),
      redis: () => (redis ??= createRedis(config)),
      group: config.groupId ? { groupId: config.groupId } : {},
      fromBeginning: config.autoOffsetReset === 'earliest',
    });
    shutdown.onShutdown(name, () => service.close());
    shutdown.onShutdown('redis', async () => void (await redis?.quit()));
    logger.info(service.info ?? {}, `${name} running`);
  };
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    // The log (an NcnError's code with it) for whoever reads the JSON lines, the plain line for whoever started it.
    log?.fatal({ err: error }, `${name} did not start: ${message}`);
    console.error(`${name}: ${message}`);
    exitProcess(1);
  });
}
