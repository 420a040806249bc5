import { checkDigit, hasValidCheck } from '../../lib/xml/codice-fiscale';

/** A personal codice fiscale's shape, omocodia included (digits may be replaced by LMNPQRSTUV). */
const PERSONAL = /[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]/g;
/** An 11-digit codice fiscale (companies, and sole traders by their VAT number). */
const NUMERIC = /(?<!\d)\d{11}(?!\d)/g;

/**
 * A keyed hash (HMAC-SHA256, hex), as the audit names a person, or a document's SHA-256. A run of 11 of its digits
 * now and then has the check digit of a numeric codice fiscale, and, since the search is case-blind, 16 of its
 * characters now and then read as a personal one with the right check character (`ecafaa52b55c744f` does), so
 * digests are taken out before either search.
 */
const HEX_DIGEST = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g;

/**
 * Every codice fiscale in a text: 16-character ones whose check character is right, and 11-digit ones whose
 * check digit is right (so that phone numbers and timestamps are not taken for one by chance), outside hex digests.
 */
export function findCodiciFiscali(text: string): string[] {
  const outside = text.replace(HEX_DIGEST, ' ');
  const found = [...outside.toUpperCase().matchAll(PERSONAL)].map((m) => m[0]).filter((cf) => hasValidCheck(cf));
  const numeric = [...outside.matchAll(NUMERIC)].map((m) => m[0]).filter((n) => checkDigit(n.slice(0, 10)) === n[10]);
  return [...found, ...numeric];
}
