import { itemCode, messageCode } from './item-code';

describe('itemCode and messageCode', () => {
  it('make 25-digit codes: node, kind digit, day, 14-digit sequence', () => {
    expect(itemCode('12', 'C', '2026-11-20', 7)).toBe('1212026112000000000000007');
    expect(itemCode('08', 'V', '2026-11-20', 1)).toBe('0822026112000000000000001');
    expect(messageCode('05', '03', '2026-11-20', 42)).toBe('0532026112000000000000042');
    expect(messageCode('05', '04', '2026-11-20', 42)).toBe('0542026112000000000000042');
    for (const c of [itemCode('22', 'V', '2026-01-31', 99_999_999_999_999), messageCode('01', '04', '2026-01-31', 0)]) {
      expect(c).toMatch(/^[0-9]{25}$/);
    }
  });

  it('never give a message the code of an item, whatever node, day and sequence', () => {
    const itemCodes = (['C', 'V'] as const).flatMap((k) => [
      itemCode('12', k, '2026-11-20', 5),
      itemCode('12', k, '2026-11-21', 5),
    ]);
    const messageCodes = (['03', '04'] as const).flatMap((t) => [
      messageCode('12', t, '2026-11-20', 5),
      messageCode('12', t, '2026-11-21', 5),
    ]);
    expect(new Set([...itemCodes, ...messageCodes]).size).toBe(itemCodes.length + messageCodes.length);
    // The kind digit (third character) tells them apart.
    expect(new Set(itemCodes.map((c) => c[2]))).toEqual(new Set(['1', '2']));
    expect(new Set(messageCodes.map((c) => c[2]))).toEqual(new Set(['3', '4']));
  });

  it('refuse a sequence that does not fit in 14 digits and a day that is not one', () => {
    expect(() => itemCode('12', 'C', '2026-11-20', 1e14)).toThrow(/14 digits/);
    expect(() => itemCode('12', 'C', '2026-11-20', -1)).toThrow(/14 digits/);
    expect(() => messageCode('12', '03', '2026-11-20', 1.5)).toThrow(/14 digits/);
    expect(() => itemCode('12', 'C', '20-11-2026T', 1)).toThrow(/not a day/);
  });
});
