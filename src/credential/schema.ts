/**
 * @module credential/schema
 *
 * JSON Schema validation of credentials against the `$id`-versioned schemas
 * in `schemas/`, compiled once per process (Ajv, draft 2020-12).
 */

import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { legateError, type InputError } from '../errors/index.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
type AddFormats = (ajv: Ajv2020, formats: string[]) => Ajv2020;
const addFormats = ((formatsPlugin as unknown as { default?: AddFormats }).default ??
  (formatsPlugin as unknown as AddFormats));

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);
const compiled = new Map<string, ValidateFunction>();
/** Files whose references are being compiled, so a cycle of references ends. */
const loading = new Set<string>();
let ajv: Ajv2020 | undefined;

/** `$id`s are `https://legate.dev/schemas/<name>/<version>.json`, kept in `schemas/<name>.json`. */
const SCHEMA_ID = /^https:\/\/legate\.dev\/schemas\/([a-z0-9-]+)\/[^/#]+\.json(?:#.*)?$/;

/** The files of the other schemas `value` refers to by `$id` (so one definition, such as a capability, has one home). */
function referencedFiles(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencedFiles(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      const match = key === '$ref' && typeof inner === 'string' ? SCHEMA_ID.exec(inner) : null;
      if (match) found.add(`${match[1]}.json`);
      else referencedFiles(inner, found);
    }
  }
  return found;
}

/** A schema of `schemas/` as parsed JSON (read each time: callers keep what they derive from it). */
export function readSchemaFile(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as unknown;
}

function validator(file: string): ValidateFunction {
  let validate = compiled.get(file);
  if (validate === undefined) {
    ajv ??= addFormats(new Ajv2020({ allErrors: true, strict: true, strictTuples: false, allowUnionTypes: true }), ['date-time', 'uri']);
    const schema = readSchemaFile(file) as { $id?: string };
    // Compiling a schema registers its $id, so compile what this one refers to first.
    loading.add(file);
    try {
      for (const referenced of referencedFiles(schema)) if (!loading.has(referenced)) validator(referenced);
    } finally {
      loading.delete(file);
    }
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      // Ajv registers the $id before compiling; forget it so a fixed schema can compile later.
      if (schema.$id !== undefined) ajv.removeSchema(schema.$id);
      throw error;
    }
    compiled.set(file, validate);
  }
  return validate;
}

const MAX_REPORTED = 10;

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  // Name the unknown property: "must NOT have additional properties" alone does not say which.
  const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty?: unknown }).additionalProperty : undefined;
  if (typeof extra === 'string') return `${where} has an unknown property '${extra.slice(0, 64)}'`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Every schema violation of `value` (at most ten), as `ERR_SCHEMA` errors; empty when valid. */
export function schemaErrors(file: string, value: unknown): InputError[] {
  const validate = validator(file);
  if (validate(value)) return [];
  return (validate.errors ?? []).slice(0, MAX_REPORTED).map(
    (e) => legateError('ERR_SCHEMA', describe(e), { claim: e.instancePath || '/', reason: e.keyword }),
  );
}

/** Throws the first schema violation, listing all of them in the message. */
export function assertSchema(file: string, value: unknown, what: string): void {
  const errors = schemaErrors(file, value);
  if (errors.length > 0) {
    throw legateError('ERR_SCHEMA', `${what} does not match its schema: ${errors.map((e) => e.message).join('; ')}`, {
      claim: errors[0]!.claim ?? '/',
    });
  }
}

export const CAPABILITY_SCHEMA_FILE = 'agent-capability-credential.json';

/** A list of capabilities, each as in a capability credential (`legate cap issue --capabilities`, admin bodies). */
export const CAPABILITIES_SCHEMA_FILE = 'capabilities.json';
