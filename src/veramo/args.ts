/**
 * @module veramo/args
 *
 * Reading the arguments of the plugin's methods. A Veramo agent validates
 * them against the plugin schema only when created with `schemaValidation`,
 * and a remote caller sends whatever JSON it likes, so every method reads
 * its arguments through these helpers: a missing or mistyped argument is an
 * `InputError` `ERR_INVALID_ARGUMENT` naming it (`claim`). The library's own
 * `TypeError` / `RangeError` for a bad value become the same code. Internal
 * to the plugin.
 */

import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { checkArguments } from './check.js';

const invalid = (claim: string, message: string) => legateError('ERR_INVALID_ARGUMENT', `${claim} ${message}`, { claim });

/**
 * The method's single arguments object, checked against the schema
 * `schemaName` of the plugin schema (unknown properties refused).
 */
export function argsOf(value: unknown, method: string, schemaName: string): Record<string, unknown> {
  return checkArguments(value, method, schemaName);
}

/** A non-empty string. */
export function requiredString(args: Record<string, unknown>, name: string, claim = name): string {
  const value = args[name];
  if (typeof value !== 'string' || value.length === 0) throw invalid(claim, 'must be a non-empty string');
  return value;
}

export function optionalString(args: Record<string, unknown>, name: string, claim = name): string | undefined {
  return args[name] === undefined ? undefined : requiredString(args, name, claim);
}

/** A DID (`did:<method>:<id>`). */
export function requiredDid(args: Record<string, unknown>, name: string, claim = name): string {
  const value = requiredString(args, name, claim);
  if (!/^did:[a-z0-9]+:\S+$/.test(value)) throw invalid(claim, 'must be a DID');
  return value;
}

/** One of `values`, when present. */
export function optionalChoice<T extends string>(args: Record<string, unknown>, name: string, values: readonly T[], claim = name): T | undefined {
  const value = args[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) throw invalid(claim, `must be one of ${values.join(', ')}`);
  return value as T;
}

/**
 * A secured credential: a compact JWS, or a Data Integrity credential as
 * an object or its JSON text (the library tells the forms apart).
 */
export function securedValue(value: unknown, claim: string): string | Record<string, unknown> {
  if ((typeof value === 'string' && value.length > 0) || isRecord(value)) return value;
  throw invalid(claim, 'must be a credential: a vc+jwt, or a Data Integrity credential (object or JSON)');
}

/** An array of between `min` and `max` secured credentials. */
export function securedArray(value: unknown, claim: string, min: number, max: number): (string | Record<string, unknown>)[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    throw invalid(claim, `must be an array of ${min} to ${max} credentials`);
  }
  return value.map((item, i) => securedValue(item, `${claim}[${i}]`));
}

/** An object. */
export function requiredRecord(args: Record<string, unknown>, name: string, claim = name): Record<string, unknown> {
  const value = args[name];
  if (!isRecord(value)) throw invalid(claim, 'must be an object');
  return value;
}

/** An object, when present. */
export function optionalRecord(args: Record<string, unknown>, name: string, claim = name): Record<string, unknown> | undefined {
  return args[name] === undefined ? undefined : requiredRecord(args, name, claim);
}

/** An array of objects (their content is the library's to check). */
export function requiredRecords<T>(args: Record<string, unknown>, name: string, claim = name): T[] {
  const value = args[name];
  if (!Array.isArray(value) || !value.every(isRecord)) throw invalid(claim, 'must be an array of objects');
  return value as T[];
}

/** An array of objects, when present. */
export function optionalRecords<T>(args: Record<string, unknown>, name: string, claim = name): T[] | undefined {
  return args[name] === undefined ? undefined : requiredRecords<T>(args, name, claim);
}

/** An integer from `min` to `max`, when present. */
export function optionalInteger(args: Record<string, unknown>, name: string, min: number, max: number, claim = name): number | undefined {
  const value = args[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(claim, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function optionalBoolean(args: Record<string, unknown>, name: string, claim = name): boolean | undefined {
  const value = args[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(claim, 'must be a boolean');
  return value;
}

/** An ISO 8601 date-time with a zone, when present. */
export function optionalDate(args: Record<string, unknown>, name: string, claim = name): Date | undefined {
  const value = optionalString(args, name, claim);
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid(claim, 'must be an ISO 8601 date-time with a time zone');
  }
  return new Date(value);
}

/**
 * Runs a library call, turning its `TypeError` / `RangeError` for a bad
 * argument into `ERR_INVALID_ARGUMENT` (LegateErrors pass unchanged).
 */
export async function withArgumentErrors<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw legateError('ERR_INVALID_ARGUMENT', error.message, { cause: error });
    }
    throw error;
  }
}
