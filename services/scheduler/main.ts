/** The scheduler's process. */
import { runService } from '../runtime/service-process';
import { startScheduler } from './service';

runService('scheduler', async ({ config, kafka, serde, logger, redis, group, fromBeginning }) => {
  const scheduler = await startScheduler({ config, kafka, serde, logger, redis: redis(), ...group, fromBeginning });
  if (config.scheduler.clockOffsetMs !== 0)
    logger.warn({ offsetMs: config.scheduler.clockOffsetMs }, 'clock offset in use');
  return {
    close: () => scheduler.close(),
    info: { httpPort: scheduler.runner.httpPort, pending: await scheduler.index.pending() },
  };
});
