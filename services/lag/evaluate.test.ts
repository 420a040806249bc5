import { evaluatePartition, groupStatus, type Sample } from './evaluate';

const t = { windowSize: 5, okLag: 0 };
/** A window from (committed, end) pairs, one sample a second. */
const w = (...pairs: [number, number][]): Sample[] =>
  pairs.map(([committed, end], i) => ({ at: i * 1_000, committed, end }));

describe("Burrow's rules on a partition", () => {
  it('OK when the lag was zero somewhere in the window', () => {
    expect(evaluatePartition(w([10, 10], [10, 20], [10, 30], [10, 40], [10, 50]), 5_000, true, t).status).toBe('OK');
  });
  it('OK while the window is not full', () => {
    expect(evaluatePartition(w([10, 20], [10, 30]), 2_000, false, t).status).toBe('OK');
  });
  it('STALL when a member holds the partition, the offset does not move and there is lag', () => {
    const e = evaluatePartition(w([10, 20], [10, 20], [10, 25], [10, 30], [10, 30]), 5_000, true, t);
    expect(e).toMatchObject({ status: 'STALL', lag: 20, committed: 10, end: 30 });
  });
  it('STOP when nobody holds it, nothing is committed and there is lag', () => {
    expect(evaluatePartition(w([10, 20], [10, 20], [10, 20], [10, 20], [10, 20]), 5_000, false, t).status).toBe('STOP');
  });
  it('WARN when offsets advance but the lag only grows', () => {
    const e = evaluatePartition(w([10, 20], [12, 25], [14, 30], [16, 35], [18, 40]), 5_000, true, t);
    expect(e.status).toBe('WARN');
  });
  it('OK when offsets advance and the lag goes down', () => {
    expect(evaluatePartition(w([10, 50], [20, 55], [30, 58], [40, 60], [50, 60]), 5_000, true, t).status).toBe('OK');
  });
  it('REWIND when the committed offset goes back, whatever else', () => {
    expect(evaluatePartition(w([10, 10], [20, 20], [5, 20]), 3_000, true, t).status).toBe('REWIND');
  });
  it('lag 1 that never moves is a transaction marker, not a stall, with the default thresholds', () => {
    const marker = w(
      [10, 11],
      [10, 11],
      [10, 11],
      [10, 11],
      [10, 11],
      [10, 11],
      [10, 11],
      [10, 11],
      [10, 11],
      [10, 11],
    );
    expect(evaluatePartition(marker, 10_000, true).status).toBe('OK');
    expect(evaluatePartition(marker, 10_000, true, { windowSize: 10, okLag: 0 }).status).toBe('STALL');
  });
  it('a group without offsets counts all of the log as lag', () => {
    expect(evaluatePartition(w([-1, 7]), 0, false, t).lag).toBe(7);
  });
});

describe('the status of a group', () => {
  const p = (status: 'OK' | 'WARN' | 'REWIND' | 'STALL' | 'STOP') => ({
    status,
    reason: '',
    lag: 0,
    committed: 0,
    end: 0,
  });
  it('takes its worst partition: STALL and STOP make it ERR', () => {
    expect(groupStatus([p('OK'), p('OK')])).toEqual({ status: 'OK', worst: 'OK' });
    expect(groupStatus([p('OK'), p('WARN')])).toEqual({ status: 'WARN', worst: 'WARN' });
    expect(groupStatus([p('WARN'), p('STALL')])).toEqual({ status: 'ERR', worst: 'STALL' });
    expect(groupStatus([p('STOP'), p('STALL')])).toEqual({ status: 'ERR', worst: 'STOP' });
    expect(groupStatus([])).toEqual({ status: 'NOTFOUND', worst: 'OK' });
  });
});
