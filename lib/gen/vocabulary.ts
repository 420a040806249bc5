/**
 * Words the generator composes documents from. Names, streets and descriptions are ordinary Italian words.
 * Code values marked "form only" satisfy the standard's patterns but are not taken from the Ministry's code
 * lists (which the project does not carry yet): synthetic data, never used to validate anything.
 */
export const maleNames = [
  'Marco', 'Luca', 'Giuseppe', 'Francesco', 'Andrea', 'Alessandro', 'Giovanni', 'Matteo', 'Lorenzo', 'Davide',
  'Simone', 'Federico', 'Riccardo', 'Stefano', 'Paolo', 'Antonio', 'Salvatore', 'Roberto', 'Fabio', 'Nicola',
  'Daniele', 'Gabriele', 'Michele', 'Emanuele', 'Vincenzo', 'Claudio', 'Massimo', 'Pietro', 'Tommaso', 'Enrico',
]; // prettier-ignore

export const femaleNames = [
  'Giulia', 'Francesca', 'Chiara', 'Sara', 'Martina', 'Valentina', 'Alessia', 'Elena', 'Federica', 'Silvia',
  'Laura', 'Anna', 'Elisa', 'Roberta', 'Paola', 'Maria', 'Giorgia', 'Ilaria', 'Serena', 'Simona',
  'Claudia', 'Veronica', 'Beatrice', 'Alice', 'Marta', 'Camilla', 'Aurora', 'Noemi', 'Irene', 'Cristina',
]; // prettier-ignore

export const surnames = [
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco',
  'Bruno', 'Gallo', 'Conti', 'De Luca', 'Mancini', 'Costa', 'Giordano', 'Rizzo', 'Lombardi', 'Moretti',
  'Barbieri', 'Fontana', 'Santoro', 'Mariani', 'Rinaldi', 'Caruso', 'Ferrara', 'Galli', 'Martini', 'Leone',
  'Longo', "D'Angelo", 'Serra', 'Vitale', 'Coppola', 'De Santis', 'Marchetti', 'Parisi', 'Villa', 'Conte',
]; // prettier-ignore

export const streets = [
  'Via Roma', 'Via Garibaldi', 'Corso Italia', 'Via Mazzini', 'Via Cavour', 'Via Dante', 'Piazza Duomo',
  'Via Verdi', 'Viale della Repubblica', 'Via Matteotti', 'Via XX Settembre', 'Via Nazionale', 'Via Manzoni',
]; // prettier-ignore

export const companyWords = [
  'Alimentari', 'Costruzioni', 'Servizi', 'Logistica', 'Informatica', 'Meccanica', 'Turismo', 'Commercio',
  'Impianti', 'Consulting', 'Trasporti', 'Ristorazione', 'Tessile', 'Agricola', 'Sanità',
]; // prettier-ignore

/**
 * Professions the generator uses, with the level-5 CP2011 code ISTAT gives them and a sixth segment in the
 * standard's form (form only). Not a classification table: see contracts/tables/SOURCES.md.
 */
export const professions: readonly { readonly code: string; readonly label: string; readonly duties: string }[] = [
  { code: '2.1.1.4.1.0', label: 'Analista e progettista di software', duties: 'Analisi dei requisiti, progettazione e sviluppo di applicazioni' },
  { code: '3.3.1.2.1.0', label: 'Contabile', duties: 'Tenuta della contabilità, registrazione fatture, riconciliazioni bancarie' },
  { code: '5.1.2.2.0.0', label: 'Commesso delle vendite al minuto', duties: 'Vendita al banco, gestione cassa, riordino scaffali' },
  { code: '5.2.2.1.0.0', label: 'Cuoco in alberghi e ristoranti', duties: 'Preparazione dei piatti, gestione della cucina e delle scorte' },
  { code: '7.4.2.3.0.0', label: 'Conduttore di mezzi pesanti e camion', duties: 'Trasporto merci su strada, carico e scarico' },
]; // prettier-ignore

export const languages = ['ENG', 'FRA', 'DEU', 'SPA', 'POR', 'ARA', 'ROM', 'ALB'] as const;
export const languageLevels = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'] as const;
/** Form only: two-digit study levels, contract types ([A-Z]\d\d), work modes ([A-Z]{2}). */
export const studyLevels = ['10', '20', '30', '40', '50', '60', '70'] as const;
export const contractTypes = ['A01', 'A02', 'A03', 'A07', 'B01', 'C01'] as const;
export const workModes = ['FT', 'PT', 'TU'] as const;
export const atecoSectors = ['47.11.10', '56.10.11', '62.01.00', '49.41.00', '41.20.00', '86.10.10'] as const;
/**
 * Form only: the CO's contract types ([A-Z].nn.nn, unilav_in.xsd's TipologiaContrattuale), not the ClicLavoro
 * form above. The Ministry's list of them is not carried.
 */
export const coContractTypes = ['A.01.00', 'A.02.00', 'A.03.00', 'A.07.00', 'B.01.00', 'C.01.00'] as const;
