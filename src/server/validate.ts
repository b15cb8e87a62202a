/**
 * @module server/validate
 *
 * Request bodies checked against their JSON Schema in `schemas/`, through
 * hono's `validator('json', …)`, so a route's handler reads the typed value
 * with `c.req.valid('json')` and never casts. Two middlewares per route:
 * {@link readJson} reads the body with Legate's bounds (`parseJson`: size
 * and nesting depth, `ERR_MALFORMED`, `ERR_INPUT_TOO_LARGE`), which hono's
 * own `c.req.json()` does not have, and {@link schemaBody} hands the parsed
 * value to the schema's Ajv validator (compiled once per process, on the
 * first request that needs it): any violation, an unknown property first
 * among them, is `ERR_SCHEMA` with `claim` naming where.
 */

import type { MiddlewareHandler } from 'hono';
import { validator } from 'hono/validator';
import { assertSchema } from '../credential/schema.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { parseJson } from '../lib/json.js';

/** The media types hono's `validator('json')` parses; other bodies it would see as `{}`. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Reads and bounds the body before hono's validator parses it.
 * `optional`: an empty body stands for `{}` (routes that take none).
 *
 * @throws InputError `ERR_MALFORMED` for invalid JSON, a body that is not an
 * object, or a body sent as another media type than JSON (hono would read it
 * as `{}`, so `{"force":true}` as `text/plain` would slip past the schema);
 * `ERR_INPUT_TOO_LARGE` over `maxLength` or the nesting limit.
 */
export function readJson(maxLength: number, { optional = false }: { optional?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    const text = await c.req.text();
    if (optional && text.trim() === '') {
      // Without a JSON media type hono sees {}; with one, its json() parses the cached text, so make that {}.
      // (hono types its body cache loosely; at run time it holds the body's promises.)
      (c.req.bodyCache as unknown as { text?: Promise<string> }).text = Promise.resolve('{}');
    } else {
      const value = parseJson(text, 'request body', { maxLength });
      if (!isRecord(value)) throw legateError('ERR_MALFORMED', 'the request body must be a JSON object', { claim: 'body' });
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
      if (!JSON_MEDIA_TYPE.test(mediaType)) {
        throw legateError('ERR_MALFORMED', 'the request body must be sent as application/json', { claim: 'content-type' });
      }
    }
    await next();
  };
}

/**
 * hono's JSON validator for the schema `schemas/<file>`; the handler's
 * `c.req.valid('json')` is a `T`, which the schema's tests keep equal to it.
 */
export function schemaBody<T>(file: string) {
  return validator('json', (value): T => {
    assertSchema(file, value, 'the request body');
    return value as T;
  });
}
