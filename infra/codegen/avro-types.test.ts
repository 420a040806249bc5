import { readFileSync } from 'node:fs';
import { avroTypesFile, avroTypesSource } from './avro-types';

describe('the Avro value types', () => {
  it('committed in contracts/avro/types.ts are what the generator writes from the .avsc files', () => {
    // Compared without whitespace: the committed file is the generator's output after prettier.
    const squash = (s: string): string => s.replace(/\s+/g, '');
    expect(squash(readFileSync(avroTypesFile, 'utf8'))).toBe(squash(avroTypesSource()));
  });
});
