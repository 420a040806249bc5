import type { NodeId } from '../../contracts/nodes';

/**
 * A 25-character item code as a sending system would assign it: node, kind letter (C candidatura, V vacancy),
 * the day, and a sequence number. The standard fixes only the length.
 */
export function itemCode(node: NodeId, kind: 'C' | 'V', day: string, sequence: number): string {
  return `${node}${kind}${day.replace(/-/g, '')}${String(sequence).padStart(14, '0')}`;
}
