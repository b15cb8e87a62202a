/**
 * @module node/oauth/evaluate-subject
 *
 * Who an introspection or an AuthZEN evaluation is about, verified the way
 * this node issued it: an access token (RFC 9068 `at+jwt`) signed by one of
 * the organization's keys, for this node's issuer URL and for one of the
 * resources it issues tokens for (`oauth.resources`); or a Legate session
 * token one of this node's agents issued at the end of a handshake. Either
 * way the node looks up the chains it stored when it granted the token or
 * session (`sessionChains`, keyed by an access token's `legate_chains`, or
 * by the `jti` of a session or of a token issued before it), so the decision can
 * re-verify them, status included: a revocation after the grant counts.
 */

import type { VerifyCredentialOptions } from '../../credential/verify-jwt.js';
import { errorsForCapability, verifyChain } from '../../delegation/verify-chain.js';
import { legateError, type LegateError } from '../../errors/index.js';
import { decodeCompactJws } from '../../lib/jws.js';
import { multibaseToEd25519 } from '../../lib/multikey.js';
import { attributionOf } from '../../oauth/act.js';
import { verifyAccessToken } from '../../oauth/access-token.js';
import { MAX_ACCESS_TOKEN_LENGTH, type AccessTokenClaims } from '../../oauth/types.js';
import { verifySessionToken } from '../../session/verify.js';
import { sessionAttribution } from '../../session/types.js';
import { sessionChains } from '../ace.js';
import type { NodeContext } from '../context.js';
import type { CoveringCapability } from '../decide.js';
import { issuerUrl } from './client-auth.js';

/** An audience no token carries: what a token whose `aud` is not one of this node's resources is checked against. */
const NO_AUDIENCE = 'urn:legate:oauth:no-audience';

/** Whom a decision is about, once verified. */
export interface VerifiedSubject {
  kind: 'access_token' | 'session';
  /** The current actor (the agent), then earlier actors, then the owner. */
  attribution: string[];
  /** The token's or session's `jti` (the audit line's `session`). */
  id: string;
  capabilities: CoveringCapability[];
  chains: Record<string, string[]> | undefined;
  /** For an access token: its `aud` (the resource URL); for a session: the agent of this node it is for. */
  audience: string;
}

const peek = (token: string, maxLength: number): Record<string, unknown> | undefined => {
  try {
    return decodeCompactJws(token, maxLength).payload;
  } catch {
    // The verification proper reports what is wrong with it.
    return undefined;
  }
};

/** The public key of `kid` when it is one the organization publishes in its JWKS (node/oauth/metadata: any key not retired). */
async function organizationKey(node: NodeContext, kid: string): Promise<Uint8Array | undefined> {
  const record = await node.store.getKey(kid);
  return record?.controller === node.organization.did && record.status !== 'retired' ? multibaseToEd25519(record.publicKeyMultibase) : undefined;
}

/**
 * An access token this node issued, verified: signature by an organization
 * key, `iss` = the issuer URL, `aud` one of `oauth.resources`, times with
 * `oauth.clockSkew`.
 * @throws LegateError with the code of the first failed check.
 */
export async function verifyOwnAccessToken(node: NodeContext, token: string): Promise<AccessTokenClaims> {
  const aud = peek(token, MAX_ACCESS_TOKEN_LENGTH)?.aud;
  const audience = typeof aud === 'string' && node.oauth.resources.includes(aud) ? aud : NO_AUDIENCE;
  return verifyAccessToken(token, {
    issuers: [issuerUrl(node)],
    audience,
    key: (_iss, kid) => organizationKey(node, kid),
    clock: node.clock,
    skewSeconds: node.oauth.clockSkewSeconds,
  });
}

/** The capabilities an access token grants, each naming its leaf credential (details without one grant nothing here). */
export function grantedCapabilities(claims: AccessTokenClaims): CoveringCapability[] {
  return claims.authorization_details.flatMap(({ action, resource, scope, constraints, credentialConstraints, credential }) =>
    credential === undefined
      ? []
      : [
          {
            action,
            resource,
            credential,
            ...(scope === undefined ? {} : { scope }),
            ...(constraints === undefined ? {} : { constraints }),
            ...(credentialConstraints === undefined ? {} : { credentialConstraints }),
          },
        ],
  );
}

/**
 * The first problem with the chains behind a token's capabilities, re-verified
 * (revoked, suspended, expired, no longer trusted), or undefined when every one
 * still stands. A capability whose chain the node no longer holds is a problem.
 */
export async function chainProblem(
  capabilities: readonly CoveringCapability[],
  chains: Readonly<Record<string, readonly string[]>> | undefined,
  options: VerifyCredentialOptions,
): Promise<LegateError | undefined> {
  const checked = new Set<string>();
  for (const capability of capabilities) {
    if (checked.has(capability.credential)) continue;
    checked.add(capability.credential);
    const tokens = chains?.[capability.credential];
    if (tokens === undefined) return legateError('ERR_TOKEN_INVALID', 'the node holds no chain for this token', { reason: 'unknown' });
    const chain = await verifyChain(tokens, options);
    const errors = errorsForCapability(chain, capability);
    if (errors.length > 0) return errors[0];
    if (chain.leaf?.id !== capability.credential) return legateError('ERR_CHAIN_INVALID', 'the stored chain does not end at the granting credential');
  }
  return checked.size === 0 ? legateError('ERR_TOKEN_INVALID', 'the token grants no capability of a known credential', { reason: 'unknown' }) : undefined;
}

/** The chains behind a verified access token of this node: under its `legate_chains`, or its `jti` for a token issued before it. */
export function accessTokenChains(node: NodeContext, claims: AccessTokenClaims): Promise<Record<string, string[]> | undefined> {
  return sessionChains(node, claims.legate_chains ?? claims.jti);
}

/**
 * An AuthZEN subject carrying an access token: verified, `subject.id` its
 * `client_id` (the agent), with its stored chains.
 * @throws LegateError when the token does not verify or names another agent.
 */
export async function accessTokenSubject(node: NodeContext, id: string, token: string): Promise<VerifiedSubject> {
  const claims = await verifyOwnAccessToken(node, token);
  if (claims.client_id !== id) throw legateError('ERR_TOKEN_INVALID', 'subject.id is not the client the token was issued to', { claim: 'client_id' });
  return {
    kind: 'access_token',
    attribution: attributionOf(claims),
    id: claims.jti,
    capabilities: grantedCapabilities(claims),
    chains: await accessTokenChains(node, claims),
    audience: claims.aud,
  };
}

/**
 * An AuthZEN subject carrying a session token one of this node's active
 * agents issued: verified as that agent verifies the sessions behind signed
 * actions, `subject.id` the agent the session is for.
 * @throws LegateError when the session does not verify or names another agent.
 */
export async function sessionSubject(node: NodeContext, id: string, token: string): Promise<VerifiedSubject> {
  const aud = peek(token, MAX_ACCESS_TOKEN_LENGTH * 4)?.aud;
  const verifier = typeof aud === 'string' ? await node.store.getAgentByDid(aud) : undefined;
  if (verifier === undefined || verifier.status !== 'active') {
    throw legateError('ERR_AUDIENCE', 'the session is not for an active agent of this node', { claim: 'aud' });
  }
  const result = await verifySessionToken(token, { resolver: node.resolver, audience: verifier.did, clock: node.clock, skewSeconds: node.oauth.clockSkewSeconds });
  const session = result.claims;
  if (!result.verified || session === undefined) throw result.errors[0] ?? legateError('ERR_TOKEN_INVALID', 'the session token does not verify');
  const attribution = sessionAttribution(session);
  if (attribution[0] !== id) throw legateError('ERR_TOKEN_INVALID', 'subject.id is not the agent the session is for', { claim: 'sub' });
  return { kind: 'session', attribution, id: session.jti, capabilities: session.capabilities, chains: await sessionChains(node, session.jti), audience: verifier.did };
}
