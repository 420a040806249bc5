import { createHmac } from 'node:crypto';

/**
 * Where personal data may go (rule 7 of the exchange, data minimisation: what identifies a person goes only to a
 * destination that needs it): one table, read by the renderers of every destination, so the policy is readable in
 * one place and a test holds each renderer to it.
 */

/** The parties the node sends data to. */
export const Destinations = {
  /** A regional node (and the national portal's node, 00): public offices exchanging the standard's documents. */
  node: 'node',
  /** EURES, outside Italy. */
  eures: 'eures',
  /** The anonymous projection any portal may publish (ncn.public). */
  public: 'public',
  /** The audit trail (ncn.audit). */
  audit: 'audit',
} as const;
export type Destination = (typeof Destinations)[keyof typeof Destinations];

/** What may happen to a field on its way to a destination. */
export type Allowance =
  | 'yes'
  /** Only as a keyed hash (HMAC with the node's audit key). */
  | 'hash'
  /** Only when the item is intermediated and the intermediary asked to be shown (visibilita SI). */
  | 'if-visible'
  /** Only to the one node a contact message is addressed to (the item's owner, or the sender of the 03 answered). */
  | 'addressee'
  | 'no';

/** The personal fields of the items, by what they are rather than where the standard puts them. */
export const PersonalFields = {
  workerCodiceFiscale: 'the worker\u2019s codice fiscale',
  workerName: 'the worker\u2019s surname and name',
  workerBirth: 'the worker\u2019s birth date and place',
  workerContacts: 'the worker\u2019s address, phone, mobile, fax and e-mail',
  workerPlace: 'the region and province of the worker\u2019s domicile',
  employerCodiceFiscale: 'the employer\u2019s codice fiscale or VAT number',
  employerName: 'the employer\u2019s name',
  employerContacts: 'the employer\u2019s address, phone, fax and e-mail',
  intermediaryContact: 'the intermediary\u2019s name, address, phone and e-mail',
  messageSender: 'the codice fiscale, name, address, comune, phone and e-mail of a contact message\u2019s sender',
  messageText: 'the text of a contact message',
} as const;
export type PersonalField = keyof typeof PersonalFields;

/** The policy. A change here changes what the renderers write; `contracts/policy.test.ts` holds them to it. */
export const FieldPolicy: Readonly<Record<PersonalField, Readonly<Record<Destination, Allowance>>>> = {
  workerCodiceFiscale: { node: 'yes', eures: 'no', public: 'no', audit: 'hash' },
  workerName: { node: 'yes', eures: 'no', public: 'no', audit: 'no' },
  workerBirth: { node: 'yes', eures: 'no', public: 'no', audit: 'no' },
  workerContacts: { node: 'yes', eures: 'no', public: 'no', audit: 'no' },
  workerPlace: { node: 'yes', eures: 'yes', public: 'yes', audit: 'no' },
  employerCodiceFiscale: { node: 'yes', eures: 'no', public: 'no', audit: 'hash' },
  employerName: { node: 'yes', eures: 'yes', public: 'no', audit: 'no' },
  employerContacts: { node: 'yes', eures: 'no', public: 'no', audit: 'no' },
  intermediaryContact: { node: 'yes', eures: 'yes', public: 'if-visible', audit: 'no' },
  messageSender: { node: 'addressee', eures: 'no', public: 'no', audit: 'no' },
  messageText: { node: 'addressee', eures: 'no', public: 'no', audit: 'no' },
};

/** Whether a field goes to a destination as it is. */
export const allows = (destination: Destination, field: PersonalField): boolean =>
  FieldPolicy[field][destination] === 'yes';

/** Whether a field goes to the node a contact message is addressed to (and to no other node). */
export const allowsToAddressee = (field: PersonalField): boolean =>
  FieldPolicy[field].node === 'addressee' || FieldPolicy[field].node === 'yes';

/** Whether a field goes to a destination when the item is intermediated with visibilita SI. */
export const allowsIfVisible = (destination: Destination, field: PersonalField): boolean =>
  FieldPolicy[field][destination] === 'yes' || FieldPolicy[field][destination] === 'if-visible';

/**
 * The keyed hash of a codice fiscale, the only form in which the audit trail may hold one ('hash' above):
 * HMAC-SHA256 with the node's audit key, hex, of the code trimmed and upper-cased.
 */
export const subjectHash = (key: string, codiceFiscale: string): string =>
  createHmac('sha256', key).update(codiceFiscale.trim().toUpperCase()).digest('hex');
