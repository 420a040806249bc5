import type { NodeId } from '../../contracts/nodes';

/**
 * The digit after the node that says what a generated code names: a CV or a vacancy (items), a message of
 * interest (03) or a reply (04). Items and messages never share a code.
 */
export const CodeKindDigit = { C: '1', V: '2', '03': '3', '04': '4' } as const;

/** The largest sequence a code can carry (14 digits). */
const MAX_SEQUENCE = 99_999_999_999_999;

/** Node, kind digit, the day as yyyymmdd and the sequence on 14 digits: 25 digits in all. */
function code(node: NodeId, kind: keyof typeof CodeKindDigit, day: string, sequence: number): string {
  const yyyymmdd = day.replace(/-/g, '');
  if (!/^\d{8}$/.test(yyyymmdd)) throw new Error(`'${day}' is not a day (yyyy-mm-dd)`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > MAX_SEQUENCE) {
    throw new Error(`a code's sequence is a whole number of at most 14 digits, got ${sequence}`);
  }
  return `${node}${CodeKindDigit[kind]}${yyyymmdd}${String(sequence).padStart(14, '0')}`;
}

/**
 * A 25-character item code as a sending system would assign it, all digits: the Messaggio names an item by a
 * code of 25 digits (codiceoffertacandidatura), so a CV or vacancy must carry one to be written about. The
 * Candidatura and Vacancy schemas fix only the length.
 */
export function itemCode(node: NodeId, kind: 'C' | 'V', day: string, sequence: number): string {
  return code(node, kind, day, sequence);
}

/** A 25-digit message code (codicemessaggio) of a message of interest (03) or a reply (04): never an item's code. */
export function messageCode(node: NodeId, tipo: '03' | '04', day: string, sequence: number): string {
  return code(node, tipo, day, sequence);
}
