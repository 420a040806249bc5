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
 * A realistic, reproducible day of traffic: the same mix and seed give the same records. Regions send in
 * proportion to their size; INPS recipients are partly people with a CV (so CVs get `percettore`) and have
 * CO relations (so the enricher finds their last qualification).
 */
export function* generateTraffic(mix: TrafficMix): Generator<TrafficRecord> {
  const rng = new Random(mix.seed);
  const day = mix.day ?? new Date('2026-11-20T00:00:00Z');
  const total = mix.candidature + mix.vacancies + mix.inps + mix.co;
  const workers: Person[] = [];
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
      const who = workers.length > 0 && rng.chance(0.5) ? rng.pick(workers) : person(rng);
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
    if (closing && previous !== undefined) {
      // Remove by swapping in the last one: order does not matter.
      earlier[previousAt] = earlier[earlier.length - 1] ?? previous;
      earlier.pop();
    } else if (previous !== undefined) previous.code = code;
    else earlier.push({ code, ...(worker ? { worker } : {}) });
    yield { topic: nodeTopic.in(node), key: code, xml, kind: kind === 'C' ? 'candidatura' : 'vacancy', note };
  }
}
