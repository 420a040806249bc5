import { allows } from '../../contracts/policy';
import { comune } from '../../contracts/tables/comuni';
import { iscoOf } from '../../contracts/tables/professions';
import type { ItemVersion } from '../items/items';
import { expiryDate } from '../items/render';
import { writeXml, type XmlNode } from '../xml/xml-writer';

/** HR Open Standards 3.x, the namespace of EURES's Candidate and PositionOpening documents. */
export const HrOpenNamespace = 'http://www.hr-xml.org/3';

const text = (name: string, value: string, attributes?: Record<string, string>): XmlNode =>
  attributes ? { name, text: value, attributes } : { name, text: value };
const optional = (name: string, value: string | undefined): XmlNode[] => (value ? [text(name, value)] : []);

/** ISCO-08 occupation of a CP2011-based code, with the precision the crosswalk allows. */
function occupation(cp2011: string, label: string): XmlNode {
  const isco = iscoOf(cp2011);
  return {
    name: 'JobCategoryCode',
    text: isco.precision === 'unmapped' ? '' : isco.isco,
    attributes: {
      listName: 'ISCO2008',
      listVersionID: isco.precision === 'exact' ? 'unit' : 'major-group',
      name: label,
    },
  };
}

/** A place as HR-Open writes it: the country and the region, never a street address of a person. */
function location(comuneCode: string): XmlNode {
  const place = comune(comuneCode);
  return {
    name: 'Address',
    children: [
      text('CountryCode', 'IT'),
      ...(place?.region ? [text('CountrySubDivisionCode', `IT-${place.region}`)] : []),
      ...(place ? [text('CityName', place.name)] : []),
    ],
  };
}

/** Who EURES contacts: the intermediary when the item is intermediated, else the node by the item's code. */
function supplier(item: ItemVersion): XmlNode {
  const i = allows('eures', 'intermediaryContact') ? item.meta.intermediario : null;
  return {
    name: 'PartyReportingIDs',
    children: [
      text('PartyID', i === null ? `ClicLavoro:${item.meta.node}` : i.denominazione, { schemeID: 'supplier' }),
      ...(i === null ? [] : [text('Communication', i.email, { channel: 'email' })]),
      text('ReferenceID', item.meta.code, { schemeID: 'ClicLavoro' }),
    ],
  };
}

/**
 * The EURES document of an item version (rule 1 European scope, rule 2): a CV as an HR-Open `Candidate`, a
 * vacancy as a `PositionOpening`. Field by field from the canonical item, personal fields as contracts/policy.ts
 * allows them for `eures`: what identifies a person (codice fiscale, names, birth date, address, contacts) never
 * goes; the contact is the intermediary or the item code.
 */
export function euresDocument(item: ItemVersion): string {
  const common = {
    majorVersionID: '3',
    minorVersionID: '3',
    xmlns: HrOpenNamespace,
    languageCode: 'it',
  };
  if (item.kind === 'CANDIDATURA') {
    const d = item.document;
    const wishes = d.DatiCurriculari.ProfessioneDesiderataDisponibilita;
    const root: XmlNode = {
      name: 'Candidate',
      attributes: common,
      children: [
        text('DocumentID', item.meta.root, {
          schemeAgencyID: 'IT-ClicLavoro',
          schemeVersionID: String(item.meta.version),
        }),
        supplier(item),
        {
          name: 'CandidateProfile',
          children: [
            ...(item.meta.expiresAt === null ? [] : [text('ValidTo', expiryDate(item.meta.expiresAt))]),
            {
              name: 'CandidatePositionPreferences',
              children: [
                ...wishes.map(
                  (w): XmlNode => ({
                    name: 'PositionTitle',
                    children: [text('Title', w.descrprofessione), occupation(w.idprofessione, w.descrprofessione)],
                  }),
                ),
                ...(allows('eures', 'workerPlace')
                  ? [{ name: 'PreferredLocation', children: [location(d.Lavoratore.Domicilio.idcomune)] }]
                  : []),
                ...[...new Set(wishes.flatMap((w) => w.idtipologiacontratto))].map((c) =>
                  text('PositionOfferingTypeCode', c, { listName: 'ClicLavoro:tipologiacontratto' }),
                ),
              ],
            },
            {
              name: 'EmploymentHistory',
              children: d.DatiCurriculari.EsperienzeLavorative.map((e) => ({
                name: 'EmployerHistory',
                children: [
                  ...(e.qualificasvolta ? [occupation(e.qualificasvolta, e.descrqualificasvolta ?? '')] : []),
                  ...optional('Description', e.principalimansioni),
                  ...optional('StartDate', e.datainizio),
                  ...optional('EndDate', e.datafine),
                ],
              })),
            },
            {
              name: 'EducationHistory',
              children: d.DatiCurriculari.Istruzione.map((s) => ({
                name: 'EducationOrganizationAttendance',
                children: [
                  text('EducationLevelCode', s.titolostudio, { listName: 'ClicLavoro:titolostudio' }),
                  ...optional('Description', s.descrizioneistruzione),
                ],
              })),
            },
            {
              name: 'PersonQualifications',
              children: d.DatiCurriculari.Lingue.flatMap((l) =>
                l.idlingua === undefined
                  ? []
                  : [
                      {
                        name: 'PersonCompetency',
                        children: [
                          text('CompetencyID', l.idlingua, { schemeName: 'ClicLavoro:lingua' }),
                          text('TaxonomyID', 'language'),
                        ],
                      },
                    ],
              ),
            },
          ],
        },
      ],
    };
    return writeXml(root);
  }
  const d = item.document;
  const r = d.Richiesta;
  const root: XmlNode = {
    name: 'PositionOpening',
    attributes: common,
    children: [
      text('DocumentID', item.meta.root, {
        schemeAgencyID: 'IT-ClicLavoro',
        schemeVersionID: String(item.meta.version),
      }),
      supplier(item),
      text('PositionOpeningStatusCode', 'Active'),
      {
        name: 'PositionProfile',
        children: [
          text('PositionTitle', r.ProfiloRichiesto.descrprofessione),
          occupation(r.ProfiloRichiesto.idprofessione, r.ProfiloRichiesto.descrprofessione),
          { name: 'PositionLocation', children: [location(r.CondizioniOfferte.idcomune)] },
          text('PositionOfferingTypeCode', r.CondizioniOfferte.idtipologiacontratto, {
            listName: 'ClicLavoro:tipologiacontratto',
          }),
          text('PositionQuantity', r.ProfiloRichiesto.numerolavoratori),
          text('PositionFormattedDescription', r.ProfiloRichiesto.descrizionericerca),
          ...(allows('eures', 'employerName')
            ? [
                {
                  name: 'Organization',
                  children: [text('OrganizationName', d.DatoreLavoro.DatiAnagrafici.denominazione)],
                },
              ]
            : []),
          text('PositionOpenDate', r.DurataRichiesta.datapubblicazione.slice(0, 10)),
          ...(item.meta.expiresAt === null ? [] : [text('PositionCloseDate', expiryDate(item.meta.expiresAt))]),
          ...r.IstruzioneFormazione.Lingua.map((l) => ({
            name: 'PositionQualifications',
            children: [text('CompetencyID', l.idlingua, { schemeName: 'ClicLavoro:lingua' })],
          })),
        ],
      },
    ],
  };
  return writeXml(root);
}
