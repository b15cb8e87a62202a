/**
 * @module handshake/evaluate
 *
 * Turns a verified presentation into per-capability answers: which intents
 * a verified chain covers (trusted, with the credential that grants them),
 * and for the others the most relevant reason code collected while
 * verifying the chains that would have covered them (revoked, untrusted
 * issuer, widened, expired…), else `ERR_NOT_AUTHORIZED`. Constraints are
 * not evaluated here: they apply per action (DESIGN "Signed actions").
 * Internal to the handshake.
 */

import { actionWithin, resourceWithin } from '../capability/attenuate.js';
import { capabilityCovers, isConcreteAction, isConcreteResource } from '../capability/match.js';
import type { AgentCapabilityCredential, Capability } from '../credential/types.js';
import { errorsForCapability, type ChainVerification } from '../delegation/verify-chain.js';
import { legateError, type LegateError } from '../errors/index.js';
import type { PresentationVerification } from '../presentation/verify.js';
import { clip } from './message.js';
import { forPeer } from '../lib/peer-error.js';
import type { Intent, RejectedCapability, TrustedCapability, Verdict } from './types.js';

/** An intent a verified chain covers. */
export interface CoveredIntent {
  entry: TrustedCapability;
  intent: Intent;
  /** The capability of the leaf credential that contains the intent. */
  capability: Capability;
  chain: ChainVerification;
  leaf: AgentCapabilityCredential;
  /**
   * Other usable chains that also contain the intent (other leaf credentials),
   * in presentation order: a session may carry them too, so an action one
   * credential's limits refuse can still use another's (issue #13 item 14).
   */
  alternatives?: CoveredIntent[];
}

/**
 * Reason codes from most to least telling about the authority itself: a
 * statement that it was withdrawn or never valid beats a transient or
 * structural failure.
 */
const RELEVANCE = [
  'ERR_REVOKED',
  'ERR_SUSPENDED',
  'ERR_UNTRUSTED_ISSUER',
  'ERR_CAPABILITY_WIDENED',
  'ERR_DELEGATION_DEPTH',
  'ERR_EXPIRED',
  'ERR_NOT_YET_VALID',
  'ERR_HOLDER_BINDING',
  'ERR_SIGNATURE_INVALID',
  'ERR_KID_INVALID',
  'ERR_ALG_NOT_ALLOWED',
  'ERR_CHAIN_INVALID',
  'ERR_STATUS_UNAVAILABLE',
  'ERR_DID_UNRESOLVABLE',
] as const;

function relevance(error: LegateError): number {
  const index = (RELEVANCE as readonly string[]).indexOf(error.code);
  return index === -1 ? RELEVANCE.length : index;
}

/** A rejection's code and reason as the peer is told them: what a fetch found stays local (lib/peer-error). */
function told(error: LegateError): { code: string; reason: string } {
  const shown = forPeer(error);
  return { code: shown.code, reason: clip(shown.message) };
}

/** The most relevant of `errors` (the first of equal relevance), or undefined. */
export function mostRelevant(errors: readonly LegateError[]): LegateError | undefined {
  return errors.reduce<LegateError | undefined>((best, e) => (best === undefined || relevance(e) < relevance(best) ? e : best), undefined);
}

/**
 * True when `capability` contains the intent. A concrete intent is matched
 * as a request (`capabilityCovers`); a pattern intent (`crm:*`) must lie
 * within the capability's pattern, with the same scope rule: a scoped
 * capability contains only intents of exactly its scope.
 */
export function capabilityContains(capability: Pick<Capability, 'action' | 'resource' | 'scope'>, intent: Intent): boolean {
  if (isConcreteAction(intent.action) && isConcreteResource(intent.resource)) return capabilityCovers(capability, intent);
  if (!actionWithin(intent.action, capability.action) || !resourceWithin(intent.resource, capability.resource)) return false;
  return capability.scope === undefined || capability.scope === intent.scope;
}

/**
 * Why `capability` of a chain's leaf cannot be used: the chain's errors that
 * bear on it (issuer trust is per capability, see `errorsForCapability`),
 * and holder binding.
 */
function capabilityFailures(chain: ChainVerification, holder: string | undefined, capability: Capability): LegateError[] {
  const errors = [...errorsForCapability(chain, capability)];
  if (chain.leaf !== undefined && chain.leaf.credentialSubject.id !== holder) {
    errors.push(legateError('ERR_HOLDER_BINDING', `the holder is not the subject of ${chain.leaf.id}`, { claim: 'holder' }));
  }
  if (errors.length === 0 && chain.leaf === undefined) {
    errors.push(legateError('ERR_CHAIN_INVALID', 'the chain did not verify', { claim: 'chain' }));
  }
  return errors;
}

/**
 * The errors of a presentation that are not about one of its chains: its
 * signature, audience, nonce, timestamps, envelope. Those fail the whole
 * message; chain errors only reject the capabilities of that chain.
 */
export function presentationErrors(verification: PresentationVerification): LegateError[] {
  const ofChains = new Set(verification.chains.flatMap((c) => c.errors));
  return verification.errors.filter((e) => !ofChains.has(e) && e.code !== 'ERR_HOLDER_BINDING');
}

function withScope<T extends object>(target: T, scope: string | undefined): T & { scope?: string } {
  return scope === undefined ? target : { ...target, scope };
}

/** Splits intents into those a usable chain covers and the rest, each with its reason. */
export function evaluateIntents(
  intents: readonly Intent[],
  verification: PresentationVerification,
): { covered: CoveredIntent[]; rejected: RejectedCapability[] } {
  const holder = verification.holder;
  const covered: CoveredIntent[] = [];
  const rejected: RejectedCapability[] = [];
  for (const intent of intents) {
    const base = withScope({ action: intent.action, resource: intent.resource }, intent.scope);
    // Every (chain, capability) that contains the intent, with why it cannot be used (none: usable).
    const candidates = verification.chains.flatMap((chain) =>
      (chain.leaf?.credentialSubject.capabilities ?? [])
        .filter((c) => capabilityContains(c, intent))
        .map((capability) => ({ chain, capability, failures: capabilityFailures(chain, holder, capability) })),
    );
    const usable = candidates
      .filter((c) => c.failures.length === 0 && c.chain.leaf !== undefined)
      .map((c): CoveredIntent => ({ entry: { ...base, credential: c.chain.leaf!.id }, intent, capability: c.capability, chain: c.chain, leaf: c.chain.leaf! }))
      .filter((c, i, all) => all.findIndex((o) => o.leaf.id === c.leaf.id) === i);
    const [first, ...others] = usable;
    if (first !== undefined) {
      covered.push(others.length === 0 ? first : { ...first, alternatives: others });
      continue;
    }
    const best = mostRelevant(candidates.flatMap((c) => c.failures));
    const from = candidates.find((c) => best !== undefined && c.failures.includes(best))?.chain.leaf?.id;
    rejected.push(
      best === undefined
        ? { ...base, code: 'ERR_NOT_AUTHORIZED', reason: 'no presented capability covers this intent' }
        : { ...base, ...told(best), ...(from === undefined ? {} : { credential: from }) },
    );
  }
  return { covered, rejected };
}

/** Most entries a verdict lists on each side (the confirm schema's bound). */
const MAX_VERDICT_ENTRIES = 256;

/**
 * A verdict on every capability a presentation shows: the capabilities of
 * usable chains are trusted, those of failed chains are rejected with their
 * chain's most relevant reason. Chains whose leaf could not be decoded
 * show no capability and are left out.
 */
export function verdictOf(verification: PresentationVerification): Verdict {
  const verdict: Verdict = { trusted: [], rejected: [] };
  for (const chain of verification.chains) {
    const leaf = chain.leaf;
    if (leaf === undefined) continue;
    for (const capability of leaf.credentialSubject.capabilities) {
      const best = mostRelevant(capabilityFailures(chain, verification.holder, capability));
      const base = withScope({ action: capability.action, resource: capability.resource }, capability.scope);
      if (best === undefined) verdict.trusted.push({ ...base, credential: leaf.id });
      else verdict.rejected.push({ ...base, ...told(best), credential: leaf.id });
    }
  }
  return { trusted: verdict.trusted.slice(0, MAX_VERDICT_ENTRIES), rejected: verdict.rejected.slice(0, MAX_VERDICT_ENTRIES) };
}
