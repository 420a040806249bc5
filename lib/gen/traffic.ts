import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';
import { NodeIds, type NodeId } from '../../contracts/nodes';
import { Topic, nodeTopic } from '../../contracts/topics';
import { writeXml } from '../xml/xml-writer';
import { generateCandidatura } from './candidatura';
import { generateMessaggio, type Party } from './messaggio';
import { person, type Person } from './people';
import { Random } from './random';
import { generatePercettore, generateRapporto } from './records';
import { generateVacancy } from './vacancy';

/** One record to publish: an XML submission of a node (an item or a message about one), or an INPS or CO record. */
export type TrafficRecord =
  | {
      readonly topic: string;
      readonly key: string;
      readonly xml: string;
      readonly kind: 'candidatura' | 'vacancy';
      readonly note: string;
    }
  | MessageRecord
  | {
      readonly topic: string;
      readonly key: string;
      readonly value: Percettore | RapportoLavoro;
      readonly kind: 'inps' | 'co';
      readonly note: string;
    };

/**
 * A Messaggio sent by a node (topic nr.<sender>.in, key its codicemessaggio), with what a checker needs to know
 * where it must arrive: a 03 goes to the item's owner, a 04 back to the node that sent the 03 it answers.
 */
export interface MessageRecord {
  readonly topic: string;
  readonly key: string;
  readonly xml: string;
  readonly kind: 'messaggio';
  /** '03' (interest), '04' (reply), or 'invalid' when broken on purpose (the receipt must say why). */
  readonly note: '03' | '04' | 'invalid';
  /** The item it is about: its latest accepted code at the end of the day (codiceoffertacandidatura). */
  readonly about: string;
  /** The node that created the item. */
  readonly owner: NodeId;
  /** For a 04: the code of the 03 it answers (codicemessaggioprecedente). */
  readonly replyTo?: string;
  /** For a 04: the node that sent that 03, where the reply must be delivered. */
  readonly replyNode?: NodeId;
}

/** How much of each to generate. Updates, closes and invalid submissions are shares of the CVs and vacancies. */
export interface TrafficMix {
  readonly seed: number;
  readonly candidature: number;
  readonly vacancies: number;
  readonly inps: number;
  readonly co: number;
  /** Share of CV/vacancy sends that update an earlier item of the same node. Default 0.15. */
  readonly updates?: number;
  /** Share that close an earlier item. Default 0.05. */
  readonly closes?: number;
  /** Share of submissions broken on purpose (the receipt must say why). Default 0. */
  readonly invalid?: number;
  /** The day the traffic happens. Default 2026-11-20. */
  readonly day?: Date;
  /**
   * Messages of interest (Messaggio 03) about items still open at the end of the day, sent by other regional
   * nodes after every item record; about half get a reply (04) from the item's owner. Default 0.
   */
  readonly messages?: number;
}

/**
 * Midnight UTC `days` before `now`: the day of traffic for anything sent to a running node. The generator puts a
 * datascadenza 10 to 90 days after insertion, so a fixed day would have more items due on arrival every week.
 */
export function daysAgo(days: number, now: number = Date.now()): Date {
  return new Date((Math.floor(now / 86_400_000) - days) * 86_400_000);
}

const regionalNodes = NodeIds.filter((n) => n !== '00');
const closeReasons = ['01', '02', '03'];

/** The document with the first of the mistakes, in a random order, that changes it. */
function firstThatApplies(rng: Random, mistakes: readonly ((x: string) => string)[], xml: string): string {
  for (const mistake of rng.some(mistakes, mistakes.length)) {
    const broken = mistake(xml);
    if (broken !== xml) return broken;
  }
  throw new Error('no mistake applies');
}

/** Mistakes a sending system makes, each one certain to be refused: an impossible date, a wrong check character, a missing e-mail. */
function breakDocument(rng: Random, xml: string): string {
  const mistakes = [
    (x: string) => x.replace(/(<data(?:inserimento|pubblicazione)>)\d{4}-\d{2}-\d{2}/, '$12026-02-30'),
    (x: string) => x.replace(/\s*<email>[^<]*<\/email>/, ''),
    (x: string) =>
      x.replace(
        /(<codicefiscale>[A-Z0-9]{15})([A-Z])</,
        (_, head: string, check: string) => `${head}${check === 'A' ? 'B' : 'A'}<`,
      ),
  ];
  return firstThatApplies(rng, mistakes, xml);
}

/** Mistakes in a message, each one certain to be refused: no item named, an impossible date, a wrong check character. */
function breakMessage(rng: Random, xml: string): string {
  const mistakes = [
    (x: string) => x.replace(/\s*<codiceoffertacandidatura>[^<]*<\/codiceoffertacandidatura>/, ''),
    (x: string) => x.replace(/(<data>)\d{4}-\d{2}-\d{2}/, '$12026-02-30'),
    (x: string) =>
      x.replace(
        /(<codicefiscale>[A-Z0-9]{15})([A-Z])</,
        (_, head: string, check: string) => `${head}${check === 'A' ? 'B' : 'A'}<`,
      ),
  ];
  return firstThatApplies(rng, mistakes, xml);
}

/** An item as the node has accepted it: its owner, kind, latest code, and whether it is closed. */
interface AcceptedItem {
  readonly owner: NodeId;
  readonly kind: 'C' | 'V';
  latest: string;
  closed: boolean;
}

/** Seeds the messages' generator apart from the items', so that adding messages leaves the items as they were. */
const MESSAGE_SEED_OFFSET = 0x4d657373;

/**
 * The messages of a day, after its items: first the 03s, each from a regional node other than the item's owner
 * about an item still open at the end of the day (by its latest code), then a 04 from the owner for about half
 * of the 03s that are not broken, naming the 03 and addressed to its sender. Their times run from the last item
 * record to the end of the day; none when no item is open.
 */
function* generateMessages(
  mix: TrafficMix,
  day: Date,
  from: { at: Date; sequence: number },
  open: readonly AcceptedItem[],
): Generator<MessageRecord> {
  const count = mix.messages ?? 0;
  if (count === 0 || open.length === 0) return;
  const rng = new Random(mix.seed + MESSAGE_SEED_OFFSET);
  const end = day.getTime() + 86_400_000;
  let sequence = from.sequence;
  const replies: { item: AcceptedItem; interest: string; sender: NodeId; from: Party }[] = [];
  // Evenly spaced times, as many as there can be messages (every 03 answered).
  const slots = count * 2;
  let slot = 0;
  const next = (): Date => new Date(from.at.getTime() + Math.floor((++slot / (slots + 1)) * (end - from.at.getTime())));
  for (let i = 0; i < count; i++) {
    const item = rng.pick(open);
    const sender = rng.pick(regionalNodes.filter((n) => n !== item.owner));
    const about = { code: item.latest, kind: item.kind };
    const interest = generateMessaggio(rng, { node: sender, tipo: '03', about, at: next(), sequence: ++sequence });
    let xml = writeXml(interest.xml);
    const broken = rng.chance(mix.invalid ?? 0);
    if (broken) xml = breakMessage(rng, xml);
    else if (rng.chance(0.5)) replies.push({ item, interest: interest.code, sender, from: interest.from });
    yield {
      topic: nodeTopic.in(sender),
      key: interest.code,
      xml,
      kind: 'messaggio',
      note: broken ? 'invalid' : '03',
      about: item.latest,
      owner: item.owner,
    };
  }
  for (const r of replies) {
    const reply = generateMessaggio(rng, {
      node: r.item.owner,
      tipo: '04',
      about: { code: r.item.latest, kind: r.item.kind },
      previousCode: r.interest,
      to: r.from,
      at: next(),
      sequence: ++sequence,
    });
    let xml = writeXml(reply.xml);
    const broken = rng.chance(mix.invalid ?? 0);
    if (broken) xml = breakMessage(rng, xml);
    yield {
      topic: nodeTopic.in(r.item.owner),
      key: reply.code,
      xml,
      kind: 'messaggio',
      note: broken ? 'invalid' : '04',
      about: r.item.latest,
      owner: r.item.owner,
      replyTo: r.interest,
      replyNode: r.sender,
    };
  }
}

/**
 * Who the INPS and CO records are about. A recipient of income support is mostly someone with a CO relation
 * (its last employment), sent before or after the INPS record; each person left waiting for the other kind is
 * taken once, so most people get one record of each kind rather than many of one. Some never get a CO relation.
 */
class People {
  /** INPS recipients with no CO relation yet. */
  private readonly waitingForCo: Person[] = [];
  /** People with a CO relation and no INPS record yet. */
  private readonly withoutInps: Person[] = [];
  /** Everyone who has had a record of either kind. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly rng: Random,
    private readonly workers: readonly Person[],
  ) {}

  /** A worker with a CV (40 %), someone with a CO relation and no INPS record (40 %), or someone new. */
  inps(): Person {
    const roll = this.rng.next();
    const who =
      roll < 0.4 && this.workers.length > 0
        ? this.rng.pick(this.workers)
        : roll < 0.8 && this.withoutInps.length > 0
          ? this.take(this.withoutInps)
          : person(this.rng);
    // One in ten never gets a CO relation (a last job before the CO system, self-employment): qualification unknown.
    if (!this.seen.has(who.codiceFiscale) && this.rng.chance(0.9)) this.waitingForCo.push(who);
    this.seen.add(who.codiceFiscale);
    return who;
  }

  /** An INPS recipient with no CO relation yet (60 %), a worker with a CV (20 %), or someone new. */
  co(): Person {
    const roll = this.rng.next();
    const who =
      roll < 0.6 && this.waitingForCo.length > 0
        ? this.take(this.waitingForCo)
        : roll < 0.8 && this.workers.length > 0
          ? this.rng.pick(this.workers)
          : person(this.rng);
    if (!this.seen.has(who.codiceFiscale)) this.withoutInps.push(who);
    this.seen.add(who.codiceFiscale);
    return who;
  }

  private take(from: Person[]): Person {
    return removeAt(from, this.rng.int(0, from.length - 1));
  }
}

/** Removes and returns `list[i]` by moving the last element into its place: order is not kept. */
function removeAt<T>(list: T[], i: number): T {
  const removed = list[i] as T;
  list[i] = list[list.length - 1] as T;
  list.pop();
  return removed;
}

/**
 * A realistic, reproducible day of traffic: the same mix and seed give the same records. Regions send in
 * proportion to their size; INPS recipients are partly people with a CV (so CVs get `percettore`) and mostly
 * people with CO relations (so the enricher finds their last qualification), before or after their INPS record;
 * some never get one and go out with the qualification unknown. Messages, when asked for, come last (see
 * generateMessages) and draw from a generator of their own: the records before them are the same with or without.
 */
export function* generateTraffic(mix: TrafficMix): Generator<TrafficRecord> {
  const rng = new Random(mix.seed);
  const day = mix.day ?? new Date('2026-11-20T00:00:00Z');
  const total = mix.candidature + mix.vacancies + mix.inps + mix.co;
  const workers: Person[] = [];
  const people = new People(rng, workers);
  // Open items per node and kind, for updates and closes to pick from.
  const open = new Map<string, { code: string; worker?: Person }[]>();
  let sequence = 0;
  /**
   * Item and message codes carry the seed (its last five digits) above their sequence, so days of other seeds sent
   * to the same node on the same date never reuse each other's codes (CODE_REUSED); the same seed again gives the
   * same codes for the same documents (DUPLICATE).
   */
  const codeBase = (Math.abs(Math.trunc(mix.seed)) % 100_000) * 1_000_000_000;
  // Items as the node accepts them (a broken submission is refused; an update or close only of the latest code).
  const accepted = new Map<string, AcceptedItem>();
  const acceptedItems: AcceptedItem[] = [];
  let lastAt = day;
  const left = { c: mix.candidature, v: mix.vacancies, i: mix.inps, o: mix.co };
  for (let i = 0; i < total; i++) {
    const at = new Date(day.getTime() + Math.floor((i / Math.max(total, 1)) * 86_400_000));
    lastAt = at;
    const pick = rng.weighted([
      ['c', left.c],
      ['v', left.v],
      ['i', left.i],
      ['o', left.o],
    ] as const);
    left[pick]--;
    sequence++;
    if (pick === 'i' || pick === 'o') {
      const who = pick === 'i' ? people.inps() : people.co();
      if (pick === 'i') {
        yield {
          topic: Topic.inpsPercettori,
          key: who.codiceFiscale,
          value: generatePercettore(rng, who, at, sequence),
          kind: 'inps',
          note: 'percettore',
        };
      } else {
        yield {
          topic: Topic.coRapporti,
          key: who.codiceFiscale,
          value: generateRapporto(rng, who, at, sequence),
          kind: 'co',
          note: 'rapporto',
        };
      }
      continue;
    }
    const node = rng.pick(regionalNodes);
    const kind = pick === 'c' ? 'C' : 'V';
    const earlier = open.get(`${node}${kind}`) ?? [];
    open.set(`${node}${kind}`, earlier);
    const roll = rng.next();
    const closing = earlier.length > 0 && roll < (mix.closes ?? 0.05);
    const updating = !closing && earlier.length > 0 && roll < (mix.closes ?? 0.05) + (mix.updates ?? 0.15);
    const previousAt = closing || updating ? rng.int(0, earlier.length - 1) : -1;
    const previous = earlier[previousAt];
    const previousCode = previous?.code;
    const options = {
      node,
      sequence: codeBase + sequence,
      at,
      ...(previous ? { previousCode: previous.code } : {}),
      ...(closing ? { closeReason: rng.pick(closeReasons) } : {}),
    };
    let code: string;
    let xml: string;
    let worker: Person | undefined;
    if (kind === 'C') {
      const cv = generateCandidatura(rng, { ...options, ...(previous?.worker ? { worker: previous.worker } : {}) });
      ({ code, worker } = cv);
      xml = writeXml(cv.xml);
      if (previous === undefined) workers.push(cv.worker);
    } else {
      const vacancy = generateVacancy(rng, options);
      code = vacancy.code;
      xml = writeXml(vacancy.xml);
    }
    let note = closing ? 'close' : updating ? 'update' : 'new';
    if (rng.chance(mix.invalid ?? 0)) {
      xml = breakDocument(rng, xml);
      note = 'invalid';
    }
    if (closing && previous !== undefined) removeAt(earlier, previousAt);
    else if (previous !== undefined) previous.code = code;
    else earlier.push({ code, ...(worker ? { worker } : {}) });
    if (note === 'new') {
      const item: AcceptedItem = { owner: node, kind, latest: code, closed: false };
      accepted.set(code, item);
      acceptedItems.push(item);
    } else if (note !== 'invalid' && previousCode !== undefined) {
      const item = accepted.get(previousCode);
      if (item !== undefined && !item.closed && item.latest === previousCode) {
        accepted.set(code, item);
        item.latest = code;
        item.closed = closing;
      }
    }
    yield { topic: nodeTopic.in(node), key: code, xml, kind: kind === 'C' ? 'candidatura' : 'vacancy', note };
  }
  yield* generateMessages(
    mix,
    day,
    { at: lastAt, sequence: codeBase + sequence },
    acceptedItems.filter((item) => !item.closed),
  );
}
