import { generateTraffic } from '../gen/traffic';
import type { Percettore } from '../../contracts/avro/types';
import { renderBatch } from './render-batch';
import { InpsStandard } from './standards';
import { writeXml } from '../xml/xml-writer';
import { fixture, problemsOf, recordsOf, xmllint } from '../../test/support/load-fixture';

const did = fixture('inps/did.xml');
const schema = 'contracts/xml/inps/did_inps.xsd';
const edit = (from: string | RegExp, to: string): string => {
  const edited = did.replace(from, to);
  if (edited === did) throw new Error(`the fixture has no ${String(from)}`);
  return edited;
};

/** The fixture's record, field by field, as the avsc docs and did_inps.xsd say. */
const expected: Percettore = {
  idComunicazione: 'INPS-2026-000000000123',
  dataInvio: 20777, // 2026-11-20
  tipoOperazione: 'I',
  codiceFiscale: 'BNCGLI90C54F205V',
  cognome: 'Bianchi',
  nome: 'Giulia',
  cittadinanza: '000',
  dataDichiarazione: 20731, // 2026-10-05
  codiceUnivocoCPI: 'C0315100001',
  protocollo: 'INPS.0000012345.2026',
  telefono: '0212345678',
  cellulare: '3331234567',
  email: 'giulia.bianchi@example.it',
  emailPatronato: 'patronato.milano@example.it',
  dataInizioDisoccupazione: 20726, // 2026-09-30
  denominazioneAzienda: 'Officine Lombarde & Figli S.r.l.',
  codiceFiscalePIVAUltimaAzienda: '00488410010',
  ultimaQualifica: '6.2.1.3.0',
  dataInizioAttivitaAutonoma: 17911, // 2019-01-15
  dataInizioAttivitaSubord: 18293, // 2020-02-01
  dataInizioAttivitaParaSub: 17683, // 2018-06-01
  dataInizioAttivitaAccess: 17357, // 2017-07-10
  redditoLavoroAutonomoCents: 120050, // 1200.5
  redditoLavoroSubordinatoCents: 2845000, // 28450.00
  redditoLavoroParaSubordCents: 0,
  redditoLavoroAccessCents: 35075, // 350.75
  codiceComuneDomicilio: 'F205',
  comuneDomicilio: 'Milano',
  provinciaDomicilio: 'MI',
  indirizzoDomicilio: "Via dell'Orso 7",
  capDomicilio: '20121',
};

describe('INPS DID records (ListaDID) onto it.ncn.Percettore', () => {
  it('maps every element of the hand-written record, keyed by its codice fiscale', async () => {
    expect(await recordsOf(InpsStandard, did)).toEqual([{ key: 'BNCGLI90C54F205V', value: expected }]);
  });

  it('leaves the optional fields null when their elements are absent', async () => {
    const minimal = did.replace(
      /\s*<(Telefono|Email|EmailPatronato|DataInizioDisoccupazione|CodiceFiscalePIVAUltimaAzienda|UltimaQualifica|DataInizioAttivita\w+|Reddito\w+)>[^<]*<\/\1>/g,
      '',
    );
    const [record] = await recordsOf(InpsStandard, minimal);
    expect(record?.value).toEqual({
      ...expected,
      telefono: null,
      email: null,
      emailPatronato: null,
      dataInizioDisoccupazione: null,
      codiceFiscalePIVAUltimaAzienda: null,
      ultimaQualifica: null,
      dataInizioAttivitaAutonoma: null,
      dataInizioAttivitaSubord: null,
      dataInizioAttivitaParaSub: null,
      dataInizioAttivitaAccess: null,
      redditoLavoroAutonomoCents: null,
      redditoLavoroSubordinatoCents: null,
      redditoLavoroParaSubordCents: null,
      redditoLavoroAccessCents: null,
    });
  });

  it('agrees with libxml2 that the fixture and a rendered record are DID documents', async () => {
    const rendered = writeXml(InpsStandard.toXml(expected));
    expect(await xmllint(schema, [did, rendered])).toBe('doc0.xml validates\ndoc1.xml validates');
  });

  it('reads back what it renders: parse(render(records)) == records, for 2,000 generated records', async () => {
    const records = [...generateTraffic({ seed: 11, candidature: 0, vacancies: 0, inps: 2_000, co: 0 })].map(
      (r) => ('value' in r ? r.value : {}) as unknown as Percettore,
    );
    const withAmounts = records.map((r, i) =>
      i % 3 === 0
        ? { ...r, redditoLavoroAutonomoCents: i * 7, redditoLavoroSubordinatoCents: -5, telefono: '06 1' }
        : r,
    );
    const read = await recordsOf(InpsStandard, renderBatch(InpsStandard, withAmounts));
    expect(read.map((r) => r.value)).toEqual(withAmounts);
    expect(read.map((r) => r.key)).toEqual(withAmounts.map((r) => r.codiceFiscale));
  });

  describe('refuses a record that cannot be mapped, naming the element and the fix', () => {
    const cases: [string, string, RegExp][] = [
      [
        'a CPI code that is not of 11 characters',
        edit('<CodiceUnivocoCPI>C0315100001', '<CodiceUnivocoCPI>C031510'),
        /^\/ListaDID\/DID\/CodiceUnivocoCPI: CodiceUnivocoCPI has 7 characters; CodiceCPI_MLPS fixes exactly 11 \(XSD_MIN_LENGTH, did_inps\.xsd\)\.$/,
      ],
      [
        'neither Telefono nor Cellulare',
        edit(/\s*<(Telefono|Cellulare)>[^<]*<\/(Telefono|Cellulare)>/g, ''),
        /^\/ListaDID\/DID\/Telefono: DID is missing one of Telefono, Cellulare before Email \(required, in this order\) \(XSD_MISSING_ELEMENT, did_inps\.xsd\)\.$/,
      ],
      [
        'a day that does not exist',
        edit('<DataDichiarazione>2026-10-05', '<DataDichiarazione>2026-02-30'),
        /^\/ListaDID\/DID\/DataDichiarazione: '2026-02-30' is not a date: write it as YYYY-MM-DD/,
      ],
      [
        'a date written the Italian way',
        edit('<DataInvio>2026-11-20', '<DataInvio>20/11/2026'),
        /^\/ListaDID\/DataInvio: '20\/11\/2026' does not have the form Data requires \(\[1-2\]\[09\]\[0-9\]\{2\}-\[0-9\]\{2\}-\[0-9\]\{2\}\) \(XSD_PATTERN, did_inps\.xsd\)\.$/,
      ],
      [
        'an amount with a decimal comma',
        edit('<RedditoLavoroAutonoma>1200.5', '<RedditoLavoroAutonoma>1.200,50'),
        /^\/ListaDID\/DID\/RedditoLavoroAutonoma: '1\.200,50' is not a decimal number \(digits, a dot before the decimals\) \(XSD_NUMBER, did_inps\.xsd\)\.$/,
      ],
      [
        'an amount with fractions of a cent',
        edit('<RedditoLavoroAccess>350.75', '<RedditoLavoroAccess>350.755'),
        /^\/ListaDID\/DID\/RedditoLavoroAccess: '350\.755' has more than two decimals/,
      ],
      [
        'a codice fiscale with a wrong check character',
        edit('<CodiceFiscale>BNCGLI90C54F205V', '<CodiceFiscale>BNCGLI90C54F205X'),
        /^\/ListaDID\/DID\/CodiceFiscale: 'BNCGLI90C54F205X' fails its check character: a character is mistyped/,
      ],
      [
        'a codice fiscale in small letters',
        edit('<CodiceFiscale>BNCGLI90C54F205V', '<CodiceFiscale>bncgli90c54f205v'),
        /^\/ListaDID\/DID\/CodiceFiscale: 'bncgli90c54f205v' does not have the form Codice_Fiscale requires .* \(XSD_PATTERN, did_inps\.xsd\)\.$/,
      ],
      [
        'a company code with a wrong check digit',
        edit('<CodiceFiscalePIVAUltimaAzienda>00488410010', '<CodiceFiscalePIVAUltimaAzienda>00488410011'),
        /^\/ListaDID\/DID\/CodiceFiscalePIVAUltimaAzienda: '00488410011' fails its check digit/,
      ],
      [
        'an operation type INPS does not use',
        edit('<TipoOperazione>I', '<TipoOperazione>X'),
        /^\/ListaDID\/DID\/TipoOperazione: 'X' is not one of I, U, D/,
      ],
      [
        'a missing surname',
        edit(/\s*<Cognome>Bianchi<\/Cognome>/, ''),
        /^\/ListaDID\/DID\/Cognome: DID is missing Cognome before Nome \(required, in this order\) \(XSD_MISSING_ELEMENT, did_inps\.xsd\)\.$/,
      ],
      [
        'a repeated name',
        edit('<Nome>Giulia</Nome>', '<Nome>Giulia</Nome><Nome>Anna</Nome>'),
        /^\/ListaDID\/DID\/Nome\[2\]: Nome is not expected here: DID needs Cittadinanza \(XSD_UNEXPECTED_ELEMENT, did_inps\.xsd\)\.$/,
      ],
      [
        'a misspelled optional element (its value would be lost)',
        edit(/<Email>(.*)<\/Email>/, '<Emial>$1</Emial>'),
        /^\/ListaDID\/DID\/Emial: Emial is not an element of DID: did you mean Email\? \(XSD_UNEXPECTED_ELEMENT, did_inps\.xsd\)\.$/,
      ],
      [
        'a domicile that is not a comune',
        edit('<CodiceComuneDomicilio>F205', '<CodiceComuneDomicilio>Z999'),
        /^\/ListaDID\/DID\/CodiceComuneDomicilio: 'Z999' is not the Belfiore code of a comune/,
      ],
      [
        'two DIDs in one ListaDID',
        edit(/(<DID>[\s\S]*<\/DID>)/, '$1$1'),
        /^\/ListaDID\/DID\[2\]: DID is not expected here \(wrong place, repeated, or unknown in ListaDID\) \(XSD_UNEXPECTED_ELEMENT, did_inps\.xsd\)\.$/,
      ],
      [
        'a namespace the schema does not have',
        edit('<ListaDID>', '<ListaDID xmlns="http://www.inps.it/did">'),
        /^\/ListaDID: is in namespace 'http:\/\/www\.inps\.it\/did', but did_inps\.xsd puts it in no namespace: remove the xmlns/,
      ],
      [
        'XML that is not well-formed',
        edit('</Nome>', '</Name>'),
        /^: The XML is not well-formed \(line 10, column \d+\)/,
      ],
    ];
    it.each(cases)('%s', async (_, text, problem) => {
      const problems = await problemsOf(InpsStandard, text);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(problem);
    });

    it('reports every problem of a record at once', async () => {
      const text = edit('<DataInvio>2026-11-20', '<DataInvio>20-11-2026').replace('<Cognome>Bianchi</Cognome>', '');
      expect(await problemsOf(InpsStandard, text)).toEqual([
        "/ListaDID/DataInvio: '20-11-2026' does not have the form Data requires ([1-2][09][0-9]{2}-[0-9]{2}-[0-9]{2}) (XSD_PATTERN, did_inps.xsd).",
        '/ListaDID/DID/Cognome: DID is missing Cognome before Nome (required, in this order) (XSD_MISSING_ELEMENT, did_inps.xsd).',
      ]);
    });
  });
});
