import { NodeIds } from '../../contracts/nodes';
import { Topic, nodeTopic } from '../../contracts/topics';
import { writeXml } from '../xml/xml-writer';
import { generateCandidatura } from './candidatura';
import { person, type Person } from './people';
import { Random } from './random';
import { generatePercettore, generateRapporto, type AvroRecord } from './records';
import { generateVacancy } from './vacancy';

/** One record to publish: an XML submission of a node, or an INPS or CO record. */
export type TrafficRecord =
  | {
      readonly topic: string;
      readonly key: string;
      readonly xml: string;
      readonly kind: 'candidatura' | 'vacancy';
      readonly note: string;
    }
  | {
      readonly topic: string;
      readonly key: string;
      readonly value: AvroRecord;
      readonly kind: 'inps' | 'co';
      readonly note: string;
    };

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
  for (const mistake of rng.some(mistakes, mistakes.length)) {
    const broken = mistake(xml);
    if (broken !== xml) return broken;
  }
  throw new Error('no mistake applies');
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
 * some never get one and go out with the qualification unknown.
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
  const left = { c: mix.candidature, v: mix.vacancies, i: mix.inps, o: mix.co };
  for (let i = 0; i < total; i++) {
    const at = new Date(day.getTime() + Math.floor((i / Math.max(total, 1)) * 86_400_000));
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
    const options = {
      node,
      sequence,
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
    yield { topic: nodeTopic.in(node), key: code, xml, kind: kind === 'C' ? 'candidatura' : 'vacancy', note };
  }
}
