/**
 * @module resource-server/routes
 *
 * From a concrete HTTP request to the Legate capability it needs, through
 * the mapping the service supplies: a function, or a table keyed
 * `"<METHOD> <path>"` whose paths may name segments (`/tickets/:id`).
 * The body is read only when the service asks for it, from a clone (the
 * handler can still read the original), within a byte bound. Whatever the
 * mapping answers is checked here, so a sloppy mapping fails closed:
 * a target, or the exact answer {@link AUTHENTICATED} (a valid token is
 * enough), nothing else.
 */

import { isValidMoney } from '../capability/money.js';
import { isConcreteAction, isConcreteResource } from '../capability/match.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { readBounded } from '../lib/http.js';
import { parseJson } from '../lib/json.js';
import { AUTHENTICATED, type RouteAnswer, type RouteFunction, type RouteMapping, type RouteRequest } from './types.js';

interface CompiledRoute {
  method: string;
  segments: string[];
  target: RouteAnswer | RouteFunction;
}

/** Finds the target of a request: `undefined` when the mapping covers no such route. */
export type RouteResolver = (request: RouteRequest) => Promise<RouteAnswer | undefined>;

/**
 * Compiles a mapping once, at construction, so a malformed table key is a
 * configuration error and not a refusal at run time.
 * @throws TypeError for a mapping that is neither a function nor a table, RangeError for a malformed key.
 */
export function routeResolver(mapping: RouteMapping): RouteResolver {
  if (typeof mapping === 'function') return async (request) => checkedTarget(await mapping(request));
  if (!isRecord(mapping)) throw new TypeError('routes must be a function or a table of "<METHOD> <path>" keys');
  const routes: CompiledRoute[] = Object.entries(mapping).map(([key, target]) => {
    const match = /^([A-Z]+|\*) (\/\S*)$/.exec(key);
    if (!match) throw new RangeError(`routes: "${key}" is not "<METHOD> <path>"`);
    if (typeof target !== 'function' && target !== AUTHENTICATED && !isRecord(target)) throw new TypeError(`routes["${key}"] must be a target, '${AUTHENTICATED}' or a function`);
    return { method: match[1]!, segments: match[2]!.split('/'), target };
  });
  return async (request) => {
    const segments = request.path.split('/');
    for (const route of routes) {
      if (route.method !== '*' && route.method !== request.method) continue;
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      const { target } = route;
      return checkedTarget(typeof target === 'function' ? await target({ ...request, params }) : target);
    }
    return undefined;
  };
}

function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const want = pattern[i]!;
    const have = path[i]!;
    if (want.startsWith(':') && want.length > 1) {
      if (have.length === 0) return undefined;
      params[want.slice(1)] = have;
    } else if (want !== have) return undefined;
  }
  return params;
}

/** A target as the mapping gave it, checked: {@link AUTHENTICATED}, or a concrete action and resource, a non-empty scope, valid Money. */
function checkedTarget(target: RouteAnswer | undefined): RouteAnswer | undefined {
  if (target === undefined || target === AUTHENTICATED) return target;
  const bad = (message: string) => legateError('ERR_INVALID_ARGUMENT', `route mapping: ${message}`, { claim: 'routes' });
  if (!isRecord(target) || typeof target.action !== 'string' || typeof target.resource !== 'string') throw bad('a target needs string action and resource');
  if (!isConcreteAction(target.action)) throw bad('the action must be a concrete name');
  if (!isConcreteResource(target.resource)) throw bad('the resource must be concrete (no wildcard, no empty segment)');
  if (target.scope !== undefined && (typeof target.scope !== 'string' || target.scope.length === 0)) throw bad('the scope must be a non-empty string');
  if (target.amount !== undefined && !isValidMoney(target.amount)) throw bad('the amount must be Money { value, currency }');
  const { action, resource, scope, amount } = target;
  return { action, resource, ...(scope === undefined ? {} : { scope }), ...(amount === undefined ? {} : { amount }) };
}

/**
 * The parsed body of a request for the mapping: JSON, or a form as an
 * object; `undefined` for no body or another type. Read from a clone.
 * @throws InputError `ERR_INPUT_TOO_LARGE` past `maxBytes`, `ERR_MALFORMED` for invalid JSON.
 */
export async function readBody(request: Request, maxBytes: number): Promise<unknown> {
  if (request.body === null || request.method === 'GET' || request.method === 'HEAD') return undefined;
  const contentType = request.headers.get('content-type');
  if (bodyKind(contentType) === undefined) return undefined;
  const declared = request.headers.get('content-length');
  const tooLarge = () => legateError('ERR_INPUT_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`, { claim: 'body' });
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  const bytes = await readBounded(new Response(request.clone().body), maxBytes, new AbortController().signal, tooLarge);
  return parseBodyText(contentType, new TextDecoder().decode(bytes));
}

function bodyKind(contentType: string | null | undefined): 'json' | 'form' | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  return type === 'application/x-www-form-urlencoded' ? 'form' : undefined;
}

/**
 * A body's text parsed by its content type: JSON (bounded), a form as an
 * object, `undefined` for an empty body or any other type.
 * @throws InputError `ERR_MALFORMED` for invalid JSON, `ERR_INPUT_TOO_LARGE` for too deep.
 */
export function parseBodyText(contentType: string | null | undefined, text: string): unknown {
  const kind = bodyKind(contentType);
  if (kind === undefined || text.length === 0) return undefined;
  if (kind === 'form') return Object.fromEntries(new URLSearchParams(text));
  return parseJson(text, 'body', { maxLength: text.length });
}
