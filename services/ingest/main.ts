/** The ingest service's process. */
import { runService } from '../runtime/service-process';
import { startIngest } from './service';

runService('ingest', async ({ config, kafka, serde, logger, group, fromBeginning }) => {
  const ingest = await startIngest({ config, kafka, serde, logger, ...group, fromBeginning });
  // Running means consuming: from here on, where a new group starts reading is settled.
  await ingest.runner.fetching;
  return { close: () => ingest.close(), info: { httpPort: ingest.runner.httpPort } };
});
