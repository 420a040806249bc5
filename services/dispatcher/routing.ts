import { NationalNode, NodeIds, type NodeId } from '../../contracts/nodes';
import { comune } from '../../contracts/tables/comuni';

/** What the node routes: a CV, a vacancy, or an INPS record of an income-support recipient. */
export type ItemKind = 'CANDIDATURA' | 'VACANCY' | 'PERCETTORE';

/** `ambitodiffusione` codes of the standard. */
export const Scope = { regional: '01', national: '02', european: '03' } as const;

/** What the rules need to know about an item's current version. */
export interface RouteInput {
  readonly kind: ItemKind;
  /** The node that sent the item (none for an INPS record). */
  readonly sender: NodeId | undefined;
  /** `ambitodiffusione` of a CV. */
  readonly scope?: string;
  /** The node of the worker's domicile region (CV, INPS record). */
  readonly homeNode?: NodeId | undefined;
}

/** Who should hold an item's current version, and why. */
export interface Route {
  /** Receiving nodes, in node order; never the sender. */
  readonly nodes: readonly NodeId[];
  /** Whether EURES receives it. */
  readonly eures: boolean;
  /** The rule that decided, as a sentence for the audit trail and the delivery. */
  readonly rule: string;
}

const everyNodeBut = (sender: NodeId | undefined): NodeId[] => NodeIds.filter((n) => n !== sender);

/**
 * The destinations of an item by rule (ARCHITECTURE.md rules 1-3): a CV by its scope (regional: the domicile
 * region's node; national: every node; European: every node and EURES), a vacancy to every node and EURES, an
 * INPS record to the domicile region's node. Never back to the sender.
 */
export function route(input: RouteInput): Route {
  const { kind, sender } = input;
  if (kind === 'VACANCY') {
    return {
      nodes: everyNodeBut(sender),
      eures: true,
      rule: 'rule 2: a vacancy goes to every node but its sender, and EURES',
    };
  }
  if (kind === 'PERCETTORE') {
    const home = input.homeNode;
    return {
      nodes: home === undefined ? [] : [home],
      eures: false,
      rule: `rule 3: an INPS record goes to the node of the domicile region (${home ?? 'unknown'})`,
    };
  }
  switch (input.scope) {
    case Scope.regional: {
      const home = input.homeNode;
      const nodes = home === undefined || home === sender ? [] : [home];
      return {
        nodes,
        eures: false,
        rule: `rule 1: scope 01 (regional): the domicile region's node ${home ?? 'unknown'}`,
      };
    }
    case Scope.national:
      return {
        nodes: everyNodeBut(sender),
        eures: false,
        rule: 'rule 1: scope 02 (national): every node but the sender',
      };
    case Scope.european:
      return {
        nodes: everyNodeBut(sender),
        eures: true,
        rule: 'rule 1: scope 03 (European): every node but the sender, and EURES',
      };
    default:
      throw new Error(`unknown ambitodiffusione '${input.scope ?? ''}'`);
  }
}

/** The node of a comune's region (Bolzano and Trento are nodes of their own); undefined outside Italy. */
export function nodeOfComune(code: string): NodeId | undefined {
  const node = comune(code)?.node;
  return node === NationalNode ? undefined : node;
}
