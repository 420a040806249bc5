import { currentComuni, currentStati, type Comune } from '../../contracts/tables/comuni';
import type { NodeId } from '../../contracts/nodes';
import { encodeCodiceFiscale, omocode } from '../xml/codice-fiscale';
import type { Random } from './random';
import { femaleNames, maleNames, streets, surnames } from './vocabulary';

/** A synthetic person with a codice fiscale consistent with name, sex, birth date and place. */
export interface Person {
  readonly codiceFiscale: string;
  readonly surname: string;
  readonly name: string;
  readonly sex: 'M' | 'F';
  readonly birthDate: string;
  /** Belfiore code of the comune, or Z-code of the state, of birth. */
  readonly birthPlace: string;
  readonly domicile: Comune;
  readonly address: string;
  readonly email: string;
  readonly mobile: string;
}

let comuniByNode: Map<string, Comune[]> | undefined;
let allComuni: Comune[] | undefined;

/** Current comuni, optionally those of one node. */
export function comuniOf(node?: NodeId): readonly Comune[] {
  if (allComuni === undefined || comuniByNode === undefined) {
    allComuni = currentComuni();
    comuniByNode = new Map();
    for (const c of allComuni) {
      const list = comuniByNode.get(c.node ?? '') ?? [];
      list.push(c);
      comuniByNode.set(c.node ?? '', list);
    }
  }
  return node === undefined ? allComuni : (comuniByNode.get(node) ?? allComuni);
}

export const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

const ascii = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

/** A person living in a comune of the given node (any node when not given). */
export function person(rng: Random, node?: NodeId): Person {
  const sex = rng.chance(0.5) ? 'M' : 'F';
  const name = rng.pick(sex === 'M' ? maleNames : femaleNames);
  const surname = rng.pick(surnames);
  const birthDate = isoDate(new Date(Date.UTC(rng.int(1960, 2006), rng.int(0, 11), rng.int(1, 28))));
  const bornAbroad = rng.chance(0.08);
  const birthPlace = bornAbroad ? rng.pick(currentStati()).code : rng.pick(comuniOf()).code;
  let codiceFiscale = encodeCodiceFiscale({ surname, name, birthDate, sex, birthPlace });
  if (rng.chance(0.01)) codiceFiscale = omocode(codiceFiscale, 1);
  const domicile = rng.pick(comuniOf(node));
  return {
    codiceFiscale,
    surname,
    name,
    sex,
    birthDate,
    birthPlace,
    domicile,
    address: `${rng.pick(streets)} ${rng.int(1, 180)}`,
    email: `${ascii(name)}.${ascii(surname)}${rng.int(1, 999)}@example.it`,
    mobile: `3${rng.digits(9)}`,
  };
}
