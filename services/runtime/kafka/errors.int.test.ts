import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNcn } from '../../../test/support/cli';
import { testConfig } from '../../../test/support/clients';
import { freePort } from '../../../test/support/free-port';
import { startService } from '../../../test/support/service-process';

/** No credentials from the test's own environment: an empty variable counts as unset. */
const noCredentials = {
  NCN_KAFKA_USERNAME: '',
  NCN_KAFKA_PASSWORD: '',
  NCN_KAFKA_PASSWORD_FILE: '',
  NCN_KAFKA_CLIENT_PROPERTIES: '',
};

/** Commands that need Kafka first thing: one reads through a consumer's admin, one loads through a producer. */
const commands = [
  ['tail', 'nr.05.out'],
  ['load', 'inps', join(__dirname, '../../../test/fixtures/inps/did.xml')],
];

/** Long enough for a loaded machine, short enough to catch a client that retries for half a minute. */
const PromptMs = 20_000;

/** Runs each command; every one must fail (exit 1) promptly with a message `expectations` checks. */
async function expectEachCommand(env: Record<string, string>, expectations: (stderr: string) => void): Promise<void> {
  for (const args of commands) {
    const started = Date.now();
    const { status, stderr } = await runNcn(args, env);
    const ms = Date.now() - started;
    expect({ args, status, fast: ms < PromptMs }).toEqual({ args, status: 1, fast: true });
    const said = stderr.trim().split('\n');
    // One line: the message, with no client log lines around it.
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^ncn: /);
    expect(said[0]).not.toContain('ncn topics creates the catalogue');
    expectations(said[0] ?? '');
  }
}

/**
 * What a command and a service at start say when they cannot use Kafka: no credentials found, a login the broker
 * refused, or no broker. The first two need the secured stack (a broker without SASL lets anyone in).
 */
describe('a failed connection to Kafka says which of the three it is', () => {
  const secured = testConfig.kafka.sasl !== undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'ncn-no-credentials-'));
  const nowhere = { ...noCredentials, NCN_STATE_DIR: stateDir };
  const propertiesPath = join(stateDir, 'kafka-client.properties');

  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  (secured ? it : it.skip)('no credentials: names the variables and the properties file it looked at', async () => {
    await expectEachCommand(nowhere, (line) => {
      expect(line).toMatch(/^ncn: no Kafka credentials found: NCN_KAFKA_USERNAME is not set/);
      expect(line).toContain(`no client properties file at ${propertiesPath} (NCN_KAFKA_CLIENT_PROPERTIES`);
      expect(line).not.toMatch(/refused the login|no Kafka broker answers/);
    });
  });

  (secured ? it : it.skip)('no credentials: a service at start says the same and exits 1', async () => {
    const started = Date.now();
    const ingest = startService('ingest', nowhere);
    const exitCode = new Promise<number | null>((resolve) => ingest.child.once('exit', (code) => resolve(code)));
    const log = await ingest.ready.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(log).toMatch(
      new RegExp(`\ningest: no Kafka credentials found: .* no client properties file at ${propertiesPath} `),
    );
    // Its JSON log says it too, with the error's code.
    expect(log).toMatch(
      /"level":60,.*"code":"NCN_KAFKA_NO_CREDENTIALS".*"msg":"ingest did not start: no Kafka credentials found/,
    );
    expect(await exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(PromptMs);
  });

  (secured ? it : it.skip)('a wrong password: names the user the broker refused, never the password', async () => {
    const username = testConfig.kafka.sasl?.username ?? '';
    const password = `wrong-${Date.now()}`;
    await expectEachCommand(
      { ...noCredentials, NCN_KAFKA_USERNAME: username, NCN_KAFKA_PASSWORD: password },
      (line) => {
        expect(line).toContain(`refused the login of user '${username}' (NCN_KAFKA_USERNAME): SASL SCRAM-SHA-512`);
        expect(line).toContain('authentication failed');
        expect(line).not.toContain(password);
        expect(line).not.toMatch(/no Kafka credentials|no Kafka broker answers/);
      },
    );
  });

  it('no broker: names the addresses tried', async () => {
    const broker = `127.0.0.1:${await freePort()}`;
    await expectEachCommand({ NCN_KAFKA_BROKERS: broker }, (line) => {
      expect(line).toMatch(new RegExp(`^ncn: no Kafka broker answers at ${broker} \\(NCN_KAFKA_BROKERS\\): `));
      expect(line).toContain('Connection refused');
      expect(line).not.toMatch(/no Kafka credentials|refused the login/);
    });
  });
});
