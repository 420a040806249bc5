import { generateTraffic } from '../gen/traffic';
import { communicationId } from './co-xml';
import type { RapportoLavoro } from '../../contracts/avro/types';
import { renderBatch } from './render-batch';
import { CoStandard } from './standards';
import { writeXml } from '../xml/xml-writer';
import { fixture, problemsOf, recordsOf, xmllint } from '../../test/support/load-fixture';

const unilav = fixture('co/unilav.xml');
const schema = 'contracts/xml/co/unilav_in.xsd';
const edit = (from: string | RegExp, to: string, text = unilav): string => {
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`the fixture has no ${String(from)}`);
  return edited;
};

/** The fixture's record, field by field, as the avsc docs and unilav_in.xsd say. */
const fields: Omit<RapportoLavoro, 'idComunicazione'> = {
  tipoMovimento: 'AVV',
  dataInvio: Date.UTC(2026, 10, 20, 8, 15, 30), // 2026-11-20T09:15:30 Rome time (UTC+1)
  codiceFiscaleLavoratore: 'DMCLCU78S02H501S',
  cognome: "D'Amico",
  nome: 'Luca',
  sesso: 'M',
  dataNascita: 3227, // 1978-11-02
  comuneNascita: 'H501',
  cittadinanza: '000',
  codiceFiscaleDatore: '00488410010',
  denominazioneDatore: 'Officine Romane S.p.A.',
  settore: '25.62.00',
  comuneSedeLavoro: 'H501', // SedeLavoro, not SedeLegale (L219)
  dataInizio: 20788, // 2026-12-01
  dataFine: 20969, // 2027-05-31
  qualificaProfessionale: '6.2.1.3.0.1',
  tipologiaContrattuale: 'A.02.00',
  ccnl: '001',
  tipoOrario: 'P',
};
const expected: RapportoLavoro = { idComunicazione: communicationId(fields), ...fields };

/** The fixture as an extension: the relation inside Proroga, its new end on dataFineProroga. */
const proroga = edit('<co:codTipoMovimento>AVV', '<co:codTipoMovimento>PRO')
  .replace(
    /<co:InizioRapporto ([^>]*)dataFine="2027-05-31" /,
    '<co:Proroga dataFineProroga="2027-11-30"><co:Contratto $1',
  )
  .replace('</co:InizioRapporto>', '</co:Contratto></co:Proroga>');

describe('UNILAV communications (inputUniLav) onto it.ncn.RapportoLavoro', () => {
  it("maps every element the record needs, keyed by the worker's codice fiscale", async () => {
    expect(await recordsOf(CoStandard, unilav)).toEqual([{ key: 'DMCLCU78S02H501S', value: expected }]);
    expect(expected.idComunicazione).toMatch(/^UNILAV-[0-9a-f]{32}$/);
  });

  it('gives the same communication the same id however it is written (prefix or default namespace)', async () => {
    const unprefixed = unilav
      .replace('<co:inputUniLav xmlns:co=', '<inputUniLav xmlns=')
      .replace(/<(\/?)co:/g, '<$1')
      .replace(/\n\s*/g, ' ');
    expect(await recordsOf(CoStandard, unprefixed)).toEqual([{ key: 'DMCLCU78S02H501S', value: expected }]);
  });

  it('reads an extension (PRO) from Proroga, ending at dataFineProroga', async () => {
    const [record] = await recordsOf(CoStandard, proroga);
    const extended = { ...fields, tipoMovimento: 'PRO' as const, dataFine: 21152 }; // 2027-11-30
    expect(record?.value).toEqual({ idComunicazione: communicationId(extended), ...extended });
    expect(await xmllint(schema, [proroga])).toBe('doc0.xml validates');
  });

  it.each(['TRA', 'CES'])(
    'refuses %s and a DatoreLavoro without Settore: unilav_in.xsd knows AVV and PRO only, and requires Settore',
    async (tipo) => {
      const text = edit('<co:codTipoMovimento>AVV', `<co:codTipoMovimento>${tipo}`).replace(
        /\s*<co:Settore>[^<]*<\/co:Settore>/,
        '',
      );
      expect(await problemsOf(CoStandard, text)).toEqual([
        `/inputUniLav/codTipoMovimento: '${tipo}' is not one of AVV, PRO (XSD_ENUMERATION, unilav_in.xsd).`,
        '/inputUniLav/UniLav/DatoreLavoro/Settore: DatoreLavoro is missing Settore before PubblicaAmministrazione (required, in this order) (XSD_MISSING_ELEMENT, unilav_in.xsd).',
      ]);
    },
  );

  it('agrees with libxml2 that the fixture and a rendered record are documents of the wrapper', async () => {
    const rendered = writeXml(CoStandard.toXml(expected));
    const renderedExtension = writeXml(CoStandard.toXml({ ...expected, tipoMovimento: 'PRO' }));
    expect(await xmllint(schema, [unilav, rendered, renderedExtension])).toBe(
      'doc0.xml validates\ndoc1.xml validates\ndoc2.xml validates',
    );
  });

  it('reads back what it renders: parse(render(records)) == records, for 2,000 generated records', async () => {
    const records = [...generateTraffic({ seed: 12, candidature: 0, vacancies: 0, inps: 0, co: 2_000 })].map(
      (r) => ('value' in r ? r.value : {}) as unknown as RapportoLavoro,
    );
    const read = await recordsOf(CoStandard, renderBatch(CoStandard, records));
    // UNILAV has no element for the id: it is derived from the content again.
    expect(read.map((r) => r.value)).toEqual(records.map((r) => ({ ...r, idComunicazione: communicationId(r) })));
    expect(read.map((r) => r.key)).toEqual(records.map((r) => r.codiceFiscaleLavoratore));
    expect(new Set(read.map((r) => r.value.idComunicazione)).size).toBe(records.length);
  });

  describe('refuses a record that cannot be mapped, naming the element and the fix', () => {
    const cases: [string, string, RegExp][] = [
      [
        'a contract type of another form',
        edit('TipologiaContrattuale="A.02.00"', 'TipologiaContrattuale="B01"'),
        /^\/inputUniLav\/UniLav\/InizioRapporto\/@TipologiaContrattuale: 'B01' does not have the form the schema requires \(\[A-Z\]\{1\}\(\\\.\[0-9\]\{2\}\)\{2\}\) \(XSD_PATTERN, unilav_in\.xsd\)\.$/,
      ],
      [
        'a qualification of five CP2011 levels',
        edit('<co:qualificaProfessionale>6.2.1.3.0.1', '<co:qualificaProfessionale>6.2.1.3.0'),
        /^\/inputUniLav\/UniLav\/InizioRapporto\/qualificaProfessionale: '6\.2\.1\.3\.0' does not have the form QualificaProfessionale requires \(\(\[0-9\]\\\.\)\{5\}\[0-9\]\{1,2\}\) \(XSD_PATTERN, unilav_in\.xsd\)\.$/,
      ],
      [
        'a required attribute missing',
        edit('socioLavoratore="NO"', ''),
        /^\/inputUniLav\/UniLav\/InizioRapporto\/@socioLavoratore: InizioRapporto is missing the attribute socioLavoratore, which is required \(XSD_MISSING_ATTRIBUTE, unilav_in\.xsd\)\.$/,
      ],
      [
        'a province code of more than three digits',
        edit(/<co:IdProvincia>[^<]*</, '<co:IdProvincia>1058<'),
        /^\/inputUniLav\/IdProvincia: '1058' has more than 3 digits, the most allowed \(XSD_TOTAL_DIGITS, unilav_in\.xsd\)\.$/,
      ],
      [
        'a document outside the UNILAV namespace',
        edit(' xmlns:co="http://servizi.lavoro.gov.it/unilav"', '').replace(/<(\/?)co:/g, '<$1'),
        /^\/inputUniLav: is in no namespace, but unilav_in\.xsd puts it in 'http:\/\/servizi\.lavoro\.gov\.it\/unilav': add xmlns="http:\/\/servizi\.lavoro\.gov\.it\/unilav"/,
      ],
      [
        "a worker's codice fiscale with a wrong check character",
        edit('<co:CodiceFiscale>DMCLCU78S02H501S', '<co:CodiceFiscale>DMCLCU78S02H501T'),
        /^\/inputUniLav\/CodiceFiscale: 'DMCLCU78S02H501T' fails its check character/,
      ],
      [
        "an employer's code with a wrong check digit",
        edit('codiceFiscale="00488410010"', 'codiceFiscale="00488410019"'),
        /^\/inputUniLav\/UniLav\/DatoreLavoro\/@codiceFiscale: '00488410019' fails its check digit/,
      ],
      [
        'a send time that is not a date-time',
        edit('2026-11-20T09:15:30', '2026-11-20 09:15'),
        /^\/inputUniLav\/DataRichiesta: '2026-11-20 09:15' is not a date and time \(YYYY-MM-DDThh:mm:ss\) \(XSD_DATETIME, unilav_in\.xsd\)\.$/,
      ],
      [
        'a movement type of neither the wrapper nor the feed',
        edit('<co:codTipoMovimento>AVV', '<co:codTipoMovimento>ABC'),
        /^\/inputUniLav\/codTipoMovimento: 'ABC' is not one of AVV, PRO \(XSD_ENUMERATION, unilav_in\.xsd\)\.$/,
      ],
      [
        'an extension without its Proroga',
        edit('<co:codTipoMovimento>AVV', '<co:codTipoMovimento>PRO'),
        /^\/inputUniLav\/UniLav\/InizioRapporto: codTipoMovimento is PRO: write the extension as <Proroga/,
      ],
      [
        'a Proroga on a start',
        edit('<co:codTipoMovimento>PRO', '<co:codTipoMovimento>AVV', proroga),
        /^\/inputUniLav\/UniLav\/Proroga: codTipoMovimento is AVV: a Proroga belongs to PRO/,
      ],
      [
        'a sex other than M or F',
        edit('<co:sesso>M', '<co:sesso>X'),
        /^\/inputUniLav\/UniLav\/Lavoratore\/AnagraficaCompleta\/sesso: 'X' is not one of M, F/,
      ],
      [
        'a misspelled attribute (its value would be lost)',
        edit('dataFine="2027-05-31"', 'datafine="2027-05-31"'),
        /^\/inputUniLav\/UniLav\/InizioRapporto\/@datafine: InizioRapporto takes no attribute datafine: did you mean dataFine\? \(XSD_ATTRIBUTE_NOT_ALLOWED, unilav_in\.xsd\)\.$/,
      ],
      [
        'a start date that does not exist',
        edit('dataInizio="2026-12-01"', 'dataInizio="2026-11-31"'),
        /^\/inputUniLav\/UniLav\/InizioRapporto\/@dataInizio: '2026-11-31' is not a date/,
      ],
      [
        'a missing workplace',
        edit(/\s*<co:SedeLavoro>[\s\S]*?<\/co:SedeLavoro>/, ''),
        /^\/inputUniLav\/UniLav\/DatoreLavoro\/SedeLavoro: DatoreLavoro is missing SedeLavoro before Settore \(required, in this order\) \(XSD_MISSING_ELEMENT, unilav_in\.xsd\)\.$/,
      ],
      [
        'an element of another namespace',
        edit('<co:ccnl>001</co:ccnl>', '<ccnl xmlns="urn:other">001</ccnl>'),
        /^\/inputUniLav\/UniLav\/InizioRapporto\/ccnl: ccnl is in namespace urn:other; the elements of InizioRapporto are in http:\/\/servizi\.lavoro\.gov\.it\/unilav \(XSD_UNEXPECTED_ELEMENT, unilav_in\.xsd\)\.$/,
      ],
    ];
    it.each(cases)('%s', async (_, text, problem) => {
      const problems = await problemsOf(CoStandard, text);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(problem);
    });
  });
});
