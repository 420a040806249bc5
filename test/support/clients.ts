import pino from 'pino';
import type { Kafka } from 'kafkajs';
import { loadConfig, type Config } from '../../services/runtime/config';
import { createKafka } from '../../services/runtime/kafka';

/** The configuration the integration tests run with (the shared variables, or their defaults). */
export const testConfig: Config = loadConfig(process.env);

export const silentLogger = pino({ level: 'silent' });

export function testKafka(): Kafka {
  return createKafka(testConfig, silentLogger, 'ncn-test');
}
