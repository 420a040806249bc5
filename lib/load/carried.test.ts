import { feedSchemaModel } from '../xml/schemas';
import { type Feed } from '../../contracts/xml/schemas';
import { coValues, feedValues, inpsValues } from './carried';
import { CoStandard, InpsStandard, type LoadStandard } from './standards';
import { parseTree, type XmlElement } from '../xml/tree';
import { writeXml } from '../xml/xml-writer';
import type { ElementDecl, SchemaModel } from '../xml/xsd-model';
import { fixture, recordsOf } from '../../test/support/load-fixture';

/** Every element with a value and every attribute a schema declares, as paths from the root. */
function valuePaths(model: SchemaModel, decl: ElementDecl, at: string): string[] {
  if (decl.content.kind === 'simple') return [at];
  const content = decl.content;
  return [
    ...content.attributes.map((a) => `${at}/@${a.name}`),
    ...content.particles.flatMap((p) => {
      const child = p.decl ?? model.elements.get(p.name);
      return child === undefined ? [] : valuePaths(model, child, `${at}/${p.name}`);
    }),
  ];
}

/** The value at a path (`a/b/@c`) of a document, or undefined when it is not there. */
function valueAt(root: XmlElement, path: string): string | undefined {
  const [first, ...steps] = path.split('/');
  let element: XmlElement | undefined = first === root.name ? root : undefined;
  for (const step of steps) {
    if (element === undefined) return undefined;
    if (step.startsWith('@')) return element.attributes.find((a) => a.name === step.slice(1))?.value;
    element = element.children.find((c) => c.name === step);
  }
  return element?.text;
}

const tree = (xml: string): XmlElement => {
  const parsed = parseTree(xml);
  if (!parsed.ok) throw new Error(parsed.issue.message);
  return parsed.root;
};

describe("the feeds' values: each carried into the Avro record or named as not carried, with the reason", () => {
  it.each([
    ['inps', 'ListaDID'],
    ['co', 'inputUniLav'],
  ] as const)('%s: the lists hold exactly the values of the schema, each once', (feed: Feed, root) => {
    const model = feedSchemaModel(feed);
    const decl = model.elements.get(root);
    if (decl === undefined) throw new Error(root);
    const values = feedValues[feed];
    const listed = [...Object.keys(values.carried), ...values.notCarried.flatMap((n) => n.paths)];
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(valuePaths(model, decl, root).sort());
    expect(values.notCarried.every((n) => n.reason.length > 20)).toBe(true);
  });

  /** Each carried value of a document comes back at its place when its record is written as XML again. */
  async function roundTrip<T>(
    standard: LoadStandard<T>,
    carried: Record<string, unknown>,
    xml: string,
  ): Promise<string[]> {
    const [record] = await recordsOf(standard, xml);
    if (record === undefined) throw new Error('no record');
    const original = tree(xml);
    const rendered = tree(writeXml(standard.toXml(record.value)));
    const same = (a: string | undefined, b: string | undefined): boolean =>
      a === b || (a !== undefined && b !== undefined && /^[\d.]+$/.test(a) && Number(a) === Number(b));
    return Object.keys(carried).flatMap((path) => {
      const value = valueAt(original, path);
      return value === undefined || same(value, valueAt(rendered, path))
        ? []
        : [`${path}: ${value} → ${valueAt(rendered, path)}`];
    });
  }

  it('carries every value of the DID fixture, which has them all, to the record and back', async () => {
    const did = fixture('inps/did.xml');
    const root = tree(did);
    expect(Object.keys(inpsValues.carried).filter((p) => valueAt(root, p) === undefined)).toEqual([]);
    expect(await roundTrip(InpsStandard, inpsValues.carried, did)).toEqual([]);
  });

  it('carries the values of a UNILAV start and of an extension to the record and back', async () => {
    const unilav = fixture('co/unilav.xml');
    const proroga = unilav
      .replace('<co:codTipoMovimento>AVV', '<co:codTipoMovimento>PRO')
      .replace(
        /<co:InizioRapporto ([^>]*)dataFine="2027-05-31" /,
        '<co:Proroga dataFineProroga="2027-11-30"><co:Contratto $1',
      )
      .replace('</co:InizioRapporto>', '</co:Contratto></co:Proroga>');
    const present = (xml: string): number =>
      Object.keys(coValues.carried).filter((p) => valueAt(tree(xml), p) !== undefined).length;
    expect(present(unilav) + present(proroga)).toBeGreaterThan(Object.keys(coValues.carried).length);
    expect(await roundTrip(CoStandard, coValues.carried, unilav)).toEqual([]);
    expect(await roundTrip(CoStandard, coValues.carried, proroga)).toEqual([]);
  });
});
