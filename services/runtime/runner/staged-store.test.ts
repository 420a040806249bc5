import { StagedStore } from './staged-store';

interface Row {
  readonly key: string;
  readonly seq: number;
}

const store = (): StagedStore<Row> =>
  new StagedStore<Row>(
    (r) => r.key,
    (candidate, known) => candidate.seq > known.seq,
  );

describe('StagedStore', () => {
  it('shows a task what it staged before the record being handled, and other tasks only what committed', () => {
    const s = store();
    s.apply({ key: 'a', seq: 1 });
    s.stage('0', 'in:0:10', { key: 'a', seq: 2 });
    expect(s.get('0', 'in:0:11', 'a')).toEqual({ key: 'a', seq: 2 });
    // Another input of the same task sees it too (co-partitioned: partition 0 of every input is one task).
    expect(s.get('0', 'other:0:5', 'a')).toEqual({ key: 'a', seq: 2 });
    expect(s.get('1', 'in:1:3', 'a')).toEqual({ key: 'a', seq: 1 });
    expect(s.size).toBe(1);
  });

  it('lets a retried record decide as its first attempt did, and replaces what that attempt staged', () => {
    const s = store();
    s.apply({ key: 'a', seq: 1 });
    s.stage('0', 'in:0:10', { key: 'a', seq: 2 });
    // The same record again (the runner retries it): it reads what was there before its first attempt.
    expect(s.get('0', 'in:0:10', 'a')).toEqual({ key: 'a', seq: 1 });
    s.stage('0', 'in:0:10', { key: 'a', seq: 3 });
    s.commit('0');
    expect([...s.values()]).toEqual([{ key: 'a', seq: 3 }]);
  });

  it('makes a committed task final, drops an aborted one, and keeps only newer values', () => {
    const s = store();
    s.stage('0', 'in:0:1', { key: 'a', seq: 5 });
    s.stage('1', 'in:1:1', { key: 'b', seq: 5 });
    s.commit('0');
    s.abort('1');
    expect(s.get('1', 'in:1:2', 'a')).toEqual({ key: 'a', seq: 5 });
    expect(s.get('1', 'in:1:2', 'b')).toBeUndefined();
    // The changelog follower reads the committed value back, and an older one late: neither moves it back.
    s.apply({ key: 'a', seq: 5 });
    s.apply({ key: 'a', seq: 4 });
    expect(s.get('2', 'x', 'a')).toEqual({ key: 'a', seq: 5 });
    s.stage('0', 'in:0:2', { key: 'a', seq: 6 });
    s.abortAll();
    s.commit('0');
    expect(s.get('0', 'in:0:3', 'a')).toEqual({ key: 'a', seq: 5 });
  });

  it('returns what a commit made final, and reads a stale staged value as the newer committed one', () => {
    const s = new StagedStore<Row>(
      (r) => r.key,
      (candidate, known) => candidate.seq >= known.seq,
      (staged, committed) => committed.seq > staged.seq,
    );
    s.stage('0', 'in:0:1', { key: 'a', seq: 2 });
    s.stage('0', 'in:0:2', { key: 'b', seq: 1 });
    // Another task committed a newer value of 'a' meanwhile: task 0 reads it, not its own older one.
    s.stage('1', 'in:1:1', { key: 'a', seq: 3 });
    expect(s.commit('1')).toEqual([{ key: 'a', seq: 3 }]);
    expect(s.get('0', 'in:0:9', 'a')).toEqual({ key: 'a', seq: 3 });
    expect(s.get('0', 'in:0:9', 'b')).toEqual({ key: 'b', seq: 1 });
    expect(s.commit('0')).toEqual([
      { key: 'a', seq: 2 },
      { key: 'b', seq: 1 },
    ]);
    expect(s.committed('a')).toEqual({ key: 'a', seq: 3 });
  });

  it('forgets a committed value on a tombstone only when the tombstone says so', () => {
    const s = store();
    s.apply({ key: 'a', seq: 5 });
    expect(s.remove('a', (known) => known.seq <= 4)).toBe(false);
    expect(s.committed('a')).toEqual({ key: 'a', seq: 5 });
    expect(s.remove('a', (known) => known.seq <= 5)).toBe(true);
    expect(s.committed('a')).toBeUndefined();
    expect(s.remove('a')).toBe(false);
  });

  it('drops what a first attempt staged when the retry decides on another key, or on nothing', () => {
    const s = store();
    s.stage('0', 'in:0:1', { key: 'a', seq: 1 });
    s.stage('0', 'in:0:1', { key: 'b', seq: 1 });
    expect(s.get('0', 'in:0:2', 'a')).toBeUndefined();
    expect(s.get('0', 'in:0:2', 'b')).toEqual({ key: 'b', seq: 1 });
    s.stage('0', 'in:0:2', { key: 'c', seq: 1 });
    s.unstage('0', 'in:0:1');
    expect(s.commit('0')).toEqual([{ key: 'c', seq: 1 }]);
    expect(s.committed('b')).toBeUndefined();
  });
});
