/** The dispatcher's process. */
import { runService } from '../runtime/service-process';
import { startDispatcher } from './service';

runService('dispatcher', async ({ config, kafka, serde, logger, group, fromBeginning }) => {
  const dispatcher = await startDispatcher({ config, kafka, serde, logger, ...group, fromBeginning });
  return { close: () => dispatcher.close(), info: { httpPort: dispatcher.runner.httpPort } };
});
