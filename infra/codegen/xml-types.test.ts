import { readFileSync } from 'node:fs';
import { typesFile, typesSource } from './xml-types';
import { schemaModel } from '../../lib/xml/schemas';
import { DocumentKind } from '../../contracts/xml/schemas';

describe('the document types', () => {
  it.each(Object.values(DocumentKind))('committed for %s are what the generator writes from the XSD', (kind) => {
    // Compared without whitespace: the committed file is the generator's output after prettier.
    const squash = (s: string): string => s.replace(/\s+/g, '');
    expect(squash(readFileSync(typesFile(kind), 'utf8'))).toBe(squash(typesSource(kind, schemaModel(kind))));
  });
});
