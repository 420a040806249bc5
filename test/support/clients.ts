import pino from 'pino';
import { loadConfig, type Config } from '../../services/runtime/config';
import { createKafka, type Kafka } from '../../services/runtime/kafka';

/** The configuration the integration tests run with (the shared variables, or their defaults). */
export const testConfig: Config = loadConfig(process.env);

export const silentLogger = pino({ level: 'silent' });

export function testKafka(): Kafka {
  return createKafka(testConfig, silentLogger, 'ncn-test');
}
