import { randomUUID } from 'node:crypto';

/** A name no other test run uses: tests isolate themselves with unique topics, groups and keys. */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
