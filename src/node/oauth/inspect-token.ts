/**
 * @module node/oauth/inspect-token
 *
 * `legate token inspect`: what an access token says (header, claims, who
 * stands behind it, the capabilities it carries) and whether it verifies.
 * It is verified only against an issuer the user names, or against this
 * node's own issuer with the node's own keys: the token's `iss` is never a
 * reason to fetch anything (trust before fetch), so an unnamed foreign
 * token is decoded and reported as not verified.
 */

import { LegateError, legateError, type ErrorCode } from '../../errors/index.js';
import type { Clock } from '../../lib/clock.js';
import type { HttpClient } from '../../lib/http-client.js';
import { decodeAccessToken, verifyAccessToken } from '../../oauth/access-token.js';
import { attributionOf } from '../../oauth/act.js';
import { fetchIssuerJwks, issuerIdentifier } from '../../oauth/discovery.js';
import { ed25519KeyFromJwks } from '../../oauth/jwks.js';
import type { ActClaim } from '../../oauth/types.js';
import type { NodeContext } from '../context.js';


export interface InspectTokenOptions {
  /** Fetches the metadata and JWKS of the issuer named in `issuer`. */
  http: HttpClient;
  /** The issuer to verify against; its keys are fetched (its metadata's `jwks_uri`). */
  issuer?: string | undefined;
  /** The audience the token must have; default: its own `aud` (then only the signature, issuer and times are checked). */
  audience?: string | undefined;
  /** This node, when there is one: tokens of its own issuer verify with its own keys, nothing fetched. */
  node?: NodeContext | undefined;
  clock?: Clock | undefined;
}

/** What `legate token inspect` reports. */
export interface InspectedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Who acted, for whom: the current actor, prior actors, then the owner (`sub`). */
  attribution: string[];
  /** Whether the token verified, against which issuer; `checked: false` when no issuer was named to check it against. */
  verification: { checked: false } | { checked: true; issuer: string; audience: string; verified: true } | { checked: true; issuer: string; audience: string; verified: false; error: { code: ErrorCode; message: string } };
}

function asAct(value: unknown): ActClaim | undefined {
  return typeof value === 'object' && value !== null && typeof (value as ActClaim).sub === 'string' ? (value as ActClaim) : undefined;
}

/**
 * Decodes an access token and verifies it when its issuer is named (or is
 * this node's own).
 * @throws LegateError `ERR_MALFORMED` / `ERR_INPUT_TOO_LARGE` for a token that
 * does not decode; `ERR_INVALID_ARGUMENT` for a bad `issuer`. A token that
 * decodes but does not verify is reported in `verification`, not thrown.
 */
export async function inspectAccessToken(token: string, options: InspectTokenOptions): Promise<InspectedToken> {
  const { header, claims } = decodeAccessToken(token) as unknown as { header: Record<string, unknown>; claims: Record<string, unknown> };
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  const act = asAct(claims.act);
  const attribution = sub === undefined ? [] : attributionOf({ sub, act });
  const named = options.issuer === undefined ? undefined : issuerIdentifier(options.issuer, 'issuer');
  const own = options.node === undefined ? undefined : await options.node.services.oauth.issuer();
  const issuer = named ?? (own !== undefined && claims.iss === own ? own : undefined);
  if (issuer === undefined) return { header, claims, attribution, verification: { checked: false } };
  const audience = options.audience ?? (typeof claims.aud === 'string' ? claims.aud : '');
  try {
    let key: (kid: string) => Promise<Uint8Array | undefined>;
    if (issuer === own && options.node !== undefined) {
      const jwks = await options.node.services.oauth.jwks();
      key = (kid) => Promise.resolve(ed25519KeyFromJwks(jwks, kid));
    } else {
      // Fetched only when the token's iss is the named issuer: verifyAccessToken checks iss before asking for a key.
      let jwks: Promise<{ keys: unknown[] }> | undefined;
      key = async (kid) => ed25519KeyFromJwks(await (jwks ??= fetchIssuerJwks(options.http, issuer)), kid);
    }
    await verifyAccessToken(token, { issuers: [issuer], audience, key: (_iss, kid) => key(kid), ...(options.clock === undefined ? {} : { clock: options.clock }) });
    return { header, claims, attribution, verification: { checked: true, issuer, audience, verified: true } };
  } catch (error) {
    const failure = error instanceof LegateError ? error : legateError('ERR_INTERNAL', error instanceof Error ? error.message : String(error));
    return { header, claims, attribution, verification: { checked: true, issuer, audience, verified: false, error: { code: failure.code, message: failure.message } } };
  }
}
