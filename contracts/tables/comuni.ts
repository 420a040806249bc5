import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '../nodes';
import type { RegionCode } from './regions';

/** A comune by its Belfiore (cadastral) code. Source and licence: contracts/tables/SOURCES.md. */
export interface Comune {
  readonly code: string;
  readonly name: string;
  /** Province sigla (current, or the last one for a suppressed comune). */
  readonly province: string;
  /** ISTAT region code; undefined for comuni no longer in Italy (Fiume, Pola, Zara). */
  readonly region: RegionCode | undefined;
  /** The node serving the comune's region (21/22 for Bolzano/Trento). */
  readonly node: NodeId | undefined;
  /** YYYY-MM-DD the code came into use. */
  readonly from: string | undefined;
  /** YYYY-MM-DD the comune was suppressed; undefined while it exists. */
  readonly to: string | undefined;
}

/** A foreign state by its Belfiore Z-code. */
export interface Stato {
  readonly code: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2, when the state has one. */
  readonly iso2: string | undefined;
  readonly to: string | undefined;
}

type Row = (string | null)[];
interface Table {
  readonly comuni: Row[];
  readonly stati: Row[];
}

let loaded: { comuni: Map<string, Comune>; stati: Map<string, Stato> } | undefined;

function load(): NonNullable<typeof loaded> {
  if (loaded !== undefined) return loaded;
  const table = JSON.parse(readFileSync(join(__dirname, 'comuni.json'), 'utf8')) as Table;
  const v = (value: string | null | undefined): string | undefined => value ?? undefined;
  const comuni = new Map<string, Comune>();
  for (const [code, name, province, region, node, from, to] of table.comuni) {
    if (code == null) continue;
    comuni.set(code, {
      code,
      name: name ?? code,
      province: province ?? '',
      region: v(region) as RegionCode | undefined,
      node: v(node) as NodeId | undefined,
      from: v(from),
      to: v(to),
    });
  }
  const stati = new Map<string, Stato>();
  for (const [code, name, iso2, , to] of table.stati) {
    if (code == null) continue;
    stati.set(code, { code, name: name ?? code, iso2: v(iso2), to: v(to) });
  }
  loaded = { comuni, stati };
  return loaded;
}

/** The comune with a Belfiore code, current or suppressed. */
export const comune = (code: string): Comune | undefined => load().comuni.get(code);

/** The foreign state with a Z-code. */
export const stato = (code: string): Stato | undefined => load().stati.get(code);

/** Every comune that exists today (not suppressed). */
export function currentComuni(): Comune[] {
  return [...load().comuni.values()].filter((c) => c.to === undefined && c.node !== undefined);
}

/** Every foreign state that exists today. */
export function currentStati(): Stato[] {
  return [...load().stati.values()].filter((s) => s.to === undefined);
}
