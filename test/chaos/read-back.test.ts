import type { ConsumedRecord } from '../../services/runtime/kafka';
import { changelogRecord } from '../../services/enricher/waiting-state';
import { noteWaiting } from './read-back';

/** A changelog record as the enricher writes it, read back at `offset`. */
function read(change: Parameters<typeof changelogRecord>[0], group: string, offset: number): ConsumedRecord {
  const out = changelogRecord(change, group);
  if (out === undefined) throw new Error('no changelog record');
  const headers: Record<string, Buffer> = {};
  for (const [name, v] of Object.entries(out.headers ?? {})) headers[name] = Buffer.from(v);
  const value = out.value === null ? null : Buffer.isBuffer(out.value) ? out.value : Buffer.from('?');
  return {
    topic: out.topic,
    partition: 0,
    offset: String(offset),
    key: out.key === null ? null : Buffer.from(out.key),
    value,
    headers,
    timestamp: '0',
  };
}
const wait = (cf: string, seq: number) => ({ type: 'wait' as const, value: { cf, seq, records: [] } });
const release = (cf: string, seq: number) => ({ type: 'release' as const, cf, seq });

/** Each record in turn, as the follower applies them. */
const note = (held: Map<string, boolean>, records: ConsumedRecord[], group: string): void => {
  for (const r of records) noteWaiting(held, r, group);
};

describe('noteWaiting', () => {
  it('counts the people whose last changelog record for the group is a value', () => {
    const held = new Map<string, boolean>();
    note(held, [read(wait('A', 1), 'enricher', 0), read(wait('B', 1), 'enricher', 1)], 'enricher');
    // A later run of the same partition releases A; B still waits.
    note(held, [read(release('A', 2), 'enricher', 2)], 'enricher');
    expect([...held].filter(([, v]) => v)).toEqual([['B', true]]);
    note(held, [read(wait('A', 3), 'enricher', 3), read(release('B', 2), 'enricher', 4)], 'enricher');
    expect([...held].filter(([, v]) => v)).toEqual([['A', true]]);
  });

  it("ignores another group's records", () => {
    const held = new Map<string, boolean>();
    note(held, [read(wait('A', 1), 'enricher-test', 0)], 'enricher');
    expect(held.size).toBe(0);
    note(held, [read(wait('A', 1), 'enricher', 1), read(release('A', 2), 'enricher-test', 2)], 'enricher');
    expect(held.get('A')).toBe(true);
  });
});
