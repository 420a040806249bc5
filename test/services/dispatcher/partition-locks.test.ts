import { PartitionLocks } from '../../../services/dispatcher/partition-locks';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('one transaction at a time per partition number', () => {
  it('lets a scope take its number again, and others of the same number wait until it is released', async () => {
    const locks = new PartitionLocks();
    await locks.acquire(2, 'ncn.candidature:2');
    await locks.acquire(2, 'ncn.candidature:2');
    let expiredGot = false;
    const expired = locks.acquire(2, 'ncn.expired:2').then(() => (expiredGot = true));
    await tick();
    expect(expiredGot).toBe(false);
    locks.release(2, 'ncn.candidature:2');
    await expired;
    expect(locks.holder(2)).toBe('ncn.expired:2');
  });

  it('never holds up other numbers, and ignores a release by a scope that does not hold the lock', async () => {
    const locks = new PartitionLocks();
    await locks.acquire(0, 'ncn.vacancies:0');
    await locks.acquire(1, 'ncn.vacancies:1');
    locks.release(0, 'ncn.expired:0');
    locks.release(3, 'ncn.expired:3');
    expect([locks.holder(0), locks.holder(1), locks.holder(3)]).toEqual([
      'ncn.vacancies:0',
      'ncn.vacancies:1',
      undefined,
    ]);
  });

  it('hands the lock to one waiter at a time', async () => {
    const locks = new PartitionLocks();
    await locks.acquire(4, 'a:4');
    const order: string[] = [];
    const b = locks.acquire(4, 'b:4').then(() => order.push('b'));
    const c = locks.acquire(4, 'c:4').then(() => order.push('c'));
    locks.release(4, 'a:4');
    await Promise.race([b, c]);
    await tick();
    expect(order).toHaveLength(1);
    locks.release(4, locks.holder(4) ?? '');
    await Promise.all([b, c]);
    expect(order.sort()).toEqual(['b', 'c']);
  });

  it('gives up with a retriable error when a holder never finishes, and frees everything at a new generation', async () => {
    const locks = new PartitionLocks(50);
    await locks.acquire(5, 'ncn.candidature:5');
    await expect(locks.acquire(5, 'ncn.expired:5')).rejects.toMatchObject({ retriable: true });
    const waiting = locks.acquire(5, 'ncn.vacancies:5');
    locks.releaseAll();
    await waiting;
    expect(locks.holder(5)).toBe('ncn.vacancies:5');
  });
});
