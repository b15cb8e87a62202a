/**
 * @module bench/jose-check
 *
 * The resource-server check written with `jose`, as a service that uses no
 * Legate code would write it, for the `rs-check-jose` baseline: the access
 * token (`at+jwt`) through a local JWK Set, the DPoP proof through the JWK
 * in its header (`EmbeddedJWK`, which imports it), the key's RFC 7638
 * thumbprint against `cnf.jkt`, the SHA-256 `ath`, `htm`, `htu`, the `iat`
 * window, `jti` replay in a map, and the scope the route needs. The same
 * work the Legate verifier does on the same tokens, minus its capability
 * matching beyond the scope string.
 */

import { createHash } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';

export interface JoseCheckOptions {
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  /** The scope string the route requires (one Legate capability). */
  scope: string;
  maxAgeSeconds?: number;
  skewSeconds?: number;
}

/** RFC 9449 §4.3: the request URL without query and fragment. */
const htuOf = (url: string): string => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

/** A checker of `Authorization: DPoP <at+jwt>` + `DPoP: <proof>` requests; throws on any failure. */
export function joseResourceCheck(options: JoseCheckOptions): (request: Request) => Promise<void> {
  const keys = createLocalJWKSet(options.jwks);
  const maxAge = options.maxAgeSeconds ?? 120;
  const skew = options.skewSeconds ?? 60;
  // Replay: jti → until when it must be remembered (its iat window), pruned as the clock passes.
  const seen = new Map<string, number>();
  let pruned = 0;
  return async (request) => {
    const authorization = request.headers.get('authorization') ?? '';
    const proof = request.headers.get('dpop');
    if (!authorization.startsWith('DPoP ') || proof === null) throw new Error('jose-check: not a DPoP request');
    const token = authorization.slice('DPoP '.length);
    const { payload } = await jwtVerify(token, keys, {
      issuer: options.issuer,
      audience: options.audience,
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
      clockTolerance: skew,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
    });
    const { payload: p, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['EdDSA', 'ES256'], requiredClaims: ['iat', 'jti', 'htm', 'htu'] });
    const now = Math.floor(Date.now() / 1000);
    if (p.htm !== request.method) throw new Error('jose-check: htm');
    if (p.htu !== htuOf(request.url)) throw new Error('jose-check: htu');
    if (p.iat! < now - maxAge - skew || p.iat! > now + skew) throw new Error('jose-check: iat');
    if (p.ath !== createHash('sha256').update(token).digest('base64url')) throw new Error('jose-check: ath');
    const cnf = payload.cnf as { jkt?: unknown } | undefined;
    if (cnf?.jkt !== (await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256'))) throw new Error('jose-check: jkt');
    if (seen.has(p.jti!)) throw new Error('jose-check: replay');
    seen.set(p.jti!, p.iat! + maxAge + skew);
    if (now !== pruned) {
      pruned = now;
      for (const [jti, until] of seen) if (until < now) seen.delete(jti);
    }
    if (typeof payload.scope !== 'string' || !payload.scope.split(' ').includes(options.scope)) throw new Error('jose-check: insufficient_scope');
  };
}
