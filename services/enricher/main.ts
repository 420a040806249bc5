/** The enricher's process. */
import { runService } from '../runtime/service-process';
import { startEnricher } from './service';

runService('enricher', async ({ config, kafka, serde, logger, redis, group, fromBeginning }) => {
  const enricher = await startEnricher({ config, kafka, serde, logger, redis: redis(), ...group, fromBeginning });
  return {
    close: () => enricher.close(),
    info: {
      httpPort: enricher.runner.httpPort,
      waiting: enricher.waiting.size,
      waitMs: config.enricher.qualificationWaitMs,
    },
  };
});
