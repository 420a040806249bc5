/** The lag monitor's process: the monitor and its HTTP view (page, JSON API, metrics). */
import { javaAdmin } from '../runtime/kafka';
import { runService } from '../runtime/service-process';
import { startLagHttp } from './http';
import { startLagMonitor } from './monitor';

runService('lag-monitor', async ({ config, kafka, logger }) => {
  const monitor = await startLagMonitor({
    kafka,
    logger,
    intervalMs: config.lag.intervalMs,
    thresholds: { windowSize: config.lag.window, okLag: 1 },
    groups: config.lag.groups,
    ...(config.lag.kafkaLibs === undefined
      ? {}
      : { quorum: () => javaAdmin(config, config.lag.kafkaLibs ?? '').quorum() }),
  });
  const http = await startLagHttp(monitor, config.lag.port);
  return {
    async close() {
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
      await monitor.close();
    },
    info: { url: `http://localhost:${http.port}/` },
  };
});
