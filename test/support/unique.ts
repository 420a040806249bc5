import { randomUUID } from 'node:crypto';

/** A name no other test run uses: tests isolate themselves with unique topics, groups and keys. */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A day no other run uses (most likely): generated item codes carry their day, so they are new. */
export const unusedDay = (): Date =>
  new Date(
    Date.UTC(2030 + Math.floor(Math.random() * 60), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 28)),
  );
