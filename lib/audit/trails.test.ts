import { trails, type AuditEntry } from './trails';

const e = (root: string, at: number, toNode: string, event: string, version: number): AuditEntry => ({
  at,
  service: 'dispatcher',
  event,
  kind: 'CANDIDATURA',
  root,
  version,
  fromNode: '05',
  toNode,
  rule: null,
});

describe("a person's trail", () => {
  it('groups events by item in time order and keeps, per receiver, the last thing that happened', () => {
    const t = trails([
      e('B', 5, '07', 'DELIVERED', 1),
      e('A', 3, '07', 'WITHDRAWN', 2),
      e('A', 1, '07', 'DELIVERED', 1),
      e('A', 2, 'EURES', 'DELIVERED_EURES', 1),
    ]);
    expect(t.map((x) => x.root)).toEqual(['A', 'B']);
    expect(t[0]?.events.map((x) => x.at)).toEqual([1, 2, 3]);
    expect(Object.fromEntries(t[0]?.receivers ?? [])).toEqual({
      '07': { action: 'WITHDRAWN', version: 2, at: 3 },
      EURES: { action: 'DELIVERED_EURES', version: 1, at: 2 },
    });
  });

  it('lists contact messages about an item apart: they change no receiver’s holding', () => {
    const [item] = trails([
      e('A', 1, '07', 'DELIVERED', 1),
      { ...e('A', 2, '05', 'MESSAGE_INTEREST', 1), version: null },
      { ...e('A', 3, '07', 'MESSAGE_REPLY', 1), version: null },
    ]);
    expect(item?.events).toHaveLength(3);
    expect(item?.messages.map((m) => m.event)).toEqual(['MESSAGE_INTEREST', 'MESSAGE_REPLY']);
    expect(Object.fromEntries(item?.receivers ?? [])).toEqual({ '07': { action: 'DELIVERED', version: 1, at: 1 } });
  });
});
