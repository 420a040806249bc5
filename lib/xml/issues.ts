/**
 * Stable codes of everything the validator can say about a document. The code is the contract (receipts and
 * the CLI carry it); the message is for a regional operator.
 */
export const IssueCode = {
  // Hardening, before any parsing.
  TooLarge: 'XML_TOO_LARGE',
  InvalidUtf8: 'XML_INVALID_UTF8',
  UnsupportedEncoding: 'XML_UNSUPPORTED_ENCODING',
  DoctypeForbidden: 'XML_DOCTYPE_FORBIDDEN',
  InvalidCharacter: 'XML_INVALID_CHARACTER',
  TooDeep: 'XML_TOO_DEEP',
  Malformed: 'XML_MALFORMED',
  // What the standard's schema checks.
  UnknownDocument: 'XSD_UNKNOWN_DOCUMENT',
  UnexpectedElement: 'XSD_UNEXPECTED_ELEMENT',
  MissingElement: 'XSD_MISSING_ELEMENT',
  AttributeNotAllowed: 'XSD_ATTRIBUTE_NOT_ALLOWED',
  MissingAttribute: 'XSD_MISSING_ATTRIBUTE',
  TextNotAllowed: 'XSD_TEXT_NOT_ALLOWED',
  ElementNotAllowed: 'XSD_CHILD_NOT_ALLOWED',
  Pattern: 'XSD_PATTERN',
  Enumeration: 'XSD_ENUMERATION',
  MinLength: 'XSD_MIN_LENGTH',
  MaxLength: 'XSD_MAX_LENGTH',
  Date: 'XSD_DATE',
  DateTime: 'XSD_DATETIME',
  Number: 'XSD_NUMBER',
  TotalDigits: 'XSD_TOTAL_DIGITS',
  // The rules beyond the schema.
  CodiceFiscaleCheck: 'CF_CHECK_CHARACTER',
  CodiceFiscaleInconsistent: 'CF_INCONSISTENT',
  ComuneUnknown: 'COMUNE_UNKNOWN',
  DomicileAbroad: 'DOMICILE_NOT_IN_ITALY',
  EndBeforeStart: 'DATE_END_BEFORE_START',
  CloseWithoutReason: 'CLOSE_WITHOUT_MOTIVOCHIUSURA',
  EmailRequired: 'EMAIL_REQUIRED',
  MessageItemMissing: 'MESSAGE_ITEM_MISSING',
  ReplyWithoutPrevious: 'REPLY_WITHOUT_PREVIOUS',
  // The rules of the exchange that ingest applies with what it knows of other submissions (rules 6, 8, 9).
  NotOwner: 'NOT_OWNER',
  ItemClosed: 'ITEM_CLOSED',
  PredecessorUnknown: 'PREDECESSOR_UNKNOWN',
  PredecessorSuperseded: 'PREDECESSOR_SUPERSEDED',
  KindMismatch: 'KIND_MISMATCH',
  CloseWithoutPredecessor: 'CLOSE_WITHOUT_PREDECESSOR',
  CodeReused: 'CODE_REUSED',
  IntermediaryUnknown: 'INTERMEDIARY_UNKNOWN',
  // The rules of contact messages (Messaggio): the item must be known and open, a reply must answer a message
  // of interest delivered to the node that replies, about the same item; a node writes to others' items only.
  MessageItemUnknown: 'MESSAGE_ITEM_UNKNOWN',
  MessageItemClosed: 'MESSAGE_ITEM_CLOSED',
  MessageItemExpired: 'MESSAGE_ITEM_EXPIRED',
  MessageOwnItem: 'MESSAGE_OWN_ITEM',
  ReplyNotReceived: 'REPLY_NOT_RECEIVED',
  ReplyItemMismatch: 'REPLY_ITEM_MISMATCH',
} as const;

export type IssueCode = (typeof IssueCode)[keyof typeof IssueCode];

/** One problem found in a document: errors reject it, warnings travel with it. */
export interface Issue {
  readonly code: IssueCode;
  readonly severity: 'error' | 'warning';
  /** Where: element names from the root, e.g. `/Candidatura/Lavoratore/DatiAnagrafici/codicefiscale`. */
  readonly path: string;
  readonly message: string;
}

export const error = (code: IssueCode, path: string, message: string): Issue => ({
  code,
  severity: 'error',
  path,
  message,
});

export const warning = (code: IssueCode, path: string, message: string): Issue => ({
  code,
  severity: 'warning',
  path,
  message,
});

/** The schema-level codes: the part of the verdict a real XSD validator also gives. */
export const isSchemaLevel = (issue: Issue): boolean => /^(XSD_|XML_)/.test(issue.code);
