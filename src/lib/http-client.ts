/**
 * @module lib/http-client
 *
 * The one outbound HTTP client: every request Legate makes (DID documents,
 * status and trust lists, POSTs to peers) goes through it, so every rule is
 * in one place. HTTPS only (plain HTTP just to loopback hosts, on the
 * `allowHttpLoopback` opt-in); an address policy (lib/address-policy)
 * checked on literal addresses here and on resolved ones in the connector;
 * one deadline for the whole exchange, headers and body; a byte bound on the
 * body, by `Content-Length` and by count; no redirects followed; keep-alive.
 * GETs that fail to reach their host (or are refused by policy, or answer
 * with a redirect or too large a body) are remembered for a cooldown, as
 * jose's remote key sets do, so one stranger's URL costs one attempt per
 * cooldown however often it is named. POSTs are a user's explicit request
 * and are always attempted. `createHttpClient` and its types are public,
 * re-exported by `legate/did`.
 */

import { LegateError, legateError } from '../errors/index.js';
import { integerOption } from './assert.js';
import { refusedRange, ipLiteral, type AddressPolicy, type AddressRange } from './address-policy.js';
import { systemClock, type Clock } from './clock.js';
import { isLoopbackHost, type FetchLike } from './http.js';
import { addressNotAllowed, peerTimeout, redirectRefused, responseTooLarge, TRANSPORT_CODES, transportFailure } from './http-errors.js';
import { checkedAddresses, fetchTransport, undiciTransport, type DnsLookup, type LookupAddress, type Transport } from './http-transport.js';
import { Cache } from './cache.js';

export type { AddressRange, DnsLookup, FetchLike, LookupAddress };

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Loopback addresses may be contacted, and plain HTTP used to loopback hosts. Default false. */
  allowHttpLoopback?: boolean | undefined;
  /** Explicitly allows an address the policy refuses (private, link-local, …); loopback stays under `allowHttpLoopback`. */
  allowAddress?: ((address: string, range: AddressRange) => boolean) | undefined;
  /** Resolves host names; default `dns.lookup` with every address. */
  lookup?: DnsLookup | undefined;
  /**
   * Carries requests instead of the built-in undici agent (tests). The
   * scheme, literal addresses and `localhost` are still checked first, and
   * host names too when `lookup` is given; the body bound, deadline,
   * redirect refusal and cooldown apply as usual.
   */
  fetch?: FetchLike | undefined;
  /** Deadline of one exchange (connect, headers, body) when the request names none, in ms. Default 10,000. */
  timeoutMs?: number | undefined;
  /** How long a failed GET is answered from the negative cache, in ms; 0 disables it. Default 30,000. */
  cooldownMs?: number | undefined;
  /** Most hosts and URLs remembered as failed. Default 1000. */
  cacheMaxEntries?: number | undefined;
  /** Clock of the cooldown. Default the system clock. */
  clock?: Clock | undefined;
}

/** A response: the status, its headers, and the body as read (empty when not read). */
export interface HttpResponse {
  status: number;
  header(name: string): string | undefined;
  body: Uint8Array;
}

export interface GetOptions {
  /** The `Accept` header. */
  accept: string;
  /** Sent as `If-None-Match`. */
  etag?: string | undefined;
  /** Largest body accepted, in bytes; only a 200's body is read. */
  maxBytes: number;
  timeoutMs?: number | undefined;
}

export interface PostOptions {
  /** Largest body accepted, in bytes; every response's body is read (a refusal carries a problem). */
  maxBytes: number;
  timeoutMs?: number | undefined;
  /** Extra request headers (an `Authorization`, say); `content-type` is always JSON. */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** The outbound HTTP client. Every method throws LegateErrors only (see lib/http-errors). */
export interface HttpClient {
  /**
   * GETs `url`. A `3xx` is refused, any other status is returned.
   * @throws `ERR_ADDRESS_NOT_ALLOWED`, `ERR_PEER_UNREACHABLE`, `ERR_PEER_TIMEOUT`,
   * `ERR_INPUT_TOO_LARGE`, `ERR_MALFORMED` (redirect), `ERR_INVALID_ARGUMENT` (scheme, URL).
   */
  get(url: string, options: GetOptions): Promise<HttpResponse>;
  /** POSTs JSON text to `url`; as `get`, without the cooldown. */
  postJson(url: string, json: string, options: PostOptions): Promise<HttpResponse>;
  /** POSTs an `application/x-www-form-urlencoded` form (OAuth endpoints, RFC 6749 §3.2) to `url`, with the extra headers (a `DPoP` proof, say) but its own `content-type`; as `postJson`. */
  postForm(url: string, form: URLSearchParams, options: PostOptions): Promise<HttpResponse>;
  /** Closes kept-alive connections. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_COOLDOWN_MS = 30_000;
const DEFAULT_CACHE_MAX_ENTRIES = 1000;

/**
 * `localhost.` and `*.localhost` (RFC 6761 §6.3: they resolve to loopback). The
 * built-in transport would refuse them after its lookup; an injected `fetch`
 * without a `lookup` resolves names itself, so they are refused here first.
 */
function isLocalhostName(host: string): boolean {
  let end = host.length;
  while (end > 0 && host[end - 1] === '.') end--; // not a regex: a long run of dots must cost linear time
  const name = host.slice(0, end).toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Creates an HTTP client with its own keep-alive pool and negative cache.
 * @throws TypeError / RangeError for invalid options.
 *
 * @example
 * ```ts
 * const http = createHttpClient({ allowHttpLoopback: true });
 * const response = await http.get('https://bank.example/.well-known/did.json', { accept: 'application/did+json', maxBytes: 256 * 1024 });
 * ```
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  for (const name of ['allowAddress', 'lookup', 'fetch'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${name} must be a function`);
  }
  const policy: AddressPolicy = { allowLoopback: options.allowHttpLoopback === true, allow: options.allowAddress };
  const defaultTimeout = integerOption(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const cooldown = integerOption(options.cooldownMs, DEFAULT_COOLDOWN_MS, 'cooldownMs', true);
  const failures = new Cache<string, LegateError>({
    ttlMs: cooldown,
    maxEntries: integerOption(options.cacheMaxEntries, DEFAULT_CACHE_MAX_ENTRIES, 'cacheMaxEntries', true),
    clock: options.clock ?? systemClock,
  });
  const { lookup } = options;
  let closed: Promise<void> | undefined;
  const transport: Transport = options.fetch === undefined ? undiciTransport(policy, lookup) : fetchTransport(options.fetch);

  /** What can be checked before any connection: the URL, its scheme, a literal or `localhost` address, and (injected fetch with a lookup) the name. */
  async function precheck(raw: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw legateError('ERR_INVALID_ARGUMENT', 'not a URL', { claim: 'url', reason: 'url' });
    }
    const plain = url.protocol === 'http:' && policy.allowLoopback && isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !plain) {
      throw legateError('ERR_INVALID_ARGUMENT', `${url.host}: only https URLs are fetched (http only for loopback, on opt-in)`, { claim: 'url', reason: 'scheme' });
    }
    const literal = ipLiteral(url.hostname) ?? (isLoopbackHost(url.hostname) || isLocalhostName(url.hostname) ? '127.0.0.1' : undefined);
    if (literal !== undefined) {
      const range = refusedRange(literal, policy);
      if (range !== undefined) throw addressNotAllowed(url.host, range);
    } else if (options.fetch !== undefined && lookup !== undefined) {
      await checkedAddresses(url.hostname, policy, lookup).catch((error: unknown) => {
        throw transportFailure(error, url.host, defaultTimeout);
      });
    }
    return url;
  }

  async function exchange(method: 'GET' | 'POST', url: URL, headers: Record<string, string>, body: string | undefined, maxBytes: number, timeoutMs: number): Promise<HttpResponse> {
    const controller = new AbortController();
    // One deadline for the whole exchange: a socket idle timeout never fires on a trickling server.
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await transport.send({
        url,
        method,
        headers,
        body,
        signal: controller.signal,
        maxBytes,
        readBody: (status) => !(status === 0 || (status >= 300 && status < 400)) && (method === 'POST' || status === 200),
        tooLarge: () => responseTooLarge(url.host, maxBytes),
      });
      if (response.status === 0 || (response.status >= 300 && response.status < 400 && response.status !== 304)) throw redirectRefused(url.host, response.status);
      return response;
    } catch (error) {
      if (controller.signal.aborted) throw peerTimeout(url.host, timeoutMs);
      throw transportFailure(error, url.host, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async postForm(raw, form, postOptions) {
      integerOption(postOptions.maxBytes, 0, 'maxBytes');
      const url = await precheck(raw);
      // Lower-cased, so a caller's `Content-Type` cannot travel beside the form's own.
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(postOptions.headers ?? {})) headers[name.toLowerCase()] = value;
      headers['content-type'] = 'application/x-www-form-urlencoded';
      return exchange('POST', url, headers, form.toString(), postOptions.maxBytes, integerOption(postOptions.timeoutMs, defaultTimeout, 'timeoutMs'));
    },
    async get(raw, getOptions) {
      integerOption(getOptions.maxBytes, 0, 'maxBytes');
      const url = await precheck(raw);
      const hostKey = `host ${url.origin}`;
      const urlKey = `url ${url.href}`;
      const remembered = failures.get(hostKey) ?? failures.get(urlKey);
      if (remembered !== undefined) throw remembered;
      const headers: Record<string, string> = { accept: getOptions.accept };
      if (getOptions.etag !== undefined) headers['if-none-match'] = getOptions.etag;
      try {
        return await exchange('GET', url, headers, undefined, getOptions.maxBytes, integerOption(getOptions.timeoutMs, defaultTimeout, 'timeoutMs'));
      } catch (error) {
        if (error instanceof LegateError) // Remembered by host when it could not be reached, by URL when this URL answered badly.
        failures.set(TRANSPORT_CODES.has(error.code) ? hostKey : urlKey, error);
        throw error;
      }
    },
    async postJson(raw, json, postOptions) {
      integerOption(postOptions.maxBytes, 0, 'maxBytes');
      const url = await precheck(raw);
      return exchange('POST', url, { ...postOptions.headers, 'content-type': 'application/json' }, json, postOptions.maxBytes, integerOption(postOptions.timeoutMs, defaultTimeout, 'timeoutMs'));
    },
    // Idempotent: undici refuses to close an agent twice.
    close: () => (closed ??= transport.close()),
  };
}

/**
 * The client a component given these options uses: the `http` it was given,
 * else one of its own (over an injected `fetch`, if any). A client's
 * keep-alive pool and negative cache belong to whoever holds it, never to
 * the process: to share them (as a node does across its resolver, lists and
 * peers), pass one `http` to each component.
 */
export function httpClientOf(options: { http?: HttpClient | undefined; fetch?: FetchLike | undefined; allowHttpLoopback?: boolean | undefined }): HttpClient {
  if (options.http !== undefined) return options.http;
  const allowHttpLoopback = options.allowHttpLoopback === true;
  return createHttpClient({ allowHttpLoopback, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
}
