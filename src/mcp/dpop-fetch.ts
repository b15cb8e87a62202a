/**
 * @module mcp/dpop-fetch
 *
 * DPoP for MCP clients (SEP-1932: RFC 9449 as it is, no MCP-specific
 * claims). The MCP SDK's client transports take a `fetch` option but send
 * only Bearer tokens; this wraps a `fetch` so that every request carries
 * `Authorization: DPoP <token>` and a fresh proof bound to its method and
 * URL (`htm`, `htu`) and to the token (`ath`). When a server asks for a
 * nonce (RFC 9449 §9: 401 with `WWW-Authenticate: DPoP
 * error="use_dpop_nonce"`; §8 at a token endpoint: 400 `use_dpop_nonce`),
 * the request is sent once more with a proof carrying the server's
 * `DPoP-Nonce`, and that nonce is kept, per origin, for the next requests.
 */

import { createDpopProof, htuOf, type DpopKeyPair } from '../oauth/dpop.js';
import { assertFunction } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';

/** The `fetch` shape the MCP SDK's transports accept (their `FetchLike`), and a `Request` as well. */
export type McpFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface DpopFetchOptions {
  /** The access token, or a function giving the current one (called per request, so a renewed token is picked up). */
  token: string | (() => string | Promise<string>);
  /** The key the token is bound to (`cnf.jkt`): `generateDpopKey()`, `dpopKeyFromPrivateJwk(...)` or the agent's own key. */
  key: DpopKeyPair;
  /** The `fetch` to send with (called with a URL and an init); default the global one. */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /** For `iat`; default the system clock. */
  clock?: Clock;
}

/**
 * A `fetch` that adds DPoP to every request, for the MCP SDK's
 * `StreamableHTTPClientTransport` (its `fetch` option).
 *
 * @example
 * ```ts
 * const key = dpopKeyFromPrivateJwk(token.dpop.privateJwk);
 * const transport = new StreamableHTTPClientTransport(new URL('https://bank.example/mcp'), {
 *   fetch: dpopFetch({ token: () => token.accessToken, key }),
 * });
 * await new Client({ name: 'alice', version: '1.0.0' }).connect(transport);
 * ```
 */
export function dpopFetch(options: DpopFetchOptions): McpFetch {
  const { key } = options;
  if (key === null || typeof key !== 'object' || typeof key.sign !== 'function') throw new TypeError('key must be a DpopKeyPair');
  const send = options.fetch ?? ((url: string | URL | Request, init?: RequestInit) => fetch(url, init));
  assertFunction(send, 'fetch');
  const tokenOf = typeof options.token === 'function' ? options.token : (): string => options.token as string;
  if (typeof options.token !== 'function' && (typeof options.token !== 'string' || options.token.length === 0)) {
    throw new TypeError('token must be a non-empty string or a function');
  }
  // RFC 9449 §8, §9: nonces are per server; a client keeps the newest one each server gave it.
  const nonces = new Map<string, string>();

  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const accessToken = await tokenOf();
    // A Request's body is read once here, so that the nonce retry can send it again.
    const body = init?.body ?? (input instanceof Request && input.body !== null ? await input.arrayBuffer() : undefined);
    const attempt = async (nonce: string | undefined): Promise<Response> => {
      const proof = await createDpopProof({
        key,
        htm: method,
        htu: htuOf(url.href),
        accessToken,
        ...(nonce === undefined ? {} : { nonce }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
      const headers = new Headers(input instanceof Request ? input.headers : undefined);
      new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
      headers.set('authorization', `DPoP ${accessToken}`);
      headers.set('dpop', proof);
      return send(input instanceof Request ? input.url : input, { ...init, method, headers, ...(body === undefined ? {} : { body }) });
    };

    const first = await attempt(nonces.get(url.origin));
    const nonce = first.headers.get('dpop-nonce');
    if (nonce === null || nonce.length === 0) return first;
    nonces.set(url.origin, nonce);
    // A stream can be sent only once: without a replayable body the caller gets the answer as it is.
    if (body instanceof ReadableStream || !(await asksForNonce(first))) return first;
    await first.body?.cancel();
    return attempt(nonce);
  };
}

/** True for a server's request to retry with its nonce: a resource server's 401 or a token endpoint's 400. */
async function asksForNonce(response: Response): Promise<boolean> {
  if (response.status === 401) return /\berror\s*=\s*"?use_dpop_nonce\b/i.test(response.headers.get('www-authenticate') ?? '');
  if (response.status !== 400) return false;
  // The token endpoint's error is in its JSON body (RFC 6749 §5.2); read a copy, so the caller can still read it.
  const body = (await response.clone().json().catch(() => undefined)) as { error?: unknown } | undefined;
  return body?.error === 'use_dpop_nonce';
}
