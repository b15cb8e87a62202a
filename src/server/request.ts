/**
 * @module server/request
 *
 * Reading request bodies: bounded (the body-limit middleware caps bytes;
 * this caps nesting depth) and always a JSON object, else `ERR_MALFORMED`.
 */

import type { Context } from 'hono';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { parseJson } from '../lib/json.js';

/** The request body as a JSON object. */
export async function jsonBody(c: Context, maxLength: number): Promise<Record<string, unknown>> {
  const value = parseJson(await c.req.text(), 'request body', { maxLength });
  if (!isRecord(value)) throw legateError('ERR_MALFORMED', 'the request body must be a JSON object', { claim: 'body' });
  return value;
}

/** A required string field of a body. */
export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw legateError('ERR_INVALID_ARGUMENT', `${name} must be a non-empty string`, { claim: name });
  }
  return value;
}

/** An optional string field of a body. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  return body[name] === undefined ? undefined : stringField(body, name);
}
