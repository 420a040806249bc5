/**
 * ISTAT CP2011 professions and their ISCO-08 group for EURES.
 *
 * The full CP2011 table and ISTAT's CP2011 → ISCO-08 crosswalk are not carried yet (SOURCES.md says why), so
 * the mapping is by major group, the level at which ISTAT built CP2011 on ISCO-08: CP2011 1–5 are ISCO 1–5;
 * CP2011 6 splits into ISCO 6 (6.4, agriculture, forestry, fishing) and ISCO 7 (6.1–6.3, crafts and trades);
 * CP2011 7 is ISCO 8, 8 is ISCO 9, 9 (armed forces) is ISCO 0. A code whose form is not CP2011's is unmapped.
 */
export const Cp2011MajorGroups = {
  '1': 'Legislatori, imprenditori e alta dirigenza',
  '2': 'Professioni intellettuali, scientifiche e di elevata specializzazione',
  '3': 'Professioni tecniche',
  '4': "Professioni esecutive nel lavoro d'ufficio",
  '5': 'Professioni qualificate nelle attività commerciali e nei servizi',
  '6': 'Artigiani, operai specializzati e agricoltori',
  '7': 'Conduttori di impianti, operai di macchinari fissi e mobili e conducenti di veicoli',
  '8': 'Professioni non qualificate',
  '9': 'Forze armate',
} as const;

export const IscoMajorGroups = {
  '0': 'Armed forces occupations',
  '1': 'Managers',
  '2': 'Professionals',
  '3': 'Technicians and associate professionals',
  '4': 'Clerical support workers',
  '5': 'Service and sales workers',
  '6': 'Skilled agricultural, forestry and fishery workers',
  '7': 'Craft and related trades workers',
  '8': 'Plant and machine operators, and assemblers',
  '9': 'Elementary occupations',
} as const;

export type IscoMajorGroup = keyof typeof IscoMajorGroups;

/** An ISCO-08 mapping and how precise it is. */
export type IscoMapping =
  | { readonly precision: 'exact'; readonly isco: string }
  | { readonly precision: 'major-group'; readonly isco: IscoMajorGroup }
  | { readonly precision: 'unmapped' };

/** The standard's profession codes: CP2011's five levels, and optionally a sixth segment (e.g. 5.1.2.2.0.1). */
const CP2011 = /^([1-9])\.(\d)\.\d\.\d\.\d(\.\d{1,2})?$/;

/** The ISCO-08 group of a CP2011-based code: exact once the crosswalk is carried, the major group until then. */
export function iscoOf(cp2011: string): IscoMapping {
  const m = CP2011.exec(cp2011);
  if (m === null) return { precision: 'unmapped' };
  const [, major, subMajor] = m;
  const isco: Record<string, IscoMajorGroup> = {
    '1': '1',
    '2': '2',
    '3': '3',
    '4': '4',
    '5': '5',
    '7': '8',
    '8': '9',
    '9': '0',
  };
  if (major === '6') return { precision: 'major-group', isco: subMajor === '4' ? '6' : '7' };
  const group = isco[major ?? ''];
  return group === undefined ? { precision: 'unmapped' } : { precision: 'major-group', isco: group };
}
