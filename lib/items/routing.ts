import { NationalNode, NodeIds, type NodeId } from '../../contracts/nodes';
import { Scope } from '../../contracts/tables/codes';
import { comune } from '../../contracts/tables/comuni';

/** What the node routes: a CV, a vacancy, or an INPS record of an income-support recipient. */
export type ItemKind = 'CANDIDATURA' | 'VACANCY' | 'PERCETTORE';

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
 * The destinations of an item by rules 1-3 of the exchange: a CV by its scope (regional: the domicile
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

/** Whom a contact message is for at the node it goes to. */
export type MessageParty = 'INTERMEDIARY' | 'WORKER' | 'EMPLOYER' | 'INTERESTED';

/** What the rules need to know about a contact message and the item it is about. */
export interface MessageRouteInput {
  /** 03 (interest) or 04 (reply). */
  readonly tipo: '03' | '04';
  /** The node that sent the message. */
  readonly sender: NodeId;
  readonly item: {
    readonly kind: 'CANDIDATURA' | 'VACANCY';
    /** The node that created the item. */
    readonly owner: NodeId;
    /** The accredited intermediary the item was entered through, if any. */
    readonly intermediary: { readonly codiceFiscale: string; readonly denominazione: string } | null;
  };
  /** For a 04: the node that sent the 03 it answers. */
  readonly answersNode?: NodeId | undefined;
}

/** Where a contact message goes: one node, never the sender, never EURES, never the public projection. */
export interface MessageRoute {
  readonly node: NodeId;
  /** Whom the message is for; an intermediary by name (the receiving node owns the item, with its codice fiscale). */
  readonly addressee: { readonly party: MessageParty; readonly denominazione: string | null };
  readonly rule: string;
}

/**
 * The destination of a contact message (rule 10): a 03 (interest) goes to the node that owns the item it is
 * about, addressed to the intermediary the item was entered through or else to the item's worker (a CV) or
 * employer (a vacancy); a 04 (reply) goes back to the node that sent the 03 it answers, addressed to whoever
 * wrote that 03. Ingest accepts only messages this can route (the item known, a 04 answering a 03 delivered to
 * its sender, a 03 about another node's item), so an input it cannot route is a broken contract.
 */
export function routeMessage(input: MessageRouteInput): MessageRoute {
  if (input.tipo === '04') {
    const node = input.answersNode;
    if (node === undefined) throw new Error('a reply (04) without the node of the message it answers');
    if (node === input.sender) throw new Error(`a reply (04) from node ${node} to itself`);
    return {
      node,
      addressee: { party: 'INTERESTED', denominazione: null },
      rule: `rule 10: a reply (04) goes back to the node that sent the message of interest it answers (${node})`,
    };
  }
  const { owner, intermediary, kind } = input.item;
  if (owner === input.sender) throw new Error(`a message of interest (03) from node ${owner} about its own item`);
  const addressee =
    intermediary !== null
      ? { party: 'INTERMEDIARY' as const, denominazione: intermediary.denominazione }
      : { party: kind === 'CANDIDATURA' ? ('WORKER' as const) : ('EMPLOYER' as const), denominazione: null };
  return {
    node: owner,
    addressee,
    rule:
      intermediary !== null
        ? `rule 10: a message of interest (03) goes to the item's owner node (${owner}), for the intermediary the item was entered through`
        : `rule 10: a message of interest (03) goes to the item's owner node (${owner}), for the item's ${kind === 'CANDIDATURA' ? 'worker' : 'employer'}`,
  };
}

/** The node of a comune's region (Bolzano and Trento are nodes of their own); undefined outside Italy. */
export function nodeOfComune(code: string): NodeId | undefined {
  const node = comune(code)?.node;
  return node === NationalNode ? undefined : node;
}
