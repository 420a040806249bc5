import { feedSchemaModel } from './schemas';
import { feedSchemaFile, type Feed } from '../../contracts/xml/schemas';
import { Random } from '../gen/random';
import { generateTraffic } from '../gen/traffic';
import type { Percettore, RapportoLavoro } from '../../contracts/avro/types';
import { CoStandard, InpsStandard } from '../load/standards';
import type { XmlNode } from './xml-writer';
import {
  differential,
  differentialCase,
  expectBothVerdicts,
  type DifferentialCase,
} from '../../test/support/differential';
import { sampleDocument } from '../../test/support/xsd-sample';

/** Records per feed; NCN_DIFFERENTIAL_DOCS overrides (the issue asks for at least 5,000 of each). */
const perFeed = Number(process.env.NCN_DIFFERENTIAL_DOCS ?? 5_000);

/**
 * Half the records as `ncn gen` writes them (its values through the feed's mapping to XML), half drawn from
 * the schema itself, so that every element, attribute and choice branch of the standard occurs, including what
 * the node does not carry; a quarter of all left valid, the rest with one to three random mutations.
 */
function cases(feed: Feed, seed: number): DifferentialCase[] {
  const rng = new Random(seed);
  const model = feedSchemaModel(feed);
  const generated = [
    ...generateTraffic({
      seed,
      candidature: 0,
      vacancies: 0,
      inps: feed === 'inps' ? perFeed : 0,
      co: feed === 'co' ? perFeed : 0,
    }),
  ];
  return generated.map((record, i) => {
    const value = 'value' in record ? record.value : {};
    const doc: XmlNode =
      i % 2 === 1
        ? sampleDocument(rng, model, feed === 'inps' ? 'ListaDID' : 'inputUniLav')
        : feed === 'inps'
          ? InpsStandard.toXml(value as unknown as Percettore)
          : CoStandard.toXml(value as unknown as RapportoLavoro);
    return differentialCase(rng, doc);
  });
}

describe("the validator against libxml2 (xmllint) on the feeds' official schemas", () => {
  for (const [feed, seed] of [
    ['inps', 1946 + Number(process.env.NCN_DIFFERENTIAL_SEED ?? 0)],
    ['co', 2008 + Number(process.env.NCN_DIFFERENTIAL_SEED ?? 0)],
  ] as const) {
    it(`agrees on every one of ${perFeed} ${feed === 'inps' ? 'DID' : 'UNILAV'} records, valid and mutated`, async () => {
      const all = cases(feed, seed);
      const result = await differential(feed, all, feedSchemaModel(feed), feedSchemaFile[feed]);
      // Each verdict of ours is libxml2's, on a mix with enough of both kinds to mean something.
      expect(result.disagreements).toEqual([]);
      expectBothVerdicts(result, all.length);
    }, 300_000);
  }
});
