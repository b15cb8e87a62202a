/**
 * Fixtures of the resource-server tests: acme's node as an authorization
 * server reduced to what a resource server reads of it (RFC 8414 metadata
 * and a JWKS, served by a tiny Hono app, through an injected `fetch` or on
 * loopback), access tokens issued with acme's fixed key, DPoP keys and
 * proofs, and requests carrying them.
 *
 *   acme (AS, https://acme.example, key did:web:acme.example#key-1)
 *     └─ alice (agent, client_id) for her owner, calling bank's API
 */

import { Hono } from 'hono';
import type { LegateAuthorizationDetail } from '../../src/oauth/types.js';
import { issueAccessToken } from '../../src/oauth/access-token.js';
import { createDpopProof, generateDpopKey, type DpopKeyPair } from '../../src/oauth/dpop.js';
import { jwksOf } from '../../src/oauth/jwks.js';
import type { Signer } from '../../src/lib/signer.js';
import { acme, alice, frozenClock, NOW } from '../fixtures.js';

export const ISSUER = 'https://acme.example';
export const RESOURCE = 'https://api.bank.example';
export const clock = frozenClock(NOW);

/** A granted detail, as the token endpoint writes them. */
export function detail(action: string, resource: string, extra: Partial<LegateAuthorizationDetail> = {}): LegateAuthorizationDetail {
  return { type: 'urn:legate:capability', action, resource, credential: 'urn:uuid:alice-credential', ...extra };
}

/** acme's AS surface: metadata and JWKS, with a log of the paths fetched and keys that may rotate. */
export function authorizationServer(issuer = ISSUER) {
  const keys: { kid: string; publicKey: Uint8Array }[] = [{ kid: acme.signer.kid, publicKey: acme.signer.publicKey }];
  const fetched: string[] = [];
  const app = new Hono();
  app.use(async (c, next) => {
    fetched.push(new URL(c.req.url).pathname);
    await next();
  });
  app.get('/.well-known/oauth-authorization-server', (c) => c.json({ issuer, jwks_uri: `${issuer}/oauth/jwks`, token_endpoint: `${issuer}/oauth/token` }));
  app.get('/oauth/jwks', (c) => c.json(jwksOf(keys)));
  return { app, keys, fetched, issuer };
}

/** A `fetch` that answers from Hono apps by origin, and refuses (as a network error) any other host. */
export function fetchFrom(apps: Record<string, { fetch: (request: Request) => Response | Promise<Response> }>) {
  const urls: string[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    urls.push(url);
    const app = apps[new URL(url).origin];
    if (app === undefined) throw new TypeError(`fetch failed: ${url} is not reachable in this test`);
    return app.fetch(new Request(url, init));
  };
  return { fetch, urls };
}

export interface TokenOptions {
  details?: LegateAuthorizationDetail[];
  audience?: string;
  issuer?: string;
  signer?: Signer;
  /** The DPoP key bound in cnf.jkt; `null` for a Bearer token. */
  dpopKey?: DpopKeyPair | null;
  lifetimeSeconds?: number;
  at?: Date;
}

/** An access token for alice, acting for her owner. */
export async function accessToken(options: TokenOptions = {}): Promise<{ token: string; key: DpopKeyPair }> {
  const key = options.dpopKey ?? generateDpopKey();
  const { token } = await issueAccessToken({
    signer: options.signer ?? acme.signer,
    issuer: options.issuer ?? ISSUER,
    audience: options.audience ?? RESOURCE,
    clientId: alice.did,
    sub: alice.owner,
    act: { sub: alice.did },
    authorizationDetails: options.details ?? [detail('read', 'crm:tickets')],
    ...(options.dpopKey === null ? {} : { jkt: key.jkt }),
    lifetimeSeconds: options.lifetimeSeconds ?? 300,
    clock: frozenClock(options.at ?? NOW),
  });
  return { token, key };
}

export interface RequestOptions {
  method?: string;
  url?: string;
  token: string;
  key?: DpopKeyPair;
  scheme?: string;
  /** Override the proof's fields. */
  proof?: { htm?: string; htu?: string; accessToken?: string; nonce?: string; at?: Date; jti?: string };
  /** No DPoP header at all. */
  noProof?: boolean;
  body?: unknown;
}

/** A request to bank's API carrying the token and (unless told otherwise) a DPoP proof of `key`. */
export async function signedRequest(options: RequestOptions): Promise<Request> {
  const method = options.method ?? 'GET';
  const url = options.url ?? `${RESOURCE}/tickets/42`;
  const headers: Record<string, string> = { authorization: `${options.scheme ?? 'DPoP'} ${options.token}` };
  if (options.key !== undefined && options.noProof !== true) {
    headers.dpop = await createDpopProof({
      key: options.key,
      htm: options.proof?.htm ?? method,
      htu: options.proof?.htu ?? url,
      accessToken: options.proof?.accessToken ?? options.token,
      ...(options.proof?.nonce === undefined ? {} : { nonce: options.proof.nonce }),
      ...(options.proof?.jti === undefined ? {} : { jti: options.proof.jti }),
      clock: frozenClock(options.proof?.at ?? NOW),
    });
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return new Request(url, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
}
