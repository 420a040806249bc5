import { NodeIds } from './nodes';
import { comune, currentComuni, currentStati, stato } from './tables/comuni';
import { iscoOf } from './tables/professions';
import { Regions, nodeOfProvince } from './tables/regions';

describe('the comuni table', () => {
  it('finds comuni by Belfiore code with their province, region and node', () => {
    expect(comune('H501')).toMatchObject({ name: 'Roma', province: 'RM', region: '12', node: '12', to: undefined });
    expect(comune('F205')).toMatchObject({ name: 'Milano', region: '03', node: '03' });
    expect(comune('A952')).toMatchObject({ name: 'Bolzano', region: '04', node: '21' });
    expect(comune('L378')).toMatchObject({ name: 'Trento', region: '04', node: '22' });
  });

  it('keeps suppressed comuni with the date they ended', () => {
    expect(comune('A012')).toMatchObject({ name: 'Abetone', to: '2017-01-01' });
  });

  it('holds about 7,900 current comuni, each served by one of the 21 regional nodes', () => {
    const current = currentComuni();
    expect(current.length).toBeGreaterThan(7_800);
    expect(current.length).toBeLessThan(8_000);
    const nodes = new Set(current.map((c) => c.node));
    expect([...nodes].sort()).toEqual(NodeIds.filter((n) => n !== '00'));
  });

  it('finds foreign states by Z-code with their ISO code', () => {
    expect(stato('Z404')).toMatchObject({ name: "Stati Uniti d'America", iso2: 'US' });
    expect(currentStati().length).toBeGreaterThan(190);
  });

  it('maps each region to its node, Trentino-Alto Adige to Bolzano and Trento', () => {
    expect(Object.keys(Regions)).toHaveLength(20);
    expect(nodeOfProvince('12', 'RM')).toBe('12');
    expect(nodeOfProvince('04', 'BZ')).toBe('21');
    expect(nodeOfProvince('04', 'TN')).toBe('22');
  });
});

describe('iscoOf', () => {
  it.each([
    ['2.1.1.4.1', '2'],
    ['5.1.2.2.0.1', '5'],
    ['6.4.1.1.0', '6'],
    ['6.1.2.1.0', '7'],
    ['7.4.2.3.0', '8'],
    ['8.1.4.2.0', '9'],
    ['9.1.0.0.0', '0'],
  ])('maps %s to ISCO major group %s', (code, isco) => {
    expect(iscoOf(code)).toEqual({ precision: 'major-group', isco });
  });

  it('says unmapped for what is not a CP2011 code', () => {
    expect(iscoOf('0.1.2.3.4')).toEqual({ precision: 'unmapped' });
    expect(iscoOf('cuoco')).toEqual({ precision: 'unmapped' });
  });
});
