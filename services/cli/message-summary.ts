import { validateDocument } from '../../lib/xml/validate';

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * One line about a contact message for an operator reading a node's deliveries: its type and code, the item, the
 * message it answers, who wrote it and how to reach them, and the start of its text. Undefined for anything that is
 * not a valid Messaggio.
 */
export function messageSummary(xml: string): string | undefined {
  const submission = validateDocument(Buffer.from(xml, 'utf8')).submission;
  if (submission?.kind !== 'Messaggio') return undefined;
  const { Mittente, Destinatario, Corpo, DatiSistema } = submission.document;
  const sender = Mittente.Interlocutore;
  const who = [sender.denominazione, sender.email ?? sender.telefono].filter((s) => s !== undefined).join(', ');
  const answers = DatiSistema.codicemessaggioprecedente;
  return (
    [
      DatiSistema.tipocomunicazione === '04' ? 'reply (04)' : 'interest (03)',
      DatiSistema.codicemessaggio,
      `about ${Destinatario.Interlocutore.codiceoffertacandidatura ?? '?'}`,
      ...(answers ? [`answering ${answers}`] : []),
      `from ${who || `a party of type ${Mittente.tiposoggetto}`}`,
      ...(Corpo.contattopositivo ? [`contact ${Corpo.contattopositivo === 'SI' ? 'accepted' : 'declined'}`] : []),
    ].join(' ') + `: "${cut(Corpo.testomessaggio.replace(/\s+/g, ' '), 200)}"`
  );
}
