import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EuresHeader } from '../../contracts/headers';
import { startEuresStub } from './stub';

/** A WITHDRAW needs no document: the receiver's bookkeeping alone is tested here. */
const withdraw = (url: string, key: string): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: {
      [EuresHeader.idempotencyKey]: key,
      [EuresHeader.action]: 'WITHDRAW',
      [EuresHeader.kind]: 'VACANCY',
      [EuresHeader.root]: key.split('/')[0] ?? '',
      [EuresHeader.version]: '2',
    },
  });

describe('the local EURES receiver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncn-stub-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what it holds in its journal across a restart, and answers a key it held before as a duplicate', async () => {
    const journal = join(dir, 'held.jsonl');
    const first = await startEuresStub({ port: 0, journal });
    expect((await withdraw(first.url, 'R1/2/WITHDRAW')).status).toBe(201);
    expect((await withdraw(first.url, 'R2/2/WITHDRAW')).status).toBe(201);
    await first.close();

    const second = await startEuresStub({ port: 0, journal });
    try {
      expect(second.received.map((d) => d.key)).toEqual(['R1/2/WITHDRAW', 'R2/2/WITHDRAW']);
      const again = await withdraw(second.url, 'R1/2/WITHDRAW');
      expect(await again.json()).toEqual({ status: 'duplicate', key: 'R1/2/WITHDRAW' });
      expect((await withdraw(second.url, 'R3/2/WITHDRAW')).status).toBe(201);
      expect(second.received.map((d) => d.seq)).toEqual([1, 2, 3]);
    } finally {
      await second.close();
    }
  });
});
