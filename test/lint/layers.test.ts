import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/** A file that is not on disk, linted by the repository's ESLint config as if it were at `file`. */
interface Fixture {
  readonly file: string;
  readonly code: string;
}

/**
 * ESLint's Node API on the repository (`new ESLint({ cwd })`, `lintText` per fixture), run in a node process of
 * its own: ESLint loads eslint.config.mjs with a dynamic import, which jest's module system does not offer.
 * Answers, per fixture, the messages of no-restricted-imports.
 */
function lint(fixtures: readonly Fixture[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const { join } = require('node:path');
    (async () => {
      const fixtures = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const f of fixtures) {
        const [result] = await eslint.lintText(f.code, { filePath: join(process.cwd(), f.file) });
        out.push((result ? result.messages : []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    input: JSON.stringify(fixtures),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

const importing = (file: string, ...from: string[]): Fixture => ({
  file,
  code: from.map((f, i) => `import { x${i} } from '${f}';\nexport const y${i} = x${i};\n`).join(''),
});

const Refused: Record<string, Fixture> = {
  'a service importing a sibling service': importing('services/ingest/fixture.ts', '../dispatcher/items'),
  'a service importing another service through services/': importing(
    'services/eures/fixture.ts',
    '../../services/dispatcher/dispatch',
  ),
  'the CLI importing a service from a subfolder': importing('services/cli/commands/fixture.ts', '../../audit/service'),
  'a service importing infra': importing('services/dispatcher/fixture.ts', '../../infra/local/stack'),
  'a service importing a test helper': importing('services/ingest/fixture.ts', '../../test/support/unique'),
  'the runtime importing a service': importing('services/runtime/fixture.ts', '../ingest/state'),
  'the Kafka port importing a service': importing('services/runtime/kafka/fixture.ts', '../../dispatcher/service'),
  'contracts importing lib': importing('contracts/xml/fixture.ts', '../../lib/xml/xsd-model'),
  'contracts importing a service': importing('contracts/fixture.ts', '../services/runtime/config'),
  'contracts importing infra': importing('contracts/avro/fixture.ts', '../../infra/codegen/avro-types'),
  'lib importing the runtime': importing('lib/xml/fixture.ts', '../../services/runtime/kafka'),
  'lib importing a service': importing('lib/items/fixture.ts', '../../services/dispatcher/service'),
  'infra importing a service': importing('infra/local/fixture.ts', '../../services/ingest/service'),
  'a service importing the Kafka client': importing('services/ingest/fixture.ts', '@confluentinc/kafka-javascript'),
  'the Kafka port importing kafkajs': importing('services/runtime/kafka/fixture.ts', 'kafkajs'),
  'a test importing the Kafka client': importing('services/ingest/fixture.test.ts', '@confluentinc/kafka-javascript'),
};

const Allowed: Record<string, Fixture> = {
  'a service importing contracts, lib, the runtime and itself': importing(
    'services/dispatcher/fixture.ts',
    '../../contracts/topics',
    '../../lib/xml/tree',
    // lib/ has folders named like services (eures, audit): they are lib, not the services.
    '../../lib/eures/hr-open',
    '../../lib/audit/trails',
    '../runtime/config',
    '../runtime/kafka',
    './service',
  ),
  'the CLI importing infra, lib and the runtime from a subfolder': importing(
    'services/cli/commands/fixture.ts',
    '../../../infra/local/stack',
    '../../../lib/eures/stub',
    '../../runtime/config',
    '../table',
  ),
  'the runtime importing contracts and lib': importing(
    'services/runtime/runner/fixture.ts',
    '../../../contracts/headers',
    '../../../lib/audit/trails',
    '../kafka',
  ),
  'the Kafka port importing its client': importing(
    'services/runtime/kafka/fixture.ts',
    '@confluentinc/kafka-javascript',
  ),
  'contracts importing contracts': importing('contracts/xml/fixture.ts', '../avro/schemas', './schemas', '../nodes'),
  'lib importing contracts and lib': importing('lib/items/fixture.ts', '../../contracts/policy', '../xml/render'),
  'infra importing the runtime, lib and contracts': importing(
    'infra/codegen/fixture.ts',
    '../../services/runtime/config',
    '../../lib/xml/schemas',
    '../../contracts/topics',
  ),
  'a test in test/ importing anything': importing(
    'test/security/fixture.test.ts',
    '../../services/dispatcher/dispatch',
  ),
  'a test beside its unit importing another service and the test support': importing(
    'services/cli/fixture.test.ts',
    '../ingest/service',
    '../../test/support/unique',
  ),
};

/** Every folder of services/ but the runtime is a service: one importing another must be refused. */
const services = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'runtime')
  .map((d) => d.name);
const EveryService: Record<string, Fixture> = Object.fromEntries(
  services.map((s) => [s, importing(`services/${s}/fixture.ts`, `../${s === 'lag' ? 'ingest' : 'lag'}/main`)]),
);

describe('the layers (eslint.config.mjs, no-restricted-imports)', () => {
  const cases = { ...Refused, ...Allowed, ...EveryService };
  const names = Object.keys(cases);
  let messages: Record<string, string[]>;
  beforeAll(() => {
    const results = lint(Object.values(cases));
    messages = Object.fromEntries(names.map((n, i) => [n, results[i] ?? []]));
  }, 60_000);

  it.each(Object.keys(Refused))('refuse %s', (name) => {
    expect(messages[name]).toHaveLength(1);
  });

  it.each(Object.keys(Allowed))('allow %s', (name) => {
    expect(messages[name]).toEqual([]);
  });

  it.each(services)('refuse services/%s importing another service', (name) => {
    expect(messages[name]).toEqual([expect.stringMatching(/imports no other service/)]);
  });
});
