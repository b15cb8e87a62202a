/**
 * Helpers for status tests: lists signed by the fixed personas, a movable
 * clock, and an in-memory "server" behind an injected fetch that counts
 * requests and honours If-None-Match.
 *
 *   acme (organization) issues alice's capability credential and signs its lists
 *   mallory (attacker) signs lists of its own and serves them at acme's URLs
 */

import type { Signer } from '../../src/keys/signer.js';
import { createList, setBit } from '../../src/status/bitstring.js';
import { statusEntry } from '../../src/status/entry.js';
import { issueStatusListCredential } from '../../src/status/list-credential.js';
import type { StatusPurpose } from '../../src/status/types.js';
import { acme, NOW } from '../fixtures.js';

export const REVOCATION_URL = 'https://acme.example/status/r-1';
export const SUSPENSION_URL = 'https://acme.example/status/s-1';
export const DAY_MS = 24 * 60 * 60 * 1000;

/** A clock frozen at NOW that tests move forward. */
export function movableClock(start: Date = NOW) {
  let now = start.getTime();
  return {
    clock: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

export interface ListSpec {
  url?: string;
  purpose?: StatusPurpose;
  set?: number[];
  bits?: Uint8Array;
  issuer?: string;
  signer?: Signer;
  ttlMs?: number;
  validFrom?: Date;
  validUntil?: Date;
}

/** A list credential signed by acme (or `signer`), valid for a day from NOW. */
export async function signedList(spec: ListSpec = {}): Promise<string> {
  const bits = spec.bits ?? createList();
  for (const index of spec.set ?? []) setBit(bits, index, true);
  const validFrom = spec.validFrom ?? NOW;
  const { jwt } = await issueStatusListCredential({
    id: spec.url ?? REVOCATION_URL,
    issuer: spec.issuer ?? acme.did,
    signer: spec.signer ?? acme.signer,
    purpose: spec.purpose ?? 'revocation',
    bits,
    validFrom,
    validUntil: spec.validUntil ?? new Date(validFrom.getTime() + DAY_MS),
    ...(spec.ttlMs === undefined ? {} : { ttlMs: spec.ttlMs }),
  });
  return jwt;
}

/** The decoded credential a verifier holds: issued by acme, with these status entries. */
export function credentialWith(entries: unknown[], issuer: string = acme.did) {
  return { issuer, credentialStatus: entries };
}

export const revocationEntry = (index: number, url = REVOCATION_URL) => statusEntry(url, index, 'revocation');
export const suspensionEntry = (index: number, url = SUSPENSION_URL) => statusEntry(url, index, 'suspension');

export interface Route {
  body: string | (() => ReadableStream<Uint8Array>);
  status?: number;
  etag?: string;
  cacheControl?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** An in-memory list server: `routes` by URL, every request recorded. */
export function listServer(routes: Record<string, Route> = {}) {
  const requests: { url: string; ifNoneMatch: string | null }[] = [];
  const statuses: number[] = [];
  const fetch = (url: string, init: RequestInit): Promise<Response> => {
    const ifNoneMatch = new Headers(init.headers).get('if-none-match');
    requests.push({ url, ifNoneMatch });
    const route = routes[url];
    if (route === undefined) {
      statuses.push(404);
      return Promise.resolve(new Response('not found', { status: 404 }));
    }
    const headers: Record<string, string> = { 'content-type': route.contentType ?? 'application/vc+jwt', ...route.headers };
    if (route.etag !== undefined) headers.etag = route.etag;
    if (route.cacheControl !== undefined) headers['cache-control'] = route.cacheControl;
    if (route.etag !== undefined && ifNoneMatch === route.etag) {
      statuses.push(304);
      return Promise.resolve(new Response(null, { status: 304, headers }));
    }
    const status = route.status ?? 200;
    statuses.push(status);
    const body = typeof route.body === 'string' ? route.body : route.body();
    return Promise.resolve(new Response(body, { status, headers }));
  };
  return { fetch, routes, requests, statuses };
}

/** A fetch that must not be called. */
export const noFetch = (): Promise<Response> => Promise.reject(new Error('fetch must not be called'));

export { thrown } from '../fixtures.js';

export const codes = (errors: { code: string }[]) => errors.map((e) => e.code);
