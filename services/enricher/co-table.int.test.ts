import type { Redis } from 'ioredis';
import { CoTable, Lost, inputOrder } from './co-table';
import { compareOrder, mergeRelation, relationOf, type CoRelation, type Rapporto } from './enrich';
import { Random } from '../../lib/gen/random';
import { createRedis } from '../runtime/redis';
import { testConfig } from '../../test/support/clients';
import { unique } from '../../test/support/unique';

const CF = 'RSSMRA85T10A562S';
const relation = (over: Partial<Rapporto> = {}): CoRelation =>
  relationOf({
    idComunicazione: 'CO1',
    tipoMovimento: 'AVV',
    dataInvio: 1_700_000_000_000,
    codiceFiscaleLavoratore: CF,
    dataInizio: 20_000,
    dataFine: null,
    qualificaProfessionale: '2.1.1.3.1',
    ...over,
  });

describe('the CO table in Redis', () => {
  const prefix = unique('ncn-test');
  let redis: Redis;
  let table: CoTable;

  beforeAll(async () => {
    redis = createRedis(testConfig);
    table = new CoTable(redis, prefix);
    await table.marker.begin('t');
    expect(await table.marker.finish('t')).toBe('built');
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('keeps the last relation by start date, records a CES, ignores a late older one and a replay', async () => {
    const cf = unique('CF');
    const first = relation();
    expect(await table.merge(cf, first)).toEqual(first);
    const ces = relation({
      idComunicazione: 'CO2',
      tipoMovimento: 'CES',
      dataInvio: 1_700_000_100_000,
      dataFine: 20_300,
    });
    expect(await table.merge(cf, ces)).toEqual(ces);
    const older = relation({ idComunicazione: 'CO0', dataInizio: 19_000, dataInvio: 1_800_000_000_000 });
    expect(await table.merge(cf, older)).toEqual(ces);
    expect(await table.merge(cf, first)).toEqual(ces);
    expect(await table.lookup(cf)).toEqual(ces);
    expect(await redis.hgetall(`${prefix}:co:last:${cf}`)).toMatchObject({
      start: '20000',
      end: '20300',
      qualifica: '2.1.1.3.1',
      idComunicazione: 'CO2',
      tipoMovimento: 'CES',
    });
    expect(await table.lookup(unique('CF'))).toBeUndefined();
  });

  it('agrees with the pure merge rule on random sequences (the Lua comparison is the byte order)', async () => {
    const rng = new Random(5);
    for (let i = 0; i < 40; i++) {
      const cf = unique('CF');
      const records = Array.from({ length: rng.int(1, 6) }, (_, n) =>
        relation({
          idComunicazione: `C${rng.pick(['a', 'é', 'Z', '😀'])}${n}`,
          dataInizio: rng.int(-3, 3),
          dataInvio: rng.int(-2, 2) * 1_000,
        }),
      );
      let expected: CoRelation | undefined;
      for (const r of records) {
        expected = mergeRelation(expected, r);
        expect(await table.merge(cf, r)).toEqual(expected);
      }
      expect(compareOrder(((await table.lookup(cf)) as CoRelation).order, (expected as CoRelation).order)).toBe(0);
    }
  });

  it('keeps the recipients by the latest INPS record, whatever order they are applied in', async () => {
    const cf = unique('CF');
    expect(await table.applyRecipient({ cf, recipient: true, order: inputOrder(2, '10') })).toBe(true);
    expect(await table.applyRecipient({ cf, recipient: false, order: inputOrder(2, '12') })).toBe(true);
    expect(await table.applyRecipient({ cf, recipient: true, order: inputOrder(2, '9') })).toBe(false);
    expect(await table.isRecipient(cf)).toBe(false);
    await table.rebuildRecipients([{ cf, recipient: true, order: inputOrder(2, '100') }]);
    expect(await table.isRecipient(cf)).toBe(true);
    expect(await redis.sismember(`${prefix}:percettori`, cf)).toBe(1);
  });

  it('answers Lost when the marker is gone, and a rebuild writes without it', async () => {
    const other = new CoTable(redis, `${prefix}-lost`);
    expect(await other.marker.built()).toBe(false);
    expect(await other.lookup(CF)).toBe(Lost);
    expect(await other.merge(CF, relation())).toBe(Lost);
    expect(await other.applyRecipient({ cf: CF, recipient: true, order: '1' })).toBe(Lost);
    expect(await other.isRecipient(CF)).toBe(Lost);
    await other.rebuildRelations([{ cf: CF, relation: relation() }]);
    await other.marker.begin('t1');
    expect(await other.marker.finish('t2')).toBe('another');
    expect(await other.marker.built()).toBe(false);
    expect(await other.marker.finish('t1')).toBe('built');
    // Two rebuilds at once (two instances starting on an empty Redis): the later one marks the table; the earlier,
    // finishing after it, is told another did.
    await redis.del(`${prefix}-lost:enricher:co:built`);
    await other.marker.begin('early');
    await other.marker.begin('late');
    expect(await other.marker.finish('late')).toBe('built');
    expect(await other.marker.finish('early')).toBe('another');
    expect(await other.lookup(CF)).toEqual(relation());
    await redis.del(`${prefix}-lost:enricher:co:built`, `${prefix}-lost:co:last:${CF}`);
  });

  it('does not mark a rebuild built when Redis lost it meanwhile', async () => {
    const other = new CoTable(redis, `${prefix}-flush`);
    await other.marker.begin('t');
    await redis.del(`${prefix}-flush:enricher:co:building`);
    expect(await other.marker.finish('t')).toBe('lost');
    expect(await other.marker.built()).toBe(false);
  });

  it('loads its scripts again when Redis forgot them', async () => {
    const cf = unique('CF');
    const fresh = new CoTable(redis, prefix);
    expect(await fresh.lookup(cf)).toBeUndefined();
    await redis.script('FLUSH');
    expect(await fresh.merge(cf, relation())).toEqual(relation());
    await redis.script('FLUSH');
    await fresh.rebuildRelations([{ cf, relation: relation({ idComunicazione: 'CO9', dataInizio: 20_001 }) }]);
    expect(((await fresh.lookup(cf)) as CoRelation).idComunicazione).toBe('CO9');
  });
});
