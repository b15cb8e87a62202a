/**
 * @module veramo/check
 *
 * The plugin checks every call's arguments against the same schema it
 * gives Veramo ({@link schema}, derived from `schemas/plugin-arguments.json`),
 * since a Veramo agent validates only when created with `schemaValidation`
 * and a remote caller sends whatever JSON it likes. A violation, an unknown
 * property among them (a misspelt `validUntill` must not issue a
 * credential without an end), is `InputError` `ERR_INVALID_ARGUMENT` whose
 * `claim` names the argument (`request.resource`, `credentials[0]`). Ajv
 * compiles each method's schema once per process, on its first call.
 * Internal to the plugin.
 */

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { legateError } from '../errors/index.js';
import { schema } from './schema.js';

const BASE = 'https://legate.dev/veramo/plugin-schema.json';
const compiled = new Map<string, ValidateFunction>();
let ajv: Ajv2020 | undefined;

function validator(schemaName: string): ValidateFunction {
  let validate = compiled.get(schemaName);
  if (validate === undefined) {
    if (ajv === undefined) {
      // Veramo's `components` is not a JSON Schema keyword, only a place the $refs point into.
      ajv = new Ajv2020({ strictSchema: false, allowUnionTypes: true });
      ajv.addSchema({ $id: BASE, components: schema.components }, BASE);
    }
    validate = ajv.getSchema(`${BASE}#/components/schemas/${schemaName}`);
    if (validate === undefined) throw new Error(`no schema ${schemaName}`);
    compiled.set(schemaName, validate);
  }
  return validate;
}

/** `/request/resource` → `request.resource`; `/credentials/0` → `credentials[0]`. */
function claimOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const segments = error.instancePath.split('/').slice(1);
  const named = params.missingProperty ?? params.additionalProperty;
  if (named !== undefined) segments.push(named);
  const claim = segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path === '' ? s : `${path}.${s}`), '');
  return claim.slice(0, 128) || 'args';
}

/**
 * The method's single arguments object, checked against the schema `schemaName`.
 * @throws InputError `ERR_INVALID_ARGUMENT` naming the first argument at fault.
 */
export function checkArguments(value: unknown, method: string, schemaName: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw legateError('ERR_INVALID_ARGUMENT', `${method} takes one arguments object`, { claim: 'args' });
  }
  const validate = validator(schemaName);
  if (validate(value)) return value as Record<string, unknown>;
  const error = validate.errors![0]!;
  const claim = claimOf(error);
  const message = error.keyword === 'additionalProperties' ? `unknown argument ${JSON.stringify(claim)}` : `${claim} ${error.message ?? 'is invalid'}`;
  throw legateError('ERR_INVALID_ARGUMENT', message, { claim, reason: error.keyword });
}
