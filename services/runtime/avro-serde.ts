import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Schema as AvroSchema } from 'avsc';
import { ErrorCode, NcnError } from './errors';

/** Every subject is registered with BACKWARD compatibility: a consumer on a newer schema reads every older record. */
export const SubjectCompatibility = COMPATIBILITY.BACKWARD;

/** The Confluent wire format: magic byte 0, then the schema id as a 4-byte big-endian integer, then Avro. */
export const WireFormat = { magicByte: 0, headerLength: 5 } as const;

/** How long one registry request may take. */
const RegistryTimeoutMs = 10_000;

/** TopicNameStrategy: the value schema of topic T is registered under `T-value`. */
export const valueSubject = (topic: string): string => `${topic}-value`;

/**
 * Avro values in the Confluent wire format, with schemas held by a Confluent-compatible registry.
 * Schemas are fetched by id on decode and cached by the registry client.
 */
export class AvroSerde {
  readonly #registry: SchemaRegistry;
  readonly #url: string;

  constructor(registryUrl: string) {
    this.#url = registryUrl.replace(/\/+$/, '');
    this.#registry = new SchemaRegistry({ host: this.#url, clientId: 'ncn', retry: { retries: 2 } });
  }

  /**
   * Registers a schema under a subject with BACKWARD compatibility and returns its id. Registering the same
   * schema again returns the same id; an incompatible one is refused with a permanent NCN_SCHEMA error.
   * Processes registering a new subject at once (instances of a service starting together) race to give it its
   * rule: the registry refuses the second rule ("already exists"), though the schema is registered and the rule
   * is the one wanted; or one sees the subject before its creator gave it the rule (the registry's default
   * answers). Either is answered by registering again, which then finds both (see isRegistrationRace).
   */
  async register(subject: string, schema: AvroSchema): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      await this.#alignCompatibility(subject);
      try {
        const { id } = await this.#registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: SubjectCompatibility },
        );
        return id;
      } catch (error) {
        const status = httpStatus(error);
        if (attempt < 5 && isRegistrationRace(status, messageOf(error))) continue;
        if (status === 409 || status === 422) {
          throw new NcnError(ErrorCode.Schema, `The registry refused the schema for ${subject}: ${messageOf(error)}`, {
            cause: error,
          });
        }
        throw new NcnError(ErrorCode.Unavailable, `Could not register a schema for ${subject}: ${messageOf(error)}`, {
          retriable: true,
          cause: error,
        });
      }
    }
  }

  /** Encodes a value with a registered schema id into the wire format. */
  async encode(schemaId: number, value: unknown): Promise<Buffer> {
    return this.#registry.encode(schemaId, value);
  }

  /**
   * Decodes wire-format bytes, fetching the writer's schema by id. Bytes that are not Avro of that schema, or
   * name a schema id the registry does not have (404), are a permanent NCN_DECODE error; a registry that does
   * not answer is a retriable NCN_UNAVAILABLE (the registry client reports network failures with an HTTP-like
   * status too, so only 404 counts as permanent).
   */
  async decode<T = unknown>(bytes: Buffer): Promise<T> {
    if (bytes.length < WireFormat.headerLength || bytes[0] !== WireFormat.magicByte) {
      throw new NcnError(ErrorCode.Decode, 'Not a Confluent wire-format value (missing magic byte 0 and schema id)');
    }
    try {
      return (await this.#registry.decode(bytes)) as T;
    } catch (error) {
      const status = httpStatus(error);
      if (status === undefined || status === 404) {
        throw new NcnError(ErrorCode.Decode, `Could not decode an Avro value: ${messageOf(error)}`, { cause: error });
      }
      throw new NcnError(ErrorCode.Unavailable, `The schema registry did not serve the schema: ${messageOf(error)}`, {
        retriable: true,
        cause: error,
      });
    }
  }

  /** The schema (as JSON text) registered under an id. */
  async schemaById(id: number): Promise<string> {
    const response = await this.#fetch(`${this.#url}/schemas/ids/${id}`);
    if (response.status === 404) throw new NcnError(ErrorCode.Schema, `No schema with id ${id}`);
    if (!response.ok) {
      throw new NcnError(ErrorCode.Unavailable, `Registry answered HTTP ${response.status} for schema ${id}`, {
        retriable: true,
      });
    }
    const body = (await response.json()) as { schema: string };
    return body.schema;
  }

  /** fetch with a time limit; a network failure is a retriable NCN_UNAVAILABLE. */
  async #fetch(url: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(RegistryTimeoutMs) });
    } catch (error) {
      throw new NcnError(
        ErrorCode.Unavailable,
        `The schema registry at ${this.#url} did not answer: ${messageOf(error)}`,
        {
          retriable: true,
          cause: error,
        },
      );
    }
  }

  /**
   * The registry client compares the subject's compatibility with the one asked for and throws when they
   * differ. Registries that answer a subject without its own rule with the global default (Apicurio answers
   * NONE) would trip it, so an existing subject gets its own BACKWARD rule first. A new subject (404) is left
   * to the client, which sets the rule right after the first registration.
   */
  async #alignCompatibility(subject: string): Promise<void> {
    const configUrl = `${this.#url}/config/${encodeURIComponent(subject)}`;
    const current = await this.#fetch(configUrl);
    if (current.status === 404) return;
    if (!current.ok) {
      throw new NcnError(ErrorCode.Unavailable, `Registry answered HTTP ${current.status} for ${configUrl}`, {
        retriable: true,
      });
    }
    const { compatibilityLevel } = (await current.json()) as { compatibilityLevel?: string };
    if (compatibilityLevel?.toUpperCase() === SubjectCompatibility) return;
    const updated = await this.#fetch(configUrl, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: SubjectCompatibility }),
    });
    if (updated.ok) return;
    // Another process gave the subject its rule meanwhile (the registry refuses a second one): what counts is
    // that the rule is the one wanted.
    if (updated.status === 409 && (await this.#compatibilityOf(configUrl)) === SubjectCompatibility) return;
    throw new NcnError(ErrorCode.Schema, `Could not set ${SubjectCompatibility} on ${subject}: HTTP ${updated.status}`);
  }

  /** A subject's own compatibility rule, upper case; undefined when it has none or the registry does not say. */
  async #compatibilityOf(configUrl: string): Promise<string | undefined> {
    const response = await this.#fetch(configUrl);
    if (!response.ok) return undefined;
    const { compatibilityLevel } = (await response.json()) as { compatibilityLevel?: string };
    return compatibilityLevel?.toUpperCase();
  }
}

/**
 * A registration that lost a race with another process registering the same new subject: its rule was created
 * meanwhile (HTTP 409, "A rule named 'COMPATIBILITY' already exists"), or the registry client read the subject's
 * compatibility before its creator set it ("Compatibility does not match the configuration (BACKWARD != NONE)").
 */
function isRegistrationRace(status: number | undefined, message: string): boolean {
  return (
    (status === 409 && /rule.*already exists/i.test(message)) ||
    (status === undefined && /Compatibility does not match/i.test(message))
  );
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return error.status;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
