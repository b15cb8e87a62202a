/**
 * @module credential/schema
 *
 * JSON Schema validation of credentials against the `$id`-versioned schemas
 * in `schemas/`, compiled once per process (Ajv, draft 2020-12).
 */

import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { InputError } from '../errors/index.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
type AddFormats = (ajv: Ajv2020, formats: string[]) => Ajv2020;
const addFormats = ((formatsPlugin as unknown as { default?: AddFormats }).default ??
  (formatsPlugin as unknown as AddFormats));

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);
const compiled = new Map<string, ValidateFunction>();
let ajv: Ajv2020 | undefined;

function validator(file: string): ValidateFunction {
  let validate = compiled.get(file);
  if (validate === undefined) {
    ajv ??= addFormats(new Ajv2020({ allErrors: true, strict: true, strictTuples: false, allowUnionTypes: true }), ['date-time', 'uri']);
    const schema = JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as { $id?: string };
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
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Every schema violation of `value` (at most ten), as `ERR_SCHEMA` errors; empty when valid. */
export function schemaErrors(file: string, value: unknown): InputError[] {
  const validate = validator(file);
  if (validate(value)) return [];
  return (validate.errors ?? []).slice(0, MAX_REPORTED).map(
    (e) => new InputError('ERR_SCHEMA', describe(e), { claim: e.instancePath || '/', reason: e.keyword }),
  );
}

/** Throws the first schema violation, listing all of them in the message. */
export function assertSchema(file: string, value: unknown, what: string): void {
  const errors = schemaErrors(file, value);
  if (errors.length > 0) {
    throw new InputError('ERR_SCHEMA', `${what} does not match its schema: ${errors.map((e) => e.message).join('; ')}`, {
      claim: errors[0]!.claim ?? '/',
    });
  }
}

export const CAPABILITY_SCHEMA_FILE = 'agent-capability-credential.json';
