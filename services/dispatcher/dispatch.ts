import type { ItemExpired, MessaggioItem, PercettoreArricchito } from '../../contracts/avro/types';
import { DeliveryIdHeader } from '../../contracts/headers';
import { isNodeId, type NodeId } from '../../contracts/nodes';
import { FieldPolicy } from '../../contracts/policy';
import { nodeTopic, Topic } from '../../contracts/topics';
import { euresDocument } from '../../lib/eures/hr-open';
import { ErrorCode, NcnError } from '../runtime/errors';
import type { OutputRecord } from '../runtime/runner/types';
import { validateDocument } from '../../lib/xml/validate';
import type { ItemVersion } from '../../lib/items/items';
import { subjectOf } from '../../lib/items/items';
import { publicProjection, publicWithdrawal, renderForNodes } from '../../lib/items/render';
import { nodeOfComune, route, routeMessage, type ItemKind } from '../../lib/items/routing';

/** What a delivery does at the receiver (rule 5). */
export type DeliveryAction = 'UPSERT' | 'WITHDRAW' | 'CLOSE' | 'EXPIRE';

/** Where an item stands and who holds it: the dispatcher's state per item root (rule 5). */
export interface Holding {
  readonly root: string;
  readonly kind: ItemKind;
  /** The node that owns the item (none for an INPS record). */
  readonly owner: NodeId | null;
  /** The latest version seen, and its code. */
  readonly version: number;
  readonly code: string;
  /** The nodes that hold the latest version (node order). */
  readonly holders: readonly NodeId[];
  /** Whether EURES holds it. */
  readonly eures: boolean;
  /** Whether it is published on ncn.public. */
  readonly published: boolean;
  readonly status: 'ACTIVE' | 'CLOSED' | 'EXPIRED';
  /** The keyed hash of the person the item is about, for the audit trail. */
  readonly subjectHash: string | null;
  /** How many changes the holding has had: a changelog record is applied only when newer. */
  readonly seq: number;
}

/** One input of the dispatcher. */
export type DispatchEvent =
  | { readonly type: 'item'; readonly item: ItemVersion }
  | { readonly type: 'message'; readonly message: MessaggioItem }
  | { readonly type: 'expired'; readonly expired: ItemExpired }
  | { readonly type: 'percettore'; readonly record: PercettoreArricchito };

export interface DispatchContext {
  /** The time of the deliveries. */
  readonly now: number;
  /** The keyed hash of a codice fiscale (the audit trail never holds one in clear). */
  readonly hash: (codiceFiscale: string) => string;
}

/** What one input causes: the records to produce and the item's new holding (undefined: unchanged). */
export interface Dispatch {
  readonly outputs: readonly OutputRecord[];
  readonly next: Holding | undefined;
  /** Why nothing was done, when nothing was. */
  readonly skipped?: string;
}

const auditEvent: Record<DeliveryAction, string> = {
  UPSERT: 'DELIVERED',
  WITHDRAW: 'WITHDRAWN',
  CLOSE: 'CLOSED',
  EXPIRE: 'EXPIRED',
};

/**
 * Builds the records of one item's deliveries and their audit: one event per decision, action and rule, naming
 * its receivers (toNode when there is one, toNodes when there are several), written after the deliveries.
 */
class Deliveries {
  readonly outputs: OutputRecord[] = [];
  /** Per audit event name and rule, the receivers, in delivery order. */
  readonly #audited = new Map<string, { event: string; rule: string; to: string[] }>();

  constructor(
    private readonly holding: Pick<Holding, 'root' | 'kind' | 'owner' | 'subjectHash'>,
    private readonly version: number,
    private readonly code: string,
    private readonly now: number,
  ) {}

  #audit(action: DeliveryAction, to: string, rule: string): void {
    const event = to === 'EURES' ? `${auditEvent[action]}_EURES` : auditEvent[action];
    const key = `${event}\u0000${rule}`;
    const group = this.#audited.get(key) ?? { event, rule, to: [] };
    group.to.push(to);
    this.#audited.set(key, group);
  }

  #auditRecords(): OutputRecord[] {
    const h = this.holding;
    // An income-support record's root is the person's codice fiscale: the audit names it by its keyed hash.
    const root = h.kind === 'PERCETTORE' ? h.subjectHash : h.root;
    return [...this.#audited.values()].map(({ event, rule, to }) => ({
      topic: Topic.audit,
      key: root,
      value: {
        avro: 'it.ncn.AuditEvent',
        data: {
          at: this.now,
          service: 'dispatcher',
          event,
          kind: h.kind,
          root,
          version: this.version,
          fromNode: h.owner,
          toNode: to.length === 1 ? to[0] : null,
          rule,
          subjectHash: h.subjectHash,
          toNodes: to.length === 1 ? null : to,
        },
      },
    }));
  }

  node(node: NodeId, action: DeliveryAction, rule: string, payload: { xml?: string; percettore?: unknown } = {}): void {
    const h = this.holding;
    const deliveryId = `${h.root}/${this.version}/${action}/${node}`;
    this.outputs.push({
      topic: nodeTopic.out(node),
      key: h.root,
      value: {
        avro: 'it.ncn.NodeDelivery',
        data: {
          node,
          action,
          kind: h.kind,
          root: h.root,
          code: this.code,
          version: this.version,
          rule,
          xml: payload.xml ?? null,
          deliveredAt: this.now,
          deliveryId,
          percettore: payload.percettore ?? null,
          addressee: null,
        },
      },
      headers: { [DeliveryIdHeader]: deliveryId },
    });
    this.#audit(action, node, rule);
  }

  eures(action: DeliveryAction, rule: string, document: string | null = null): void {
    const h = this.holding;
    const idempotencyKey = `${h.root}/${this.version}/${action}`;
    this.outputs.push({
      topic: Topic.euresOut,
      key: h.root,
      value: {
        avro: 'it.ncn.EuresDelivery',
        data: {
          action,
          kind: h.kind,
          root: h.root,
          version: this.version,
          idempotencyKey,
          contentType: 'application/xml',
          document,
          createdAt: this.now,
        },
      },
      headers: { [DeliveryIdHeader]: idempotencyKey },
    });
    this.#audit(action, 'EURES', rule);
  }

  publish(data: Record<string, unknown>): void {
    this.outputs.push({ topic: Topic.public, key: this.holding.root, value: { avro: 'it.ncn.PublicItem', data } });
  }

  unpublish(): void {
    const { kind, root } = this.holding;
    if (kind === 'PERCETTORE') return;
    this.publish(publicWithdrawal({ kind, root, code: this.code, version: this.version }, this.now));
  }

  /**
   * The item's expiry schedule on ncn.scheduler (rule 4), written with the deliveries of the version it is for: the
   * scheduler can only fire an expiry of a version its holders have. A close cancels it with a tombstone.
   */
  schedule(item: ItemVersion, dueAt: number): void {
    const { root, version, node, receivedAt } = item.meta;
    this.outputs.push({
      topic: Topic.scheduler,
      key: root,
      value: {
        avro: 'it.ncn.ExpirySchedule',
        data: { root, kind: item.kind, version, node, dueAt, scheduledAt: receivedAt },
      },
    });
  }

  unschedule(): void {
    this.outputs.push({ topic: Topic.scheduler, key: this.holding.root, value: null });
  }

  state(next: Holding): OutputRecord[] {
    return [
      ...this.outputs,
      ...this.#auditRecords(),
      { topic: Topic.dispatcherHolders, key: next.root, value: Buffer.from(JSON.stringify(next)) },
    ];
  }
}

const withdrawRule = (rule: string): string => `rule 5: no longer a destination (now ${rule})`;
const Rule = {
  close: 'rule 5: a close goes to every holder',
  expire: 'rule 4: an expiry goes to every holder',
  cancel: 'rule 5: INPS cancelled the record: every holder is told',
} as const;

/** A close or an expiry: every current holder hears of it, EURES where it was sent, and publication ends. */
function ending(prev: Holding, deliveries: Deliveries, action: 'CLOSE' | 'EXPIRE', rule: string): void {
  for (const node of prev.holders) deliveries.node(node, action, rule);
  if (prev.eures) deliveries.eures(action, rule);
  if (prev.published) deliveries.unpublish();
}

function dispatchItem(prev: Holding | undefined, item: ItemVersion, ctx: DispatchContext): Dispatch {
  const { meta } = item;
  if (prev !== undefined && meta.version <= prev.version) {
    return { outputs: [], next: undefined, skipped: `version ${meta.version} is not newer than ${prev.version}` };
  }
  if (!isNodeId(meta.node)) throw new NcnError(ErrorCode.Unroutable, `item ${meta.root}: '${meta.node}' is not a node`);
  const subject = subjectOf(item);
  const base = {
    root: meta.root,
    kind: item.kind,
    owner: meta.node,
    // The audit trail may hold the person only as a keyed hash (contracts/policy.ts), and only where it may.
    subjectHash:
      subject === undefined ||
      FieldPolicy[item.kind === 'CANDIDATURA' ? 'workerCodiceFiscale' : 'employerCodiceFiscale'].audit !== 'hash'
        ? null
        : ctx.hash(subject),
  };
  const deliveries = new Deliveries(base, meta.version, meta.code, ctx.now);
  const active = prev?.status === 'ACTIVE' ? prev : undefined;
  const seq = (prev?.seq ?? 0) + 1;

  if (meta.action === 'CLOSE') {
    if (active !== undefined) ending(active, deliveries, 'CLOSE', Rule.close);
    deliveries.unschedule();
    const next: Holding = {
      ...base,
      version: meta.version,
      code: meta.code,
      holders: [],
      eures: false,
      published: false,
      status: 'CLOSED',
      seq,
    };
    return { outputs: deliveries.state(next), next };
  }

  const homeNode = item.kind === 'CANDIDATURA' ? nodeOfComune(item.document.Lavoratore.Domicilio.idcomune) : undefined;
  const scope = item.kind === 'CANDIDATURA' ? item.document.DatiSistema.ambitodiffusione : undefined;
  const to = route({ kind: item.kind, sender: meta.node, ...(scope ? { scope } : {}), homeNode });

  const xml = renderForNodes(item);
  const verdict = validateDocument(Buffer.from(xml, 'utf8'));
  if (!verdict.valid) {
    const first = verdict.issues.find((i) => i.severity === 'error');
    throw new NcnError(
      ErrorCode.Render,
      `item ${meta.root} version ${meta.version} renders to XML the standard refuses: ${first?.code ?? ''} at ${first?.path ?? ''}: ${first?.message ?? ''}`,
    );
  }
  for (const node of to.nodes) deliveries.node(node, 'UPSERT', to.rule, { xml });
  for (const node of active?.holders ?? [])
    if (!to.nodes.includes(node)) deliveries.node(node, 'WITHDRAW', withdrawRule(to.rule));
  if (to.eures) deliveries.eures('UPSERT', to.rule, euresDocument(item));
  else if (active?.eures) deliveries.eures('WITHDRAW', withdrawRule(to.rule));
  deliveries.publish(publicProjection(item, ctx.now));
  // Ingest gives every send its due time; a version without one (none is written so) never falls due.
  if (meta.expiresAt !== null) deliveries.schedule(item, meta.expiresAt);
  const next: Holding = {
    ...base,
    version: meta.version,
    code: meta.code,
    holders: to.nodes,
    eures: to.eures,
    published: true,
    status: 'ACTIVE',
    seq,
  };
  return { outputs: deliveries.state(next), next };
}

function dispatchExpired(prev: Holding | undefined, expired: ItemExpired, ctx: DispatchContext): Dispatch {
  if (prev === undefined) return { outputs: [], next: undefined, skipped: 'expiry of an item never dispatched' };
  if (prev.status !== 'ACTIVE')
    return { outputs: [], next: undefined, skipped: `expiry of an item already ${prev.status}` };
  if (prev.version !== expired.version) {
    return {
      outputs: [],
      next: undefined,
      skipped: `expiry of version ${expired.version}, the item is at ${prev.version}`,
    };
  }
  const deliveries = new Deliveries(prev, prev.version, prev.code, ctx.now);
  ending(prev, deliveries, 'EXPIRE', Rule.expire);
  const next: Holding = { ...prev, holders: [], eures: false, published: false, status: 'EXPIRED', seq: prev.seq + 1 };
  return { outputs: deliveries.state(next), next };
}

function dispatchPercettore(prev: Holding | undefined, record: PercettoreArricchito, ctx: DispatchContext): Dispatch {
  const cf = record.percettore.codiceFiscale;
  const version = (prev?.version ?? 0) + 1;
  const base = { root: cf, kind: 'PERCETTORE' as const, owner: null, subjectHash: ctx.hash(cf) };
  const deliveries = new Deliveries(base, version, record.percettore.idComunicazione, ctx.now);
  const holders = prev?.status === 'ACTIVE' ? prev.holders : [];
  const seq = (prev?.seq ?? 0) + 1;
  if (record.percettore.tipoOperazione === 'D') {
    for (const node of holders) deliveries.node(node, 'CLOSE', Rule.cancel, { percettore: record });
    const next: Holding = {
      ...base,
      version,
      code: record.percettore.idComunicazione,
      holders: [],
      eures: false,
      published: false,
      status: 'CLOSED',
      seq,
    };
    return { outputs: deliveries.state(next), next };
  }
  const home = record.nodoDestinazione;
  if (!isNodeId(home)) {
    throw new NcnError(
      ErrorCode.Unroutable,
      `INPS record ${record.percettore.idComunicazione}: '${home}' is not a node to send it to`,
    );
  }
  const to = route({ kind: 'PERCETTORE', sender: undefined, homeNode: home });
  for (const node of to.nodes) deliveries.node(node, 'UPSERT', to.rule, { percettore: record });
  for (const node of holders) if (!to.nodes.includes(node)) deliveries.node(node, 'WITHDRAW', withdrawRule(to.rule));
  const next: Holding = {
    ...base,
    version,
    code: record.percettore.idComunicazione,
    holders: to.nodes,
    eures: false,
    published: false,
    status: 'ACTIVE',
    seq,
  };
  return { outputs: deliveries.state(next), next };
}

const nodeOf = (value: string | null, what: string, code: string): NodeId => {
  if (value === null || !isNodeId(value)) {
    throw new NcnError(ErrorCode.Unroutable, `message ${code}: ${what} '${value ?? ''}' is not a node`);
  }
  return value;
};

/**
 * A contact message (rule 10): one delivery, to the one node routeMessage names, with the message as the
 * standard's XML and whom it is for, and its audit event. It changes no holding, is never published and never
 * goes to EURES. The delivery id is root/code/MESSAGE/node: a repeat of the same input is the same delivery.
 */
function dispatchMessage(message: MessaggioItem, ctx: DispatchContext): Dispatch {
  const sender = nodeOf(message.node, 'sender', message.code);
  const to = routeMessage({
    tipo: message.tipo === 'INTEREST' ? '03' : '04',
    sender,
    item: {
      kind: message.itemKind,
      owner: nodeOf(message.owner, 'owner', message.code),
      intermediary: message.intermediary,
    },
    answersNode: message.answersNode === null ? undefined : nodeOf(message.answersNode, 'answered node', message.code),
  });
  const deliveryId = `${message.root}/${message.code}/MESSAGE/${to.node}`;
  const outputs: OutputRecord[] = [
    {
      topic: nodeTopic.out(to.node),
      key: message.root,
      value: {
        avro: 'it.ncn.NodeDelivery',
        data: {
          node: to.node,
          action: 'MESSAGE',
          kind: 'MESSAGGIO',
          root: message.root,
          code: message.code,
          version: 1,
          rule: to.rule,
          xml: message.xml,
          deliveredAt: ctx.now,
          deliveryId,
          percettore: null,
          addressee: to.addressee,
        },
      },
      headers: { [DeliveryIdHeader]: deliveryId },
    },
    {
      topic: Topic.audit,
      key: message.root,
      value: {
        avro: 'it.ncn.AuditEvent',
        data: {
          at: ctx.now,
          service: 'dispatcher',
          event: message.tipo === 'INTEREST' ? 'MESSAGE_INTEREST' : 'MESSAGE_REPLY',
          kind: message.itemKind,
          root: message.root,
          version: null,
          fromNode: sender,
          toNode: to.node,
          // AuditEvent has no field for a message's code: the rule names it.
          rule: `${to.rule}; message ${message.code}`,
          // The person the item is about, as the keyed hash only (contracts/policy.ts).
          subjectHash: message.subjectHash,
        },
      },
    },
  ];
  return { outputs, next: undefined };
}

/**
 * The dispatcher's rules for one input (rules 1-7 of the exchange: where a CV, a vacancy and an INPS record go,
 * when an item expires, that the holders follow the current version, the intermediary's block, and personal data
 * only where a destination may have it), given the item's holding: deliveries to the nodes that should now hold
 * it (UPSERT), withdrawals from those that no longer should, closes and expiries to every holder, the EURES
 * document or its withdrawal, the public projection, the audit of the decision, and the new holding, all to be
 * produced in one transaction with the input's offset. Pure: no I/O, no clock.
 */
export function dispatch(prev: Holding | undefined, event: DispatchEvent, ctx: DispatchContext): Dispatch {
  switch (event.type) {
    case 'item':
      return dispatchItem(prev, event.item, ctx);
    case 'expired':
      return dispatchExpired(prev, event.expired, ctx);
    case 'percettore':
      return dispatchPercettore(prev, event.record, ctx);
    case 'message':
      return dispatchMessage(event.message, ctx);
  }
}
