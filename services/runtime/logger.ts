import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** A JSON logger on stderr (stdout stays free for a command's own output). */
export function createLogger(name: string, level: LogLevel): Logger {
  return pino({ name, level, base: { service: name } }, pino.destination(2));
}
