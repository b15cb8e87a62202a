/**
 * @module presentation/verify
 *
 * Verifies a `vp+jwt` presentation: only `alg: EdDSA`; signed by an
 * `authentication` key of the holder's DID; `aud` is this verifier; `nonce`
 * is the challenge it issued; fresh (`iat` within `maxAgeSeconds`, `exp` not
 * passed, both with skew); every credential (enveloped `vc+jwt`, or an
 * embedded Data Integrity credential) grouped into its delegation chain and
 * each chain verified; holder binding (the holder is
 * the subject of every leaf credential). Every failed check is reported.
 */

import type { KeyResolvable } from '../did/verification-key.js';
import { LegateError, legateError } from '../errors/index.js';
import { didSignature } from '../did/signature.js';
import { delegationOf } from '../delegation/delegate.js';
import { chainOf, type ChainVerification } from '../delegation/verify-chain.js';
import type { AgentCapabilityCredential } from '../credential/types.js';
import { verifyLinks } from '../delegation/verify-links.js';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import type { SecuredCredential } from '../credential/verify-secured.js';
import { isRecord } from '../lib/assert.js';
import { sameString } from '../lib/same-string.js';
import { epochSeconds, systemClock } from '../lib/clock.js';
import { decodeCompactJws, headerErrors, type DecodedJws } from '../lib/jws.js';
import type { WorkBudget } from '../lib/work-budget.js';
import { ENVELOPE_PREFIX, MAX_PRESENTED_CREDENTIALS } from './create.js';

export interface VerifyPresentationOptions extends VerifyCredentialOptions {
  /** This verifier's DID: the presentation's `aud` must name it. */
  audience: string;
  /** The challenge this verifier issued. */
  nonce: string;
  /** Oldest acceptable `iat`, in seconds; default 300. */
  maxAgeSeconds?: number;
}

export interface PresentationVerification {
  verified: boolean;
  errors: LegateError[];
  holder?: string;
  /** One verified (or failed) chain per leaf credential. */
  chains: ChainVerification[];
  /** Leaf credentials of the chains that verified: what the holder may do. */
  credentials: AgentCapabilityCredential[];
  /**
   * True when the holder's signature on the presentation verified. With a
   * trust policy, a holder whose DID needs the network is resolved only when
   * a chain of verified signatures from a trusted root names it as subject;
   * otherwise this is false and the chains' errors say why.
   */
  holderSigned?: boolean;
}

/** did:key documents are computed from the DID itself: resolving one fetches nothing. */
export function resolvesOffline(did: string): boolean {
  return did.startsWith('did:key:');
}

/** True when `token` is a compact JWS typed `vp+jwt` (a presentation), read without verifying anything. */
export function isPresentationToken(token: string): boolean {
  try {
    return decodeCompactJws(token, MAX_PRESENTATION_LENGTH).header.typ === 'vp+jwt';
  } catch {
    return false;
  }
}

/** Default bound on a presentation: up to 32 credentials of ≤ 64 KiB each would be too much; 256 KiB is. */
export const MAX_PRESENTATION_LENGTH = 256 * 1024;

async function signatureErrors(decoded: DecodedJws, holder: string | undefined, resolver: KeyResolvable, budget: WorkBudget | undefined): Promise<LegateError[]> {
  const policy = headerErrors(decoded.header, { typ: 'vp+jwt', what: 'presentations' });
  if (policy.length > 0) return policy;
  budget?.charge('signatures');
  const check = { did: holder, relationship: 'authentication', party: 'holder', didClaim: 'holder', what: 'presentation signature' } as const;
  return (await didSignature(decoded, resolver, check)).errors;
}

function claimErrors(payload: Record<string, unknown>, options: VerifyPresentationOptions): LegateError[] {
  const errors: LegateError[] = [];
  const { aud, nonce, iat, exp } = payload;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.some((a) => typeof a === 'string' && a === options.audience)) {
    errors.push(legateError('ERR_AUDIENCE', 'the presentation is addressed to another verifier', { claim: 'aud' }));
  }
  if (typeof nonce !== 'string' || !sameString(nonce, options.nonce)) {
    errors.push(legateError('ERR_NONCE', 'the presentation does not answer this challenge', { claim: 'nonce' }));
  }
  const now = epochSeconds((options.clock ?? systemClock)());
  const skew = options.skewSeconds ?? 60;
  if (typeof iat !== 'number') errors.push(legateError('ERR_MALFORMED', 'iat is missing', { claim: 'iat' }));
  else if (iat > now + skew) errors.push(legateError('ERR_NOT_YET_VALID', 'the presentation is dated in the future', { claim: 'iat' }));
  else if (iat < now - (options.maxAgeSeconds ?? 300) - skew) errors.push(legateError('ERR_EXPIRED', 'the presentation is stale', { claim: 'iat' }));
  if (typeof exp !== 'number') errors.push(legateError('ERR_MALFORMED', 'exp is missing', { claim: 'exp' }));
  else if (exp < now - skew) errors.push(legateError('ERR_EXPIRED', 'the presentation has expired', { claim: 'exp' }));
  return errors;
}

/** The credentials a presentation carries: enveloped JWTs, embedded Data Integrity credentials. @throws InputError */
export function presentedCredentials(payload: Record<string, unknown>): SecuredCredential[] {
  const list = payload.verifiableCredential;
  if (!Array.isArray(list) || list.length === 0) throw legateError('ERR_MALFORMED', 'the presentation carries no credentials', { claim: 'verifiableCredential' });
  if (list.length > MAX_PRESENTED_CREDENTIALS) {
    throw legateError('ERR_INPUT_TOO_LARGE', `a presentation carries at most ${MAX_PRESENTED_CREDENTIALS} credentials`, { claim: 'verifiableCredential' });
  }
  return list.map((entry): SecuredCredential => {
    if (isRecord(entry) && entry.type === 'EnvelopedVerifiableCredential' && typeof entry.id === 'string' && entry.id.startsWith(ENVELOPE_PREFIX)) {
      return entry.id.slice(ENVELOPE_PREFIX.length);
    }
    if (isRecord(entry) && 'proof' in entry) return entry;
    throw legateError('ERR_MALFORMED', 'credentials must be EnvelopedVerifiableCredential data: URLs or Data Integrity credentials', {
      claim: 'verifiableCredential',
    });
  });
}

/**
 * Groups the presented credentials into chains, one per leaf (a credential
 * no other one names as parent), as indexes into `credentials` (each one's
 * decoded form, or undefined when it could not be decoded: it becomes a
 * chain of its own and fails there with its code).
 */
function groupChains(credentials: readonly (AgentCapabilityCredential | undefined)[]): number[][] {
  const entries = credentials.map((credential, index) => {
    const parent = isRecord(credential?.credentialSubject) ? delegationOf(credential).parent : undefined;
    return { index, id: credential?.id, parent };
  });
  const parents = new Set(entries.map((e) => e.parent).filter((p) => p !== undefined));
  const byId = new Map(entries.filter((e) => typeof e.id === 'string').map((e) => [e.id, e]));
  return entries
    .filter((e) => e.id === undefined || !parents.has(e.id))
    .map((leaf) => {
      const chain = [leaf.index];
      const seen = new Set([leaf.id]);
      for (let p = leaf.parent; p !== undefined && !seen.has(p) && chain.length <= MAX_PRESENTED_CREDENTIALS; ) {
        const link = byId.get(p);
        if (link === undefined) break; // chainOf reports the missing parent
        chain.push(link.index);
        seen.add(p);
        p = link.parent;
      }
      return chain;
    });
}

/**
 * Verifies a presentation and every chain in it.
 *
 * @example
 * ```ts
 * const result = await verifyPresentation(vp, { resolver, audience: bank.did, nonce });
 * if (result.verified) authorize(request, result.credentials, { verifier: bank.did });
 * ```
 */
export async function verifyPresentation(token: string, options: VerifyPresentationOptions): Promise<PresentationVerification> {
  let decoded: DecodedJws;
  try {
    decoded = decodeCompactJws(token, options.maxLength ?? MAX_PRESENTATION_LENGTH);
  } catch (error) {
    if (error instanceof LegateError) return { verified: false, errors: [error], chains: [], credentials: [] };
    throw error;
  }
  return verifyDecodedPresentation(decoded, options);
}

/**
 * {@link verifyPresentation} of a presentation the caller already decoded
 * (with `decodeCompactJws` and the same `maxLength`), so a verifier that read
 * its claims first does not decode it twice. Every check is made, the holder's
 * signature over `decoded.signingInput` included.
 * @internal
 */
export async function verifyDecodedPresentation(decoded: DecodedJws, options: VerifyPresentationOptions): Promise<PresentationVerification> {
  const fail = (errors: LegateError[]): PresentationVerification => ({ verified: false, errors, chains: [], credentials: [] });
  let tokens: SecuredCredential[];
  try {
    tokens = presentedCredentials(decoded.payload);
  } catch (error) {
    if (error instanceof LegateError) return fail([error]);
    throw error;
  }
  const holder = typeof decoded.payload.holder === 'string' ? decoded.payload.holder : undefined;
  const { maxLength: _ignored, ...credentialOptions } = options;
  // Trust before fetch: with a trust policy, the chains first; the holder's DID only once a vouched-for chain names it.
  const holderFirst = options.trust === undefined || holder === undefined || resolvesOffline(holder);
  const holderCheck = holderFirst ? signatureErrors(decoded, holder, options.resolver, options.budget) : undefined;
  holderCheck?.catch(() => undefined); // awaited below; a budget's refusal must not surface as unhandled meanwhile
  // Each credential is verified once, however many chains it belongs to (a root shared by several leaves).
  const results = await verifyLinks(tokens, credentialOptions);
  const grouped = groupChains(results.map((r) => r.credential));
  const chains = grouped.map((chain) =>
    chainOf(
      chain.map((i) => tokens[i]!),
      chain.map((i) => results[i]!),
    ),
  );
  const named = grouped.some((chain, c) => chains[c]!.leaf?.credentialSubject.id === holder && chain.every((i) => results[i]!.signed === true));
  const signature = holderCheck ?? (named ? signatureErrors(decoded, holder, options.resolver, options.budget) : undefined);
  const signatureFailures = signature === undefined ? undefined : await signature;
  const errors = [...(signatureFailures ?? []), ...claimErrors(decoded.payload, options)];
  // A safety net: a skipped holder check must never leave a presentation without an error.
  if (signatureFailures === undefined && chains.every((c) => c.errors.length === 0 && c.leaf?.credentialSubject.id === holder)) {
    errors.push(legateError('ERR_HOLDER_BINDING', 'no verified chain names the holder, so its DID was not resolved', { claim: 'holder' }));
  }
  for (const chain of chains) {
    errors.push(...chain.errors);
    if (chain.leaf !== undefined && chain.leaf.credentialSubject.id !== holder) {
      errors.push(legateError('ERR_HOLDER_BINDING', `the holder is not the subject of ${chain.leaf.id}`, { claim: 'holder' }));
    }
  }
  return {
    verified: errors.length === 0,
    errors,
    ...(holder === undefined ? {} : { holder }),
    chains,
    credentials: chains.filter((c) => c.verified && c.leaf?.credentialSubject.id === holder).map((c) => c.leaf!),
    holderSigned: signatureFailures?.length === 0,
  };
}
