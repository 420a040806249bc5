/** The lag monitor process: configuration, the monitor, its HTTP view, graceful shutdown. */
import { loadConfig } from '../runtime/config';
import { createKafka } from '../runtime/kafka';
import { createLogger } from '../runtime/logger';
import { createShutdown, exitOnSignals } from '../runtime/shutdown';
import { startLagHttp } from './http';
import { startLagMonitor } from './monitor';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('lag-monitor', config.logLevel);
  const kafka = createKafka(config, logger, `${config.kafka.clientId}-lag-monitor`);
  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, logger });
  exitOnSignals(shutdown, logger);
  const monitor = await startLagMonitor({
    kafka,
    logger,
    intervalMs: config.lag.intervalMs,
    thresholds: { windowSize: config.lag.window, okLag: 1 },
    groups: config.lag.groups,
  });
  const http = await startLagHttp(monitor, config.lag.port);
  shutdown.onShutdown('lag-monitor', async () => {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await monitor.close();
  });
  logger.info({ url: `http://localhost:${http.port}/` }, 'lag-monitor running');
}

main().catch((error: unknown) => {
  console.error(`lag-monitor: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
