import type { Command } from 'commander';
import { startEuresStub, type StubMode } from '../../../lib/eures/stub';

/** `ncn eures-stub`: a local EURES receiver for the demo and the tests. */
export function euresStubCommand(program: Command): void {
  program
    .command('eures-stub')
    .description('run a local EURES receiver: checks and records the documents the forwarder sends')
    .option('-p, --port <port>', 'port to listen on', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--journal <file>', 'keep what it holds in this file (JSON lines), so a restart keeps it')
    .option('--mode <mode>', 'ok, fail (answer 503) or stall (never answer): an outage from the start', 'ok')
    .addHelpText(
      'after',
      `
It serves POST /documents (what the forwarder sends), GET /documents (what it holds, once per idempotency key),
GET /stats, and POST /control?mode=ok|fail|stall to simulate an outage while it runs.

Examples:
  ncn eures-stub --port 8090                                # until Ctrl-C
  curl -X POST 'http://127.0.0.1:8090/control?mode=fail'    # EURES down
  curl http://127.0.0.1:8090/stats                          # its mode and what it received`,
    )
    .action(async (options: { port: string; host: string; mode: string; journal?: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new Error(`--port must be a port number from 0 to 65535, got '${options.port}'`);
      }
      if (!['ok', 'fail', 'stall'].includes(options.mode)) {
        throw new Error(`--mode must be ok, fail or stall, got '${options.mode}'`);
      }
      const stub = await startEuresStub({
        port,
        host: options.host,
        mode: options.mode as StubMode,
        ...(options.journal === undefined ? {} : { journal: options.journal }),
      });
      console.log(`EURES receiver listening on ${stub.url} (mode ${options.mode}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await stub.close();
      console.log(`held ${stub.received.length} documents; ${JSON.stringify(stub.stats)}`);
    });
}
