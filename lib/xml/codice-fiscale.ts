/**
 * The codice fiscale (D.M. 23 dicembre 1976; omocodia per D.M. 12 marzo 1974 and Agenzia delle Entrate
 * practice): 16 characters for a person, 11 digits for an entity (the partita IVA scheme).
 */
const ODD: Record<string, number> = {
  '0': 1, '1': 0, '2': 5, '3': 7, '4': 9, '5': 13, '6': 15, '7': 17, '8': 19, '9': 21,
  A: 1, B: 0, C: 5, D: 7, E: 9, F: 13, G: 15, H: 17, I: 19, J: 21, K: 2, L: 4, M: 18,
  N: 20, O: 11, P: 3, Q: 6, R: 8, S: 12, T: 14, U: 16, V: 10, W: 22, X: 25, Y: 24, Z: 23,
}; // prettier-ignore

const A = 'A'.charCodeAt(0);
/** Letters replacing the digits 0..9 in an omocodic code, in order. */
const OMOCODIA = 'LMNPQRSTUV';
/** Positions (0-based) that hold digits, which omocodia may replace with letters. */
const DIGIT_POSITIONS = [6, 7, 9, 10, 12, 13, 14];
const MONTHS = 'ABCDEHLMPRST';

const evenValue = (c: string): number => (c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - A);

/** The check character of the first 15 characters of a personal codice fiscale. */
export function checkCharacter(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = first15[i] ?? '0';
    sum += i % 2 === 0 ? (ODD[c] ?? 0) : evenValue(c);
  }
  return String.fromCharCode(A + (sum % 26));
}

/** The check digit of the first 10 digits of a numeric (entity) codice fiscale. */
export function checkDigit(first10: string): string {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = Number(first10[i]);
    if (i % 2 === 0) sum += d;
    else sum += d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  return String((10 - (sum % 10)) % 10);
}

/** True when the code's last character (or digit) is the one its other characters give. */
export function hasValidCheck(code: string): boolean {
  if (/^\d{11}$/.test(code)) return checkDigit(code) === code[10];
  if (/^[A-Z0-9]{16}$/.test(code)) return checkCharacter(code) === code[15];
  return false;
}

/** The code with omocodic letters turned back into digits. */
export function deomocode(code: string): string {
  const chars = [...code];
  for (const i of DIGIT_POSITIONS) {
    const at = OMOCODIA.indexOf(chars[i] ?? '');
    if (at !== -1) chars[i] = String(at);
  }
  return chars.join('');
}

/** What a personal code says about its holder. */
export interface CodiceFiscaleData {
  /** Two-digit year of birth (the century is not in the code). */
  readonly yearOfCentury: number;
  readonly month: number;
  readonly day: number;
  readonly sex: 'M' | 'F';
  /** Belfiore code of the comune (or Z-code of the state) of birth. */
  readonly birthPlace: string;
}

/** Decodes a 16-character code, omocodic or not; undefined when the date part is impossible. */
export function decodeCodiceFiscale(code: string): CodiceFiscaleData | undefined {
  if (code.length !== 16) return undefined;
  const plain = deomocode(code);
  const month = MONTHS.indexOf(plain[8] ?? '') + 1;
  const rawDay = Number(plain.slice(9, 11));
  const sex = rawDay > 40 ? 'F' : 'M';
  const day = sex === 'F' ? rawDay - 40 : rawDay;
  if (month === 0 || day < 1 || day > 31) return undefined;
  return { yearOfCentury: Number(plain.slice(6, 8)), month, day, sex, birthPlace: plain.slice(11, 15) };
}

const VOWELS = /[AEIOU]/g;
const CONSONANTS = /[B-DF-HJ-NP-TV-Z]/g;

function letters(text: string): { consonants: string; vowels: string } {
  const upper = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
  return { consonants: (upper.match(CONSONANTS) ?? []).join(''), vowels: (upper.match(VOWELS) ?? []).join('') };
}

function surnameCode(surname: string): string {
  const { consonants, vowels } = letters(surname);
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

function nameCode(name: string): string {
  const { consonants, vowels } = letters(name);
  if (consonants.length >= 4) return `${consonants[0]}${consonants[2]}${consonants[3]}`;
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

/** The personal codice fiscale of a person (without omocodia), by the ministerial algorithm. */
export function encodeCodiceFiscale(person: {
  surname: string;
  name: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: 'M' | 'F';
  /** Belfiore code of the comune, or Z-code of the state, of birth. */
  birthPlace: string;
}): string {
  const [year = '', month = '', day = ''] = person.birthDate.split('-');
  const dayCode = String(Number(day) + (person.sex === 'F' ? 40 : 0)).padStart(2, '0');
  const first15 = `${surnameCode(person.surname)}${nameCode(person.name)}${year.slice(2)}${MONTHS[Number(month) - 1] ?? 'A'}${dayCode}${person.birthPlace}`;
  return `${first15}${checkCharacter(first15)}`;
}

/** The same code with its last `count` omocodic digits (from the right) replaced by letters. */
export function omocode(code: string, count: number): string {
  const chars = [...code.slice(0, 15)];
  for (const i of [...DIGIT_POSITIONS].reverse().slice(0, count)) {
    const digit = Number(chars[i]);
    if (!Number.isNaN(digit)) chars[i] = OMOCODIA[digit] ?? chars[i] ?? '';
  }
  const first15 = chars.join('');
  return `${first15}${checkCharacter(first15)}`;
}
