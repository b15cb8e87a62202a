/**
 * @module lib/http-transport
 *
 * What carries the HTTP client's requests. By default an undici `Agent`
 * (keep-alive, one pool per origin) whose connector resolves the host name
 * itself, checks every address against the address policy, and connects to
 * the checked address, so the name is resolved once and a DNS answer cannot
 * change between the check and the connection (DNS rebinding). TLS still
 * verifies the certificate against the host name. Tests may inject a
 * `fetch`-like function instead; it gets the same bounded reading. Either
 * way the body is read within `maxBytes`, and reading stops when the
 * request's signal aborts. Internal.
 */

import { lookup as dnsLookup } from 'node:dns/promises';
import type { Agent } from 'undici';
import { ipLiteral, refusedRange, type AddressPolicy } from './address-policy.js';
import { abortable, readBounded, type FetchLike } from './http.js';
import { addressNotAllowed, systemCode } from './http-errors.js';

/** One resolved address, as `dns.lookup` with `all: true` gives it. */
export interface LookupAddress {
  address: string;
  family: number;
}

/** Resolves a host name to its addresses; inject one in tests (the default is `dns.lookup`). */
export type DnsLookup = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: DnsLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** One request as a transport sees it; the client has checked its URL already. */
export interface TransportRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | undefined;
  signal: AbortSignal;
  maxBytes: number;
  /** Whether a response of `status` has its body read (others are discarded unread). */
  readBody: (status: number) => boolean;
  /** Thrown when the body exceeds `maxBytes`. */
  tooLarge: () => Error;
}

export interface TransportResponse {
  status: number;
  /** A response header (lower-case name); undefined when absent. */
  header(name: string): string | undefined;
  body: Uint8Array;
}

export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

const EMPTY = new Uint8Array(0);

/**
 * The addresses a host name may be reached at: every address it resolves to
 * must pass the policy (one refused address refuses the name: which one a
 * connection would use is not ours to guess).
 * @throws LegateError `ERR_ADDRESS_NOT_ALLOWED`; the lookup's own error (`ENOTFOUND`, …).
 */
export async function checkedAddresses(host: string, policy: AddressPolicy, lookup: DnsLookup): Promise<string[]> {
  const literal = ipLiteral(host);
  const addresses = literal === undefined ? await lookup(host) : [{ address: literal, family: literal.includes(':') ? 6 : 4 }];
  if (addresses.length === 0) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const range = refusedRange(address, policy);
    if (range !== undefined) throw addressNotAllowed(host, range);
  }
  return addresses.map((a) => a.address);
}

/** Connection errors after which the next address of the name is tried (`localhost` may be ::1 first, with a server on 127.0.0.1 only). */
const NEXT_ADDRESS = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EHOSTUNREACH', 'EAFNOSUPPORT']);

function declaredTooLarge(declared: string | undefined, maxBytes: number): boolean {
  return declared !== undefined && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxBytes;
}

/** An undici Agent whose connector checks the resolved address. */
async function checkingAgent(policy: AddressPolicy, lookup: DnsLookup): Promise<Agent> {
  // Loaded on the first request: a command that never goes to the network (most CLI calls) never loads undici.
  const { Agent, buildConnector } = await import('undici');
  const base = buildConnector({});
  return new Agent({
    connect: (options, callback) => {
      checkedAddresses(options.hostname, policy, lookup).then(
        (addresses) => {
          // Only checked addresses are connected to, in the resolver's order. `host` keeps
          // the name, so TLS SNI and certificate checks are against it, not the address.
          const attempt = (index: number): void =>
            base({ ...options, hostname: addresses[index]! }, (error, socket) => {
              if (error !== null && index + 1 < addresses.length && NEXT_ADDRESS.has(systemCode(error) ?? '')) attempt(index + 1);
              else if (error !== null) callback(error, null);
              else callback(null, socket);
            });
          attempt(0);
        },
        (error: Error) => callback(error, null),
      );
    },
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
}

/** The default transport: an undici Agent (made on the first request) whose connector checks the resolved address. */
export function undiciTransport(policy: AddressPolicy, lookup: DnsLookup = systemLookup): Transport {
  let agent: Promise<Agent> | undefined;
  return {
    async send(request) {
      const { url, signal } = request;
      const response = await (await (agent ??= checkingAgent(policy, lookup))).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal,
      });
      const header = (name: string): string | undefined => {
        const value = response.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      const { body } = response;
      // Destroying an unread body emits an abort error: expected, and nobody else listens.
      body.on('error', () => undefined);
      if (!request.readBody(response.statusCode)) {
        body.destroy();
        return { status: response.statusCode, header, body: EMPTY };
      }
      if (declaredTooLarge(header('content-length'), request.maxBytes)) {
        body.destroy();
        throw request.tooLarge();
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          total += chunk.length;
          if (total > request.maxBytes) throw request.tooLarge();
          chunks.push(chunk);
        }
      } finally {
        if (!body.readableEnded) body.destroy();
      }
      return { status: response.statusCode, header, body: Buffer.concat(chunks, total) };
    },
    close: async () => {
      if (agent !== undefined) await (await agent).close();
    },
  };
}

/** A transport over an injected `fetch` (tests). The client checked the URL; connecting is the fetch's business. */
export function fetchTransport(fetch: FetchLike): Transport {
  return {
    async send(request) {
      const { signal } = request;
      const response = await abortable(
        fetch(request.url.href, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          redirect: 'manual',
          signal,
        }),
        signal,
      );
      const header = (name: string): string | undefined => response.headers.get(name) ?? undefined;
      if (!request.readBody(response.status)) {
        void response.body?.cancel().catch(() => undefined);
        return { status: response.status, header, body: EMPTY };
      }
      return { status: response.status, header, body: await readBounded(response, request.maxBytes, signal, request.tooLarge) };
    },
    close: () => Promise.resolve(),
  };
}
