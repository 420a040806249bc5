/* global process */
// Tests run in this process (maxWorkers: 1), services included: libuv's thread pool, made on first use, must be
// sized before anything uses it (see ThreadPoolEnv, services/runtime/kafka/queue-waker.ts).
process.env.UV_THREADPOOL_SIZE ??= '16';

/** @type {import('jest').Config['transform']} */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
};

/**
 * A test sits beside the unit it tests (`services/dispatcher/dispatch.test.ts`); test/ holds what they share
 * (support, fixtures) and the tests of the whole (security, lint, the chaos suite and benchmarks run apart).
 * Two projects: `unit` (pure logic, no broker, milliseconds) and `integration` (`*.int.test.ts`, through the
 * real Kafka, schema registry and Redis that the global setup finds or starts).
 */
/** @type {import('jest').Config} */
const config = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/{contracts,lib,services,infra,test}/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/{contracts,lib,services,infra,test}/**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 60_000,
  // One test file at a time: the integration tests share one broker and the node's real topics (a service
  // started by one file would also consume what another submits).
  maxWorkers: 1,
  // Every test closes the clients it opens, but some sockets (client reconnect timers, keep-alive connections
  // of the registry client) can outlive the last test by a while; exit once the results are in rather than
  // let a finished run hang CI. Tracked as a known issue: find the handle with --detectOpenHandles.
  forceExit: true,
};

module.exports = config;
