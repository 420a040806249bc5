import { Topic } from '../../contracts/topics';
import type { Percettore } from '../../contracts/avro/types';
import { person } from '../../lib/gen/people';
import { Random } from '../../lib/gen/random';
import { generatePercettore } from '../../lib/gen/records';
import type { Waiting } from './enrich';
import { EnricherHeader } from '../../contracts/headers';
import { WaitingState, changelogRecord, parseWaitingValue } from './waiting-state';

const CF = 'RSSMRA85T10A562S';
const p = (id: string): Percettore => ({
  ...generatePercettore(new Random(1), person(new Random(1), '12'), new Date(0), 1),
  idComunicazione: id,
  tipoOperazione: 'I',
  codiceFiscale: CF,
  ultimaQualifica: null,
  codiceComuneDomicilio: 'H501',
});
const value = (seq: number, ...ids: string[]): Waiting => ({
  cf: CF,
  seq,
  records: ids.map((id, i) => ({ receivedAt: 1_000 + i, deadline: 5_000 + i, percettore: p(id) })),
});
const ids = (w: Waiting | undefined): string[] | undefined => w?.records.map((r) => r.percettore.idComunicazione);

describe('the waiting records as a transaction sees them', () => {
  it('shows what the scope staged over what is committed; other scopes see only the committed', () => {
    const state = new WaitingState();
    state.applyValue(value(1, 'A'), '0');
    state.stage('inps:0', 'inps:0:10', { type: 'wait', value: value(2, 'A', 'B') });
    expect(ids(state.get('inps:0', 'inps:0:11', CF))).toEqual(['A', 'B']);
    expect(ids(state.get('co:0', 'co:0:5', CF))).toEqual(['A']);
  });

  it('hides from an input handled again what it staged the first time (a retry), not what others staged', () => {
    const state = new WaitingState();
    state.stage('inps:0', 'inps:0:10', { type: 'wait', value: value(1, 'A') });
    state.stage('inps:0', 'inps:0:11', { type: 'wait', value: value(2, 'A', 'B') });
    expect(ids(state.get('inps:0', 'inps:0:11', CF))).toEqual(['A']);
    state.stage('inps:0', 'inps:0:11', { type: 'wait', value: value(2, 'A', 'B') });
    state.commit('inps:0');
    expect(ids(state.get('x', 'y', CF))).toEqual(['A', 'B']);
  });

  it('makes staged changes final on commit and drops them on abort', () => {
    const state = new WaitingState();
    state.stage('inps:0', 's1', { type: 'wait', value: value(1, 'A') });
    state.abort('inps:0');
    expect(state.get('inps:0', 's2', CF)).toBeUndefined();
    state.stage('inps:0', 's1', { type: 'wait', value: value(1, 'A') });
    state.commit('inps:0');
    expect(state.committed(CF)).toHaveLength(1);
    state.stage('co:0', 's3', { type: 'release', cf: CF, seq: 2 });
    expect(state.get('co:0', 's4', CF)).toEqual({ cf: CF, seq: 2, records: [] });
    state.commit('co:0', 100);
    expect(state.get('any', 'any', CF)).toEqual({ cf: CF, seq: 2, records: [] });
    expect(state.size).toEqual({ people: 0, records: 0 });
  });

  it('ignores unchanged decisions', () => {
    const state = new WaitingState();
    state.stage('s', 'a', { type: 'unchanged' });
    state.commit('s');
    expect(state.get('s', 'b', CF)).toBeUndefined();
  });
});

describe('the changelog follower', () => {
  it('never moves a person back when this instance’s own writes come back later', () => {
    const state = new WaitingState();
    state.stage('inps:0', 's1', { type: 'wait', value: value(1, 'A') });
    state.commit('inps:0');
    state.stage('inps:0', 's2', { type: 'wait', value: value(2, 'A', 'B') });
    state.commit('inps:0');
    state.stage('co:0', 's3', { type: 'release', cf: CF, seq: 3 });
    state.commit('co:0');
    state.applyValue(value(1, 'A'), '0');
    state.applyValue(value(2, 'A', 'B'), '0');
    expect(state.get('x', 'y', CF)?.records).toEqual([]);
    state.applyTombstone(CF, 3);
    expect(state.get('x', 'y', CF)).toBeUndefined();
  });

  it('keeps a newer wait when the tombstone of an earlier release comes back', () => {
    const state = new WaitingState();
    state.stage('co:0', 's1', { type: 'release', cf: CF, seq: 3 });
    state.commit('co:0');
    state.stage('inps:0', 's2', { type: 'wait', value: value(4, 'C') });
    state.commit('inps:0');
    state.applyTombstone(CF, 3);
    expect(ids(state.get('x', 'y', CF))).toEqual(['C']);
  });

  it('handles the follower reading a tombstone before the commit hook ran', () => {
    const state = new WaitingState();
    state.applyValue(value(1, 'A'), '0');
    state.stage('co:0', 's1', { type: 'release', cf: CF, seq: 2 });
    state.applyTombstone(CF, 2);
    state.commit('co:0', 1_000);
    state.applyValue(value(1, 'A'), '0');
    expect(state.get('x', 'y', CF)?.records).toEqual([]);
    state.prune(1_000 + 60_000, 120_000);
    expect(state.get('x', 'y', CF)).toEqual({ cf: CF, seq: 2, records: [] });
    state.prune(1_000 + 130_000, 120_000);
    expect(state.get('x', 'y', CF)).toBeUndefined();
  });

  it('rebuilds the right state from a compacted log read from the start, seq restarting after a release', () => {
    const logs: (Waiting | { tombstone: number })[][] = [
      [value(1, 'A'), { tombstone: 2 }, value(1, 'B')],
      [{ tombstone: 2 }, value(1, 'B')],
      [value(3, 'A'), { tombstone: 4 }, value(1, 'B'), value(2, 'B', 'C')],
      [value(1, 'A'), value(2, 'A', 'B'), { tombstone: 3 }],
    ];
    const expected = [['B'], ['B'], ['B', 'C'], undefined];
    logs.forEach((log, i) => {
      const state = new WaitingState();
      for (const r of log) {
        if ('tombstone' in r) state.applyTombstone(CF, r.tombstone);
        else state.applyValue(r, '0');
      }
      expect(ids(state.get('x', 'y', CF))).toEqual(expected[i]);
    });
  });

  it('lets a tombstone without seq remove whatever is known', () => {
    const state = new WaitingState();
    state.applyValue(value(9, 'A'), '0');
    state.applyTombstone(CF, undefined);
    expect(state.get('x', 'y', CF)).toBeUndefined();
  });
});

describe('due people', () => {
  it("lists a task's people whose earliest deadline has passed, earliest first, only from committed state", () => {
    const state = new WaitingState();
    state.applyValue({ ...value(1, 'A'), cf: 'B' }, '0');
    state.applyValue({ cf: 'A', seq: 1, records: [{ receivedAt: 0, deadline: 3_000, percettore: p('X') }] }, '0');
    state.applyValue({ cf: 'D', seq: 1, records: [{ receivedAt: 0, deadline: 2_000, percettore: p('Z') }] }, '1');
    state.stage('0', 'x', {
      type: 'wait',
      value: { cf: 'C', seq: 1, records: [{ receivedAt: 0, deadline: 1, percettore: p('Y') }] },
    });
    expect(state.due(4_999, '0')).toEqual(['A']);
    expect(state.due(5_000, '0')).toEqual(['A', 'B']);
    expect(state.due(5_000, '1')).toEqual(['D']);
    expect(state.size).toEqual({ people: 3, records: 3 });
    // Committed by task 0's transaction: C is task 0's from then on.
    state.commit('0');
    expect(state.due(5_000, '0')).toEqual(['C', 'A', 'B']);
    expect(state.due(5_000, '1')).toEqual(['D']);
  });
});

describe('changelog records', () => {
  it('carry the new value as JSON with its group and seq, and read back the same', () => {
    const record = changelogRecord({ type: 'wait', value: value(3, 'A', 'B') }, 'enricher');
    expect(record).toMatchObject({
      topic: Topic.enricherWaiting,
      key: CF,
      headers: { [EnricherHeader.group]: 'enricher', [EnricherHeader.seq]: '3' },
    });
    expect(parseWaitingValue(record?.value as Buffer)).toEqual({ ...value(3, 'A', 'B'), group: 'enricher' });
  });

  it('are tombstones on release, the seq in a header', () => {
    expect(changelogRecord({ type: 'release', cf: CF, seq: 4 }, 'g')).toEqual({
      topic: Topic.enricherWaiting,
      key: CF,
      value: null,
      headers: { [EnricherHeader.group]: 'g', [EnricherHeader.seq]: '4' },
    });
    expect(changelogRecord({ type: 'unchanged' }, 'g')).toBeUndefined();
  });

  it('refuse what is not a waiting value', () => {
    for (const bad of ['nope', '[]', '{"cf":"X","seq":1,"group":"g"}', '{"cf":"X","seq":1,"group":"g","records":[1]}'])
      expect(parseWaitingValue(Buffer.from(bad))).toBeUndefined();
  });
});
