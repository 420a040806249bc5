import { partitionHealth } from './partition-health';

const partition = (partitionId: number, leader: number, replicas: number[], isr: number[]) => ({
  partitionId,
  leader,
  replicas,
  isr,
});

describe('partitionHealth', () => {
  const topics = [
    { name: 'a', partitions: [partition(0, 1, [1, 2, 3], [1, 2, 3]), partition(1, 2, [2, 3, 1], [2, 3])] },
    { name: 'b', partitions: [partition(0, -1, [3, 1, 2], [3]), partition(1, 1, [1, 2, 3], [1, 2, 3])] },
  ];

  it('counts leaders per broker, leaderless and under-replicated partitions', () => {
    const h = partitionHealth(topics);
    expect(h.partitions).toBe(4);
    expect(h.unled).toBe(1);
    expect(h.underReplicated).toBe(2);
    // Broker 3 holds replicas and leads nothing: it is listed with 0.
    expect([...h.leads].sort((x, y) => x[0] - y[0])).toEqual([
      [1, 2],
      [2, 1],
      [3, 0],
    ]);
    expect(h.leaders.get('b:0')).toBe(-1);
    expect(h.leaders.get('a:1')).toBe(2);
  });

  it('counts a partition led by a broker taken as away as unled', () => {
    const h = partitionHealth(topics, new Set([1]));
    expect(h.unled).toBe(3);
    expect(h.leads.get(1)).toBe(0);
  });
});
