import type { NodeId } from '../nodes';

/**
 * ISTAT region codes (Codici statistici delle unità amministrative territoriali, ISTAT, CC BY 3.0 IT) and the
 * node that serves each: the region's own code, except Trentino-Alto Adige (04), whose two autonomous
 * provinces are nodes 21 (Bolzano, BZ) and 22 (Trento, TN) (the federation's nodes: ../nodes.ts).
 */
export const Regions = {
  '01': 'Piemonte',
  '02': "Valle d'Aosta",
  '03': 'Lombardia',
  '04': 'Trentino-Alto Adige',
  '05': 'Veneto',
  '06': 'Friuli-Venezia Giulia',
  '07': 'Liguria',
  '08': 'Emilia-Romagna',
  '09': 'Toscana',
  '10': 'Umbria',
  '11': 'Marche',
  '12': 'Lazio',
  '13': 'Abruzzo',
  '14': 'Molise',
  '15': 'Campania',
  '16': 'Puglia',
  '17': 'Basilicata',
  '18': 'Calabria',
  '19': 'Sicilia',
  '20': 'Sardegna',
} as const;

export type RegionCode = keyof typeof Regions;

/** The node serving a province of a region. */
export function nodeOfProvince(region: RegionCode, province: string): NodeId {
  if (region !== '04') return region;
  return province === 'BZ' ? '21' : '22';
}
