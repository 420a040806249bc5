import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageSummary } from './message-summary';

const xml = readFileSync(join(__dirname, '../../test/fixtures/xml/messaggio-valid.xml'), 'utf8');

describe('the one-line summary ncn tail prints for a contact message', () => {
  it('says the type, the code, the item, who wrote it and the start of the text', () => {
    expect(messageSummary(xml)).toBe(
      'interest (03) 0532026112000000000000001 about 0822026112000000000000001 from Mario Rossi, mario.rossi@example.it: "Buongiorno, sono interessato alla vostra offerta di lavoro e resto a disposizione per un colloquio."',
    );
  });

  it('names the message a reply answers and whether contact is accepted', () => {
    const reply = xml
      .replace('<tipocomunicazione>03<', '<tipocomunicazione>04<')
      .replace(
        '</codicemessaggio>',
        '</codicemessaggio><codicemessaggioprecedente>0532026112000000000000009</codicemessaggioprecedente>',
      )
      .replace('</testomessaggio>', '</testomessaggio><contattopositivo>SI</contattopositivo>');
    expect(messageSummary(reply)).toMatch(
      /^reply \(04\) \d{25} about \d{25} answering 0532026112000000000000009 from .* contact accepted: "/,
    );
  });

  it('says nothing for what is not a valid message', () => {
    expect(messageSummary('<Vacancy/>')).toBeUndefined();
  });
});
