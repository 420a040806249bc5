/** The EURES forwarder's process. */
import { runService } from '../runtime/service-process';
import { startEuresForwarder } from './forwarder';

runService('eures-forwarder', async ({ config, kafka, serde, logger, group, fromBeginning }) => {
  const forwarder = await startEuresForwarder({ config, kafka, serde, logger, ...group, fromBeginning });
  return { close: () => forwarder.close(), info: { httpPort: forwarder.httpPort, endpoint: config.eures.url } };
});
