import { RebuildableIndex, type RebuildMarker, type RebuildOutcome } from './rebuildable';
import pino from 'pino';

const silentLogger = pino({ level: 'silent' });

/** A marker in memory, with the protocol of the Redis ones: the latest token wins, a flush loses the writes. */
class MemoryMarker implements RebuildMarker {
  marked = false;
  latest: string | undefined;
  async built(): Promise<boolean> {
    return this.marked;
  }
  async begin(token: string): Promise<void> {
    this.latest = token;
  }
  async finish(token: string): Promise<RebuildOutcome> {
    if (this.latest === undefined) return this.marked ? 'another' : 'lost';
    if (this.latest !== token) return 'another';
    this.marked = true;
    this.latest = undefined;
    return 'built';
  }
  flush(): void {
    this.marked = false;
    this.latest = undefined;
  }
}

const index = (marker: RebuildMarker, fill: () => Promise<number>, extra: { waitForOtherMs?: number } = {}) =>
  new RebuildableIndex({ name: 'the test index', marker, fill, logger: silentLogger, pollMs: 5, ...extra });

describe('RebuildableIndex', () => {
  it('rebuilds once for every caller at a time, and not at all when the marker is there', async () => {
    const marker = new MemoryMarker();
    let fills = 0;
    const i = index(marker, async () => {
      fills++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return fills;
    });
    await Promise.all([i.ensure('a'), i.ensure('b'), i.rebuild('c')]);
    expect(fills).toBe(1);
    expect(await marker.built()).toBe(true);
    await i.ensure('d');
    expect(fills).toBe(1);
    expect(i.rebuilds).toBe(1);
  });

  it('runs again when a flush took its writes, and gives up with a transient error after its attempts', async () => {
    const marker = new MemoryMarker();
    let fills = 0;
    const flaky = index(marker, async () => {
      if (++fills === 1) marker.flush();
      return fills;
    });
    await expect(flaky.rebuild('x')).resolves.toBe(2);
    expect(await marker.built()).toBe(true);

    const lost = new MemoryMarker();
    const hopeless = index(lost, async () => {
      lost.flush();
      return 0;
    });
    await expect(hopeless.rebuild('y')).rejects.toMatchObject({ retriable: true });
    expect(await lost.built()).toBe(false);
  });

  it('waits for a later rebuild of another instance, and rebuilds again when that one never finishes', async () => {
    const marker = new MemoryMarker();
    const other = index(marker, async () => 0);
    let overtaken = false;
    const mine = index(marker, async () => {
      if (!overtaken) {
        overtaken = true;
        // Another instance begins while this one fills; it finishes 30 ms later.
        await marker.begin('other');
        setTimeout(() => void marker.finish('other'), 30);
      }
      return 1;
    });
    await mine.rebuild('x');
    expect(await marker.built()).toBe(true);
    expect(other.rebuilds).toBe(0);

    const stalled = new MemoryMarker();
    let fills = 0;
    const again = index(
      stalled,
      async () => {
        // The first time, another instance begins and stops before it finishes.
        if (++fills === 1) await stalled.begin('stopped');
        return fills;
      },
      { waitForOtherMs: 20 },
    );
    await expect(again.rebuild('y')).resolves.toBe(2);
    expect(await stalled.built()).toBe(true);
  });
});
