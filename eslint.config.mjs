// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The Kafka client packages (today's and the candidates for tomorrow), which only the Kafka port may import. */
const KafkaClientPackages = ['kafkajs', '@confluentinc/kafka-javascript', '@platformatic/kafka'];
const KafkaPortMessage =
  'Import Kafka clients, types and helpers from the port, services/runtime/kafka (its index.ts), not from the client package.';

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
  {
    // One port: only services/runtime/kafka imports a Kafka client package; everything else imports from it.
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    ignores: ['services/runtime/kafka/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: KafkaClientPackages.map((name) => ({ name, message: KafkaPortMessage })),
          patterns: [{ group: KafkaClientPackages.map((name) => `${name}/*`), message: KafkaPortMessage }],
        },
      ],
    },
  },
  {
    // kafkajs is gone (unmaintained; Confluent's client replaced it): not even the port may bring it back.
    files: ['services/runtime/kafka/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kafkajs', message: 'kafkajs was replaced by @confluentinc/kafka-javascript.' }],
          patterns: [{ group: ['kafkajs/*'], message: 'kafkajs was replaced by @confluentinc/kafka-javascript.' }],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
