import { writeFragment } from '../xml/xml-writer';
import type { LoadStandard } from './standards';
import { BatchElement } from './xml-splitter';

/** The start of a batch file: the XML declaration and the wrapper `ncn load` reads records from. */
export const batchHead = `<?xml version="1.0" encoding="UTF-8"?>\n<${BatchElement}>\n`;

/** The end of a batch file. */
export const batchTail = `</${BatchElement}>\n`;

/** One record of a batch file, as its standard's element (a ListaDID, an inputUniLav). */
export function batchRecord<T>(standard: LoadStandard<T>, record: T): string {
  return writeFragment(standard.toXml(record), '  ');
}

/**
 * A batch file of records in their standard's XML: `<Lotto>` around one record element each, every one of
 * which is a document of the standard on its own. `ncn load` reads it back to the same values.
 */
export function renderBatch<T>(standard: LoadStandard<T>, records: Iterable<T>): string {
  const parts = [batchHead];
  for (const record of records) parts.push(batchRecord(standard, record));
  parts.push(batchTail);
  return parts.join('');
}
