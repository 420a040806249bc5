/**
 * The chaos suite's invariants, as pure functions over what the checker read back from every topic. They are
 * written from the rules of the exchange (1-4: where a CV, a vacancy and an INPS record go, and when an item
 * expires; 7: no codice fiscale outside the nodes) on purpose, not imported from the services: a checker that
 * shared the dispatcher's routing code would agree with its mistakes.
 */
import { NodeIds } from '../../contracts/nodes';
import { findCodiciFiscali } from '../support/personal-data';

/** A submission as read from `nr.<node>.in`. */
export interface Submission {
  readonly node: string;
  readonly partition: number;
  readonly offset: string;
  readonly sha256: string;
}

/** A receipt from `nr.<node>.receipts`. */
export interface Receipt {
  readonly node: string;
  /** What the submission was: CANDIDATURA, VACANCY, MESSAGGIO or UNKNOWN. */
  readonly kind: string;
  readonly partition: number;
  readonly offset: string;
  readonly outcome: string;
  readonly root: string | null;
  readonly code: string | null;
  readonly sha256: string;
  readonly codes: readonly string[];
}

/** A canonical item version from `ncn.candidature` / `ncn.vacancies`, with what routing needs. */
export interface ItemVersion {
  readonly kind: 'CANDIDATURA' | 'VACANCY';
  readonly root: string;
  readonly code: string;
  readonly version: number;
  readonly sender: string;
  readonly action: 'SEND' | 'CLOSE';
  /** `ambitodiffusione` of a CV. */
  readonly scope: string | null;
  /** The node of the CV worker's domicile region (from the comuni table). */
  readonly homeNode: string | null;
}

/** A contact message as submitted on `nr.<node>.in` (read from its XML). */
export interface SentMessage {
  readonly node: string;
  readonly partition: number;
  readonly offset: string;
  readonly code: string;
  readonly tipo: '03' | '04';
  /** The item code it names. */
  readonly about: string;
  /** For a 04: the code of the 03 it answers. */
  readonly answers: string | null;
}

/** A delivery to a node (`nr.<node>.out`) or to EURES (`eures.out`, node `EURES`), in topic order. */
export interface Delivery {
  readonly to: string;
  readonly kind: string;
  readonly action: 'UPSERT' | 'WITHDRAW' | 'CLOSE' | 'EXPIRE' | 'MESSAGE';
  readonly root: string;
  readonly code: string;
  readonly version: number;
  /** Delivery id (`root/version/action/node`) or EURES idempotency key. */
  readonly id: string;
}

/** An INPS record as published on `inps.percettori`, in topic order. */
export interface InpsRecord {
  readonly id: string;
  readonly codiceFiscale: string;
  readonly operation: string;
  readonly offset: string;
  readonly partition: number;
  /** The node of the domicile region, or null when the comune is unknown or abroad. */
  readonly homeNode: string | null;
}

/** A dead letter from `ncn.dlq`. */
export interface DeadLetter {
  readonly sha256: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** A codice fiscale found in an outgoing payload where rule 7 forbids one. */
export interface Leak {
  readonly topic: string;
  /** Delivery id, idempotency key, or `root/version` of a public item. */
  readonly id: string;
  readonly found: readonly string[];
}

/** Everything the checker read back. */
export interface Observed {
  readonly submissions: readonly Submission[];
  readonly receipts: readonly Receipt[];
  readonly items: readonly ItemVersion[];
  readonly expired: readonly { root: string; version: number }[];
  /** Deliveries of items and INPS records to the nodes (not of messages). */
  readonly deliveries: readonly Delivery[];
  readonly eures: readonly Delivery[];
  /** Contact messages as the nodes sent them, and their deliveries (kind MESSAGGIO) to the nodes. */
  readonly messages: readonly SentMessage[];
  readonly messageDeliveries: readonly Delivery[];
  /** Every 25-digit code written anywhere in a record of `ncn.public` or `eures.out`. */
  readonly publishedCodes: ReadonlySet<string>;
  /** Idempotency keys the EURES receiver holds, as it listed them. */
  readonly euresHeld: readonly string[];
  readonly inps: readonly InpsRecord[];
  readonly deadLetters: readonly DeadLetter[];
  /** Submissions sent as poison, by `node:partition:offset`, with the error code expected for each. */
  readonly poison: ReadonlyMap<string, string>;
  /** Records behind, per consumer group of the node, when the checker read the topics. */
  readonly lag: ReadonlyMap<string, number>;
  /**
   * Rule 7 scan of every record on `nr.*.out`, `eures.out`, `ncn.public` and `ncn.audit`: how many were scanned and where a
   * codice fiscale was found outside what the rule allows (only counts and findings are kept, for memory).
   */
  readonly personalData: { readonly scanned: number; readonly leaks: readonly Leak[] };
}

/** One invariant: how many cases it checked and what violated it (a few examples are kept per invariant). */
export interface Verdict {
  readonly name: string;
  readonly checked: number;
  readonly violations: number;
  readonly examples: readonly string[];
}

class Tally {
  checked = 0;
  violations = 0;
  readonly examples: string[] = [];
  constructor(readonly name: string) {}
  check(ok: boolean, what: () => string): void {
    this.checked++;
    if (ok) return;
    this.violations++;
    if (this.examples.length < 5) this.examples.push(what());
  }
  verdict(): Verdict {
    return { name: this.name, checked: this.checked, violations: this.violations, examples: this.examples };
  }
}

const place = (x: { node: string; partition: number; offset: string }): string =>
  `${x.node}:${x.partition}:${x.offset}`;

/** Who should hold an item's version, by rule: nodes and whether EURES does. */
export function expectedRoute(v: ItemVersion): { nodes: string[]; eures: boolean } {
  const others = NodeIds.filter((n) => n !== v.sender);
  if (v.kind === 'VACANCY') return { nodes: others, eures: true };
  if (v.scope === '01') return { nodes: v.homeNode && v.homeNode !== v.sender ? [v.homeNode] : [], eures: false };
  return { nodes: others, eures: v.scope === '03' };
}

type Held =
  | { state: 'none' }
  | { state: 'held'; version: number }
  | { state: 'ended'; action: string; version: number };

/**
 * Replays one party's deliveries of one item: UPSERT holds (versions never go back), WITHDRAW lets go of what is
 * held, CLOSE and EXPIRE end what is held. Nothing follows a close; after an expiry only a newer version may come
 * (an update of an expired item renews it: rule 4, an update restarts the clock). Returns the final state or the
 * first misstep.
 */
export function replay(deliveries: readonly Delivery[]): Held | string {
  let held: Held = { state: 'none' };
  for (const d of deliveries) {
    const renewal =
      held.state === 'ended' && held.action === 'EXPIRE' && d.action === 'UPSERT' && d.version > held.version;
    if (held.state === 'ended' && !renewal) return `${d.action} v${d.version} after ${held.action}`;
    if (d.action === 'UPSERT') {
      if (held.state === 'held' && d.version < held.version) return `UPSERT v${d.version} after v${held.version}`;
      held = { state: 'held', version: d.version };
    } else if (held.state !== 'held') {
      return `${d.action} v${d.version} of an item not held`;
    } else if (d.action === 'WITHDRAW') {
      held = { state: 'none' };
    } else {
      held = { state: 'ended', action: d.action, version: d.version };
    }
  }
  return held;
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const t of list) {
    const k = key(t);
    const group = map.get(k);
    if (group) group.push(t);
    else map.set(k, [t]);
  }
  return map;
}

/** Every submission has exactly one receipt, which names it (node, partition, offset, and the bytes' hash). */
function receiptsOnce(o: Observed): Verdict {
  const t = new Tally('every submission has exactly one receipt');
  const byPlace = groupBy(o.receipts, place);
  for (const s of o.submissions) {
    const list = byPlace.get(place(s)) ?? [];
    t.check(list.length === 1, () => `${place(s)}: ${list.length} receipts`);
    const r = list[0];
    if (r) t.check(r.sha256 === s.sha256, () => `${place(s)}: the receipt's hash is not the submission's`);
  }
  const sent = new Set(o.submissions.map(place));
  for (const r of o.receipts) t.check(sent.has(place(r)), () => `receipt for ${place(r)}, which was never submitted`);
  return t.verdict();
}

/** Every accepted submission is exactly one canonical item version, and every version was accepted. */
function acceptedOnce(o: Observed): Verdict {
  const t = new Tally('every accepted submission is one canonical item version');
  const versions = groupBy(o.items, (i) => i.code);
  // A contact message is no item: its own invariant follows it.
  const accepted = o.receipts.filter((r) => r.outcome === 'ACCEPTED' && r.kind !== 'MESSAGGIO');
  for (const r of accepted) {
    const list = versions.get(r.code ?? '') ?? [];
    t.check(list.length === 1 && list[0]?.root === r.root, () => `${r.code ?? '?'}: ${list.length} canonical versions`);
  }
  const codes = new Set(accepted.map((r) => r.code));
  for (const i of o.items) t.check(codes.has(i.code), () => `${i.code}: a canonical version without ACCEPTED receipt`);
  return t.verdict();
}

/** No delivery id appears twice on the node topics, nor an idempotency key on eures.out. */
function noDuplicates(o: Observed): Verdict {
  const t = new Tally('no delivery twice (by delivery id / idempotency key)');
  for (const [id, list] of groupBy([...o.deliveries, ...o.messageDeliveries, ...o.eures], (d) => `${d.to}|${d.id}`)) {
    t.check(list.length === 1, () => `${id}: delivered ${list.length} times`);
  }
  return t.verdict();
}

/**
 * Each accepted item's deliveries match the rules for its final state: for an open item, every node the rules
 * name holds the latest version and no other node holds anything (earlier holders were withdrawn); a closed or
 * expired item is held by no one, and every node its last version went to got the CLOSE or EXPIRE. The same for
 * EURES. Each party's deliveries must also make sense in order (see `replay`).
 */
function itemsRouted(o: Observed): Verdict[] {
  const nodes = new Tally("each item's node deliveries match the rules for its final state");
  const eures = new Tally("each item's EURES documents match the rules for its final state");
  const expired = new Set(o.expired.map((e) => `${e.root}/${e.version}`));
  const delivered = groupBy(
    o.deliveries.filter((d) => d.kind !== 'PERCETTORE'),
    (d) => d.root,
  );
  const sentToEures = groupBy(o.eures, (d) => d.root);
  for (const [root, versions] of groupBy(o.items, (i) => i.root)) {
    const sorted = [...versions].sort((a, b) => a.version - b.version);
    const last = sorted[sorted.length - 1];
    if (last === undefined) continue;
    const lastSent = [...sorted].reverse().find((v) => v.action === 'SEND');
    // A close that came after its last send had expired finds nothing to close: the expiry was the end. (Both orders
    // happen: the dispatcher reads the close and the expiry from different topics.)
    const lastSentExpired = lastSent !== undefined && expired.has(`${root}/${lastSent.version}`);
    const ends =
      last.action === 'CLOSE'
        ? lastSentExpired
          ? ['CLOSE', 'EXPIRE']
          : ['CLOSE']
        : expired.has(`${root}/${last.version}`)
          ? ['EXPIRE']
          : [];
    const ended = ends.join(' or ') || undefined;
    const route = lastSent ? expectedRoute(lastSent) : { nodes: [], eures: false };
    const byParty = groupBy(delivered.get(root) ?? [], (d) => d.to);
    byParty.set('EURES', sentToEures.get(root) ?? []);
    for (const party of [...NodeIds, 'EURES']) {
      const tally = party === 'EURES' ? eures : nodes;
      const due = party === 'EURES' ? route.eures : route.nodes.includes(party);
      const state = replay(byParty.get(party) ?? []);
      if (typeof state === 'string') {
        tally.check(false, () => `${root} → ${party}: ${state}`);
        continue;
      }
      if (ended === undefined) {
        // Not due: holding nothing, whether never sent, withdrawn, or expired before an update that no longer goes there.
        const ok = due ? state.state === 'held' && state.version === last.version : state.state !== 'held';
        tally.check(ok, () => `${root} v${last.version} (open) → ${party}: ${due ? 'due' : 'not due'}, ${show(state)}`);
      } else {
        const ok = due ? state.state === 'ended' && ends.includes(state.action) : state.state !== 'held';
        tally.check(ok, () => `${root} (${ended}) → ${party}: ${due ? 'due' : 'not due'}, ${show(state)}`);
      }
    }
  }
  return [nodes.verdict(), eures.verdict()];
}

const show = (h: Held): string =>
  h.state === 'held' ? `holds v${h.version}` : h.state === 'ended' ? `ended by ${h.action}` : 'holds nothing';

/**
 * Every INPS record reaches its region once: an I or U record is one UPSERT (with its id) to the node of the
 * domicile region and to no other; a D record is one CLOSE to the node that held the person, if any; a record
 * whose domicile is not a region of Italy is a dead letter instead.
 */
function inpsOnce(o: Observed): Verdict {
  const t = new Tally('every INPS record reaches its region once');
  const byCode = groupBy(
    o.deliveries.filter((d) => d.kind === 'PERCETTORE'),
    (d) => d.code,
  );
  const letters = new Set(o.deadLetters.map((d) => `${d.sourceTopic}:${d.sourcePartition}:${d.sourceOffset}`));
  const holder = new Map<string, string>();
  for (const r of o.inps) {
    const got = byCode.get(r.id) ?? [];
    if (r.operation === 'D') {
      const was = holder.get(r.codiceFiscale);
      holder.delete(r.codiceFiscale);
      const ok = was === undefined ? got.length === 0 : got.length === 1 && got[0]?.to === was;
      t.check(
        ok && got.every((d) => d.action === 'CLOSE'),
        () =>
          `D ${r.id}: held by ${was ?? 'no one'}, got ${got.map((d) => `${d.action}→${d.to}`).join(', ') || 'nothing'}`,
      );
      continue;
    }
    if (r.homeNode === null) {
      const ok = got.length === 0 && letters.has(`inps.percettori:${r.partition}:${r.offset}`);
      t.check(ok, () => `${r.operation} ${r.id}: not routable, expected a dead letter, got ${got.length} deliveries`);
      continue;
    }
    const upserts = got.filter((d) => d.action === 'UPSERT');
    t.check(
      upserts.length === 1 && upserts[0]?.to === r.homeNode,
      () =>
        `${r.operation} ${r.id}: due to ${r.homeNode ?? '?'}, got ${upserts.map((d) => d.to).join(', ') || 'nothing'}`,
    );
    holder.set(r.codiceFiscale, r.homeNode);
  }
  return t.verdict();
}

/** EURES received each document due to it (each key on eures.out) once, and nothing else. */
function euresReceived(o: Observed): Verdict {
  const t = new Tally('EURES received each due document exactly once');
  const held = groupBy(o.euresHeld, (k) => k);
  for (const d of o.eures) {
    const n = held.get(d.id)?.length ?? 0;
    t.check(n === 1, () => `${d.id}: held ${n} times`);
  }
  const due = new Set(o.eures.map((d) => d.id));
  for (const k of held.keys()) t.check(due.has(k), () => `${k}: held by EURES but never due`);
  return t.verdict();
}

/** Every rejected submission is in the DLQ with its original bytes; each poison was refused for its reason. */
function rejectedInDlq(o: Observed): Verdict[] {
  const t = new Tally('every rejected submission is in the DLQ with its original bytes');
  const p = new Tally('each poison submission is refused for its reason');
  const letters = new Set(o.deadLetters.map((d) => d.sha256));
  const receipts = new Map(o.receipts.map((r) => [place(r), r]));
  const submissions = new Map(o.submissions.map((s) => [place(s), s]));
  for (const r of o.receipts) {
    if (r.outcome !== 'REJECTED') continue;
    const s = submissions.get(place(r));
    t.check(
      s !== undefined && letters.has(s.sha256),
      () => `${place(r)} (${r.codes.join(',')}): no dead letter with its bytes`,
    );
  }
  for (const [at, code] of o.poison) {
    const r = receipts.get(at);
    p.check(
      r?.outcome === 'REJECTED' && r.codes.includes(code),
      () => `${at}: expected REJECTED ${code}, got ${r ? `${r.outcome} ${r.codes.join(',')}` : 'no receipt'}`,
    );
  }
  return [t.verdict(), p.verdict()];
}

/**
 * Contact messages (rule 10), from what was sent and what came out: every accepted 03 reaches the node that
 * created the item it names, and every accepted 04 the node that sent the 03 it answers (which must have been
 * delivered to the 04's sender), each exactly once and nowhere else; nothing not accepted is delivered; and no
 * message code is ever on `ncn.public` or `eures.out`.
 */
function messagesRouted(o: Observed): Verdict[] {
  const routed = new Tally('every accepted message reaches exactly the node it is due to, once');
  const nowhere = new Tally('no message delivered unless accepted, none public or to EURES');
  const sent = new Map(o.messages.map((m) => [place(m), m]));
  const accepted = new Map<string, SentMessage>();
  for (const r of o.receipts) {
    if (r.kind !== 'MESSAGGIO' || r.outcome !== 'ACCEPTED') continue;
    const m = sent.get(place(r));
    routed.check(
      m !== undefined && m.code === r.code,
      () => `${place(r)}: an accepted message that was not sent as such`,
    );
    if (m !== undefined) accepted.set(m.code, m);
  }
  const rootOf = new Map(o.items.map((i) => [i.code, i.root]));
  const ownerOf = new Map(o.items.filter((i) => i.version === 1).map((i) => [i.root, i.sender]));
  const dueTo = (m: SentMessage): string | undefined => {
    if (m.tipo === '03') return ownerOf.get(rootOf.get(m.about) ?? '');
    const answered = accepted.get(m.answers ?? '');
    return answered?.tipo === '03' && dueTo(answered) === m.node ? answered.node : undefined;
  };
  const delivered = groupBy(o.messageDeliveries, (d) => d.code);
  for (const m of accepted.values()) {
    const due = dueTo(m);
    const got = delivered.get(m.code) ?? [];
    routed.check(
      due !== undefined &&
        due !== m.node &&
        got.length === 1 &&
        got[0]?.to === due &&
        got[0].root === rootOf.get(m.about),
      () =>
        `${m.tipo} ${m.code} from ${m.node} about ${m.about}: due to ${due ?? 'no one'}, delivered to ${got.map((d) => d.to).join(', ') || 'no one'}`,
    );
  }
  for (const d of o.messageDeliveries) {
    nowhere.check(accepted.has(d.code), () => `${d.id}: a message delivered without being accepted`);
  }
  for (const m of o.messages) {
    nowhere.check(!o.publishedCodes.has(m.code), () => `${m.code}: on ncn.public or eures.out`);
  }
  return [routed.verdict(), nowhere.verdict()];
}

/** Every consumer group of the node has caught up: no record behind. */
function lagZero(o: Observed): Verdict {
  const t = new Tally('consumer lag returns to zero');
  for (const [group, behind] of o.lag) t.check(behind === 0, () => `${group}: ${behind} behind`);
  return t.verdict();
}

/**
 * The elements of the XML standard that carry a codice fiscale, which a regional node may receive: the parties' in
 * a CV or vacancy, and in a contact message (Messaggio) its sender's and its intermediary's code (codiceintermediario,
 * an intermediary's 11-digit code), which reach only the node the message is addressed to (see messagesRouted).
 */
const CF_ELEMENTS = /<(\w+:)?(codicefiscale|codicefiscaleintermediario|codiceintermediario)>[^<]*</g;

const scanText = (value: unknown): string[] => findCodiciFiscali(JSON.stringify(value));

/**
 * Rule 7 as the checker reads it, for one record (its key and decoded value): a regional node may receive a
 * codice fiscale only in the standard's elements for one, and in the INPS record addressed to it (whose item is the
 * person); EURES, the public projection and the audit trail may receive none at all.
 */
export function forbiddenCodiciFiscali(
  where: 'node' | 'eures' | 'public' | 'audit',
  key: string | null,
  payload: Record<string, unknown>,
): string[] {
  if (where !== 'node') return scanText({ key, payload });
  if (payload.kind === 'PERCETTORE') return [];
  const { xml } = payload;
  const outside = typeof xml === 'string' ? xml.replace(CF_ELEMENTS, '') : '';
  // The rest of the delivery and its key, without the XML scanned above.
  return [...scanText({ key, payload: { ...payload, xml: undefined } }), ...findCodiciFiscali(outside)];
}

/** Rule 7: no outgoing payload carries a codice fiscale where the rule forbids one. */
function noCodiceFiscale(o: Observed): Verdict {
  const t = new Tally('no codice fiscale where rule 7 forbids it');
  const { scanned, leaks } = o.personalData;
  for (let clean = scanned - leaks.length; clean > 0; clean--) t.check(true, () => '');
  for (const l of leaks) t.check(false, () => `${l.topic} ${l.id}: ${l.found.join(', ')}`);
  return t.verdict();
}

/** Every invariant, in the order of the table. */
export function checkInvariants(o: Observed): Verdict[] {
  return [
    receiptsOnce(o),
    acceptedOnce(o),
    noDuplicates(o),
    ...itemsRouted(o),
    inpsOnce(o),
    euresReceived(o),
    ...rejectedInDlq(o),
    ...messagesRouted(o),
    noCodiceFiscale(o),
    lagZero(o),
  ];
}

/**
 * No acknowledged record is missing: every input topic the driver wrote holds, read back after the faults, at
 * least as many records as the brokers acknowledged to it (the driver's producer is idempotent, so exactly as
 * many). A cluster that elected a leader missing acknowledged writes (unclean election, or acks short of all in
 * sync) would hold fewer.
 */
export function acknowledgedKept(acked: ReadonlyMap<string, number>, read: ReadonlyMap<string, number>): Verdict {
  const tally = new Tally('every record the brokers acknowledged is there after the faults');
  for (const [topic, count] of acked) {
    const found = read.get(topic) ?? 0;
    for (let i = 0; i < count; i++) {
      tally.check(
        i < found,
        () => `${topic}: ${count.toLocaleString('en')} acknowledged, ${found.toLocaleString('en')} read back`,
      );
    }
  }
  return tally.verdict();
}

/** What was read back of each input topic the driver writes: the node topics' submissions and the INPS records. */
export function inputCounts(
  o: Pick<Observed, 'submissions' | 'inps'>,
  inTopic: (node: string) => string,
  inps: string,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of o.submissions) counts.set(inTopic(s.node), (counts.get(inTopic(s.node)) ?? 0) + 1);
  counts.set(inps, o.inps.length);
  return counts;
}
