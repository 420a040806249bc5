// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The Kafka client packages (today's and the candidates for tomorrow), which only the Kafka port may import. */
const KafkaClientPackages = ['kafkajs', '@confluentinc/kafka-javascript', '@platformatic/kafka'];
const KafkaPortMessage =
  'Import Kafka clients, types and helpers from the port, services/runtime/kafka (its index.ts), not from the client package.';

/** One port: only services/runtime/kafka imports a Kafka client package; everything else imports from it. */
const KafkaPort = {
  paths: KafkaClientPackages.map((name) => ({ name, message: KafkaPortMessage })),
  patterns: [{ group: KafkaClientPackages.map((name) => `${name}/*`), message: KafkaPortMessage }],
};
/** The port itself uses Confluent's client; kafkajs (unmaintained) may not come back even there. */
const KafkajsMessage = 'kafkajs was replaced by @confluentinc/kafka-javascript.';
const KafkaClient = {
  paths: [{ name: 'kafkajs', message: KafkajsMessage }],
  patterns: [{ group: ['kafkajs/*'], message: KafkajsMessage }],
};

/**
 * The layers the folders show, each importing only those below it:
 *
 *   contracts/         the single truth: imports nothing of the project
 *   lib/               pure libraries: contracts and lib
 *   services/runtime/  the runtime: contracts, lib, runtime
 *   services/<name>/   a service: contracts, lib, runtime and itself, never another service
 *   services/cli/      the CLI, on top: the same, and infra (the local stack it drives)
 *   infra/             the local stack and the code generators: contracts, lib, runtime, infra
 *   tests              anything but a Kafka client: a `*.test.ts` beside its unit, and test/ (the shared
 *                      support, fixtures, chaos suite, benchmarks and the cross-cutting tests)
 *
 * An import is a relative path, so a pattern matches the folders a path climbs to: `../` as often as it takes,
 * then the folder (`../dispatcher/items` from a sibling service, `../../lib/xml/tree`, `../../services/x/y`).
 */
const Services = ['ingest', 'enricher', 'dispatcher', 'scheduler', 'eures', 'audit', 'lag', 'cli'];
const reaching = (folders, message) => ({ regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message });
const reachingService = (services, message) => ({
  regex: `^(\\.\\./)+(services/)?(${services.join('|')})(/|$)`,
  message,
});
const others = (service) => Services.filter((s) => s !== service);

const Layer = {
  contracts: [
    reaching(
      ['lib', 'services', 'infra', 'test'],
      'contracts/ is the single truth and imports nothing of the project: move shared code to lib/, or the data here.',
    ),
  ],
  lib: [
    reaching(
      ['services', 'infra', 'test'],
      'lib/ holds pure libraries: it imports contracts/ and lib/ only (no runtime, service, infra or test).',
    ),
  ],
  runtime: [
    reachingService(Services, 'services/runtime/ serves every service and imports none: move shared code to lib/.'),
    reaching(['infra', 'test'], 'services/runtime/ imports contracts/, lib/ and the runtime only.'),
  ],
  service: (service) => [
    reachingService(
      others(service),
      `services/${service}/ imports no other service: shared code belongs in lib/ (pure) or services/runtime/.`,
    ),
    reaching(
      service === 'cli' ? ['test'] : ['infra', 'test'],
      `services/${service}/ imports contracts/, lib/, services/runtime/ and itself${service === 'cli' ? ', and infra/' : ''}.`,
    ),
  ],
  infra: [
    {
      regex: '^(\\.\\./)+(services/(?!runtime(/|$))|test(/|$))',
      message: 'infra/ imports contracts/, lib/, services/runtime/ and infra/ only.',
    },
  ],
};

/**
 * The no-restricted-imports rule of a folder: the Kafka rule and the folder's layer. In a flat config a later
 * block's options replace an earlier block's for the same rule, so every block carries both.
 */
const restrictImports = (kafka, layer = []) => ({
  'no-restricted-imports': ['error', { paths: kafka.paths, patterns: [...kafka.patterns, ...layer] }],
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.ts', '**/*.js', '**/*.mjs'], rules: restrictImports(KafkaPort) },
  { files: ['contracts/**'], rules: restrictImports(KafkaPort, Layer.contracts) },
  { files: ['lib/**'], rules: restrictImports(KafkaPort, Layer.lib) },
  { files: ['services/runtime/**'], rules: restrictImports(KafkaPort, Layer.runtime) },
  { files: ['services/runtime/kafka/**'], rules: restrictImports(KafkaClient, Layer.runtime) },
  ...Services.map((service) => ({
    files: [`services/${service}/**`],
    rules: restrictImports(KafkaPort, Layer.service(service)),
  })),
  { files: ['infra/**'], rules: restrictImports(KafkaPort, Layer.infra) },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { ...restrictImports(KafkaPort), '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
