/** The audit indexer's process. */
import { runService } from '../runtime/service-process';
import { startAuditIndexer } from './service';

runService('audit-indexer', async ({ config, kafka, serde, logger, redis, group, fromBeginning }) => {
  const indexer = await startAuditIndexer({ config, kafka, serde, logger, redis: redis(), ...group, fromBeginning });
  return { close: () => indexer.close(), info: { httpPort: indexer.runner.httpPort } };
});
