/**
 * @module node/oauth/token-subject
 *
 * Who asks for a token, and what their authority covers: the subject token
 * (an agent's `vp+jwt`, or a session token this node issued), and an
 * optional actor token (a sub-agent's `vp+jwt`, one delegation hop below
 * the subject's holder). Cheap checks on what the tokens claim come first
 * (the client id, the nonce, the DPoP key binding), so a request that would
 * be refused anyway costs no signature and no fetch; then the presentation
 * is verified through the node's verifier (trust before fetch, a work budget
 * per request) and decided with the ACE engine (`evaluateIntents`).
 */

import { didOf } from '../../presentation/create.js';
import { capabilityContains, evaluateIntents, mostRelevant, presentationErrors } from '../../handshake/evaluate.js';
import type { VerifyCredentialOptions } from '../../credential/verify-jwt.js';
import { errorsForCapability, verifyChain, type ChainVerification } from '../../delegation/verify-chain.js';
import { lookupVerificationKey } from '../../did/verification-key.js';
import { legateError, type LegateError } from '../../errors/index.js';
import { decodeCompactJws, DEFAULT_MAX_TOKEN_LENGTH, type DecodedJws } from '../../lib/jws.js';
import { forPeer } from '../../lib/peer-error.js';
import { ed25519PublicJwk, jwkThumbprint } from '../../oauth/jwk.js';
import type { NonceIssuer } from '../../oauth/nonce.js';
import { verifyDecodedPresentation, type PresentationVerification } from '../../presentation/verify.js';
import { verifySessionToken } from '../../session/verify.js';
import type { SessionClaims } from '../../session/types.js';
import { sessionChains } from '../ace.js';
import type { NodeContext } from '../context.js';
import type { GrantCandidate, Refusal } from './token-grant.js';
import { MAX_SUBJECT_TOKEN_LENGTH, type RequestedCapability } from './token-request.js';

/** The authority behind a token request, verified. */
export interface ProvenAuthority {
  /** The current actor, the client: the agent the token is for. */
  client: string;
  /** Candidate chains, in order, for each requested capability. */
  perRequest: [RequestedCapability, GrantCandidate[]][];
  rejected: Refusal[];
  /** Keys to claim once, when the token is issued: each presentation answers its nonce once. */
  replayKeys: string[];
  /** How long those claims must last, in ms since the epoch. */
  replayUntil: number;
  /** The token ends no later than this, in ms since the epoch: a session subject's own `exp`. */
  notAfter?: number;
}

/** What verifying takes: the node, the issuer URL, its nonces and one request's verification options (one budget). */
export interface ProveContext {
  node: NodeContext;
  issuer: string;
  nonces: NonceIssuer;
  options: VerifyCredentialOptions;
  clientId: string | undefined;
  /** The request's tokens decoded so far ({@link claimedClient}), so each is decoded once. */
  decoded?: TokenMemo;
}

/** Decoded tokens of one request, by their text (decoding verifies nothing: each is still verified). */
export type TokenMemo = Map<string, DecodedJws>;

function decodeOnce(token: string, memo: TokenMemo | undefined): DecodedJws {
  let decoded = memo?.get(token);
  if (decoded === undefined) {
    decoded = decodeCompactJws(token, MAX_SUBJECT_TOKEN_LENGTH);
    memo?.set(token, decoded);
  }
  return decoded;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** A presentation read without verifying anything: who claims to hold it, which nonce and key binding it claims. */
function claimed(token: string, name: string, memo: TokenMemo | undefined): { decoded: DecodedJws; holder: string; nonce: string | undefined; jkt: unknown; mayAct: string | undefined } {
  const decoded = decodeOnce(token, memo);
  const holder = str(decoded.payload.holder);
  if (decoded.header.typ !== 'vp+jwt' || holder === undefined) {
    throw legateError('ERR_MALFORMED', `${name} must be a vp+jwt presentation naming its holder`, { claim: name });
  }
  const mayAct = decoded.payload.may_act as { sub?: unknown } | undefined;
  return { decoded, holder, nonce: str(decoded.payload.nonce), jkt: decoded.payload.jkt, mayAct: str(mayAct?.sub) };
}

/**
 * The agent a request claims to come from (the actor's holder, else the
 * subject's; a session's key holder), unverified: only for the audit line of
 * a refusal, as ACE logs a refused message's claimed sender.
 */
export function claimedClient(request: { subjectToken: string; actorToken?: string }, memo?: TokenMemo): string | undefined {
  try {
    const { payload } = decodeOnce(request.actorToken ?? request.subjectToken, memo);
    const cnf = payload.cnf as { kid?: unknown } | undefined;
    return str(payload.holder) ?? (typeof cnf?.kid === 'string' ? didOf(cnf.kid) : undefined);
  } catch {
    return undefined;
  }
}

function checkClient(clientId: string | undefined, agent: string): void {
  if (clientId !== undefined && clientId !== agent) {
    throw legateError('ERR_INVALID_CLIENT', 'client_id must be the DID of the agent that presents (the actor, when there is one)', { claim: 'client_id' });
  }
}

function checkNonce(nonces: NonceIssuer, nonce: string | undefined): string {
  const state = nonces.check(nonce);
  if (state !== 'ok' || nonce === undefined) {
    throw legateError('ERR_NONCE', 'the presentation must answer a fresh nonce of this authorization server (its DPoP-Nonce)', { claim: 'nonce', reason: state });
  }
  return nonce;
}

function firstError(errors: readonly LegateError[]): LegateError {
  return forPeer(mostRelevant(errors) ?? errors[0] ?? legateError('ERR_HOLDER_BINDING', 'the presentation did not verify', { claim: 'holder' }));
}

async function verified(decoded: DecodedJws, nonce: string, context: ProveContext): Promise<PresentationVerification> {
  const verification = await verifyDecodedPresentation(decoded, {
    ...context.options,
    audience: context.issuer,
    nonce,
    maxLength: MAX_SUBJECT_TOKEN_LENGTH,
    skewSeconds: context.node.oauth.clockSkewSeconds,
  });
  const errors = presentationErrors(verification);
  if (errors.length > 0) throw firstError(errors);
  return verification;
}

/** The RFC 7638 thumbprint of the authentication key that signed a presentation (already verified, so its DID resolved). */
async function signingKeyJkt(context: ProveContext, holder: string, decoded: DecodedJws): Promise<string | undefined> {
  const kid = str(decoded.header.kid);
  if (kid === undefined) return undefined;
  const found = await lookupVerificationKey(context.options.resolver, holder, kid, 'authentication');
  return 'key' in found && found.key !== undefined ? jwkThumbprint(ed25519PublicJwk(found.key.publicKey)) : undefined;
}

/** The agents of a chain (agent, sub-agents), the current actor last. */
const agentsOf = (chain: ChainVerification) => chain.attribution.filter((a) => a.role === 'agent' || a.role === 'sub-agent').map((a) => a.id);

/**
 * Verifies a presentation subject (and, with one, the actor presentation),
 * and finds the chains that cover each requested capability.
 * @throws LegateError for a request refused as a whole (client, nonce, key binding, signature…).
 */
export async function provePresentation(
  context: ProveContext,
  request: { subjectToken: string; actorToken?: string; requested: readonly RequestedCapability[] },
  proofJkt: string | undefined,
): Promise<ProvenAuthority> {
  const subject = claimed(request.subjectToken, 'subject_token', context.decoded);
  const actor = request.actorToken === undefined ? undefined : claimed(request.actorToken, 'actor_token', context.decoded);
  const client = actor ?? subject;
  checkClient(context.clientId, client.holder);
  // The subject names the one agent that may act for it (RFC 8693 §4.4), so its presentation cannot be taken up by another sub-agent.
  if (actor !== undefined && subject.mayAct !== actor.holder) {
    throw legateError('ERR_CHAIN_INVALID', 'the subject token must name the actor in its may_act claim ({ "sub": <actor DID> })', { claim: 'may_act' });
  }
  const nonces = [checkNonce(context.nonces, subject.nonce), ...(actor === undefined ? [] : [checkNonce(context.nonces, actor.nonce)])];
  // The client binds the token to a key: a fresh one its presentation names (`jkt`), else its own.
  const bound = str(client.jkt);
  if (client.jkt !== undefined && bound === undefined) throw legateError('ERR_MALFORMED', 'the presentation’s jkt must be a key thumbprint', { claim: 'jkt' });
  if (bound !== undefined && proofJkt === undefined) {
    throw legateError('ERR_DPOP_INVALID', 'the presentation binds a DPoP key: send a DPoP proof made with it', { claim: 'DPoP', reason: 'missing' });
  }
  if (bound !== undefined && proofJkt !== bound) throw legateError('ERR_KEY_BINDING', 'the DPoP key is not the key the presentation binds (jkt)', { claim: 'jkt' });

  const subjectVerification = await verified(subject.decoded, nonces[0]!, context);
  // The holder an actor acts for must show itself; a lone subject's unvouched chains are refused item by item below.
  if (actor !== undefined && subjectVerification.holderSigned !== true) throw firstError(subjectVerification.errors);
  const verification = actor === undefined ? subjectVerification : await verified(actor.decoded, nonces[1]!, context);
  const { covered, rejected } = evaluateIntents(request.requested, verification);
  if (covered.length > 0 && verification.holderSigned !== true) throw firstError(verification.errors);
  // Only once something is covered (so the holder was vouched for and resolved): a stranger's DID is never fetched here.
  if (covered.length > 0 && bound === undefined && proofJkt !== undefined && (await signingKeyJkt(context, client.holder, client.decoded)) !== proofJkt) {
    throw legateError('ERR_KEY_BINDING', 'the DPoP key is neither the agent’s own key nor one its presentation binds (jkt)', { claim: 'jkt' });
  }

  const refusals: Refusal[] = rejected.map(({ action, resource, scope, code, reason }) => ({ action, resource, ...(scope === undefined ? {} : { scope }), code, reason }));
  const perRequest: [RequestedCapability, GrantCandidate[]][] = [];
  for (const c of covered) {
    const all = [c, ...(c.alternatives ?? [])].map((x): GrantCandidate => ({ capability: x.capability, leaf: x.leaf, chain: x.chain }));
    // An actor acts for the subject's holder, one hop below it: its chain must pass through that holder.
    const through = actor === undefined ? all : all.filter((x) => agentsOf(x.chain).slice(-2).join(' ') === `${subject.holder} ${actor.holder}`);
    if (through.length > 0) perRequest.push([c.intent, through]);
    else {
      const { action, resource, scope } = c.intent;
      refusals.push({ action, resource, ...(scope === undefined ? {} : { scope }), code: 'ERR_CHAIN_INVALID', reason: 'the actor’s authority was not delegated by the subject' });
    }
  }
  const replayUntil = context.node.clock().getTime() + (context.node.oauth.nonceLifetimeSeconds + context.node.oauth.clockSkewSeconds) * 1000;
  return {
    client: client.holder,
    perRequest,
    rejected: refusals,
    replayKeys: [`oauth:vp:${subject.holder}:${nonces[0]}`, ...(actor === undefined ? [] : [`oauth:vp:${actor.holder}:${nonces[1]}`])],
    replayUntil,
  };
}

/**
 * The agent a session is for: the DID of its bound key (`cnf`), which is the
 * outermost `act` (`sub` is the owner, #15); read from the key, so it cannot
 * disagree with the key the DPoP proof must use.
 */
export const sessionAgent = (claims: SessionClaims): string => didOf(claims.cnf.kid);

/** Is `did` this node's organization or one of its active agents (who may have issued a session here)? */
async function isOurs(node: NodeContext, did: string | undefined): Promise<boolean> {
  if (did === undefined) return false;
  if (did === node.organization.did) return true;
  const agent = await node.store.getAgentByDid(did);
  return agent !== undefined && agent.status === 'active';
}

const sameRequest = (a: { action: string; resource: string; scope?: string | undefined }, b: RequestedCapability) =>
  a.action === b.action && a.resource === b.resource && a.scope === b.scope;

/**
 * Verifies a session token this node issued (bound to a key the DPoP proof
 * must use), and re-verifies the chains stored behind it, status included,
 * as every signed action does.
 * @throws LegateError for a session that is not this node's, not valid, or unknown.
 */
export async function proveSession(
  context: ProveContext,
  token: string,
  requested: readonly RequestedCapability[],
  proofJkt: string | undefined,
): Promise<ProvenAuthority> {
  const { node } = context;
  const decoded = decodeCompactJws(token, DEFAULT_MAX_TOKEN_LENGTH);
  const iss = str(decoded.payload.iss);
  const aud = str(decoded.payload.aud);
  if (!(await isOurs(node, iss)) || !(await isOurs(node, aud))) {
    throw legateError('ERR_UNTRUSTED_ISSUER', 'only session tokens this node issued are exchanged here', { claim: 'iss' });
  }
  const session = await verifySessionToken(token, { resolver: node.resolver, audience: aud!, issuers: [iss!], clock: node.clock, skewSeconds: node.oauth.clockSkewSeconds });
  if (!session.verified || session.claims === undefined) throw firstError(session.errors);
  const claims = session.claims;
  const agent = sessionAgent(claims);
  checkClient(context.clientId, agent);
  // A session is bound to its agent's key: only a proof made with that key shows the caller holds it, Bearer or not.
  if (proofJkt === undefined) throw legateError('ERR_DPOP_INVALID', 'a session token is exchanged only with a DPoP proof by its key', { claim: 'DPoP', reason: 'missing' });
  if (proofJkt !== jwkThumbprint(claims.cnf.jwk)) throw legateError('ERR_KEY_BINDING', 'the DPoP key must be the session’s key (cnf)', { claim: 'cnf' });
  const stored = await sessionChains(node, claims.jti);
  if (stored === undefined) throw legateError('ERR_EXPIRED', 'the session is over or unknown to this node', { claim: 'jti', reason: 'session-unknown' });

  const chains = new Map<string, Promise<ChainVerification>>();
  const chainOf = (credential: string) => {
    let chain = chains.get(credential);
    if (chain === undefined) chains.set(credential, (chain = verifyChain(stored[credential] ?? [], context.options)));
    return chain;
  };
  const perRequest: [RequestedCapability, GrantCandidate[]][] = [];
  const rejected: Refusal[] = [];
  for (const request of requested) {
    const capabilities = claims.capabilities.filter((c) => capabilityContains(c, request));
    const candidates: GrantCandidate[] = [];
    const failures: LegateError[] = [];
    for (const { credential, credentialConstraints: _shared, ...capability } of capabilities) {
      if (stored[credential] === undefined) continue;
      const chain = await chainOf(credential);
      const errors = errorsForCapability(chain, capability);
      if (chain.leaf !== undefined && chain.leaf.credentialSubject.id !== agent) {
        errors.push(legateError('ERR_HOLDER_BINDING', 'the session’s agent is not the subject of its credential', { claim: 'holder' }));
      }
      if (errors.length === 0 && chain.leaf?.id === credential) candidates.push({ capability, leaf: chain.leaf, chain });
      else failures.push(...errors);
    }
    if (candidates.length > 0) {
      perRequest.push([request, candidates]);
      continue;
    }
    const best = mostRelevant(failures);
    const earlier = claims.rejected?.find((r) => sameRequest(r, request));
    const scope = request.scope === undefined ? {} : { scope: request.scope };
    rejected.push(
      best !== undefined
        ? { action: request.action, resource: request.resource, ...scope, code: forPeer(best).code, reason: forPeer(best).message.slice(0, 256) }
        : { action: request.action, resource: request.resource, ...scope, code: earlier?.code ?? 'ERR_NOT_AUTHORIZED', reason: 'the session does not cover this request' },
    );
  }
  return {
    client: agent,
    perRequest,
    rejected,
    replayKeys: [],
    replayUntil: 0,
    // A token exchanged from a session never outlives the session.
    notAfter: claims.exp * 1000,
  };
}
