import { readFileSync } from 'node:fs';
import { feedSchemaFile, schemaFile, type DocumentKind, type Feed } from '../../contracts/xml/schemas';
import { compileSchema, type SchemaModel } from './xsd-model';

const compiled = new Map<string, SchemaModel>();

/** The compiled model of a schema file (compiled once per process). */
function modelOf(file: string): SchemaModel {
  let model = compiled.get(file);
  if (model === undefined) {
    model = compileSchema(readFileSync(file, 'utf8'));
    compiled.set(file, model);
  }
  return model;
}

/** The compiled model of a document's schema. */
export const schemaModel = (kind: DocumentKind): SchemaModel => modelOf(schemaFile[kind]);

/** The compiled model of a feed's schema. */
export const feedSchemaModel = (feed: Feed): SchemaModel => modelOf(feedSchemaFile[feed]);
