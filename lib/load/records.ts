/** What is wrong with one field of a record, and how to fix it. */
export interface Problem {
  /** The element path (`/ListaDID/DID/DataDichiarazione`), attribute (`…/@dataInizio`) or NDJSON field (`value.dataInvio`); empty for the whole record. */
  readonly field: string;
  /** A sentence for whoever fixes the file: what is wrong and what to write instead. */
  readonly message: string;
}

/** A record mapped onto its Avro value, or every problem that stopped it. */
export type Mapped<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly Problem[] };
