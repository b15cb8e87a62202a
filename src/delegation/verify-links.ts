/**
 * @module delegation/verify-links
 *
 * Verifies the credentials of one or more delegation chains, each once,
 * trust before fetch (#13 item 2): with a trust policy, a root credential's
 * issuer is asked about before its DID is resolved (see
 * `verifyCapabilityCredential`), and a delegated credential is verified only
 * once its parent's signature verified and names its issuer as subject. So
 * every DID resolved and every status list fetched for a chain is named by a
 * credential that a trusted root's line of signatures vouches for; what a
 * stranger names is never looked up. Roots are verified first, then their
 * children, level by level. Without a trust policy every credential is
 * verified at once, as before.
 */

import { legateError } from '../errors/index.js';
import { verifyCapabilityCredential } from '../credential/verify.js';
import { issuerId, type AgentCapabilityCredential } from '../credential/types.js';
import type { CredentialVerification, VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { readUnverifiedForm, type SecuredCredential } from '../credential/verify-secured.js';
import { isRecord } from '../lib/assert.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from '../lib/jws.js';

type Result = CredentialVerification<AgentCapabilityCredential>;

/** The parent id a credential states, unverified; undefined for a root (or an unreadable one). */
function parentOf(credential: Record<string, unknown> | undefined): unknown {
  const subject = credential?.credentialSubject;
  return isRecord(subject) && isRecord(subject.delegation) ? subject.delegation.parent : undefined;
}

/** A link left unverified because nothing trusted vouches for its issuer: its statements, and why. */
function unvouched(credential: Record<string, unknown>, message: string): Result {
  const issuer = issuerId(credential);
  return {
    verified: false,
    errors: [legateError('ERR_CHAIN_INVALID', `not verified: ${message}`, { claim: 'chain', reason: 'untrusted-parent' })],
    credential: credential as unknown as AgentCapabilityCredential,
    ...(issuer === undefined ? {} : { issuer }),
  };
}

/**
 * Verifies each of `tokens` (the links of one or more chains, any order);
 * `results[i]` is `tokens[i]`'s verification. Never throws for a bad
 * credential; a work budget's `ERR_WORK_LIMIT` propagates.
 *
 * @internal Shared by `verifyChain` and `verifyPresentation`.
 */
export async function verifyLinks(tokens: readonly SecuredCredential[], options: VerifyCredentialOptions): Promise<Result[]> {
  if (options.trust === undefined) return Promise.all(tokens.map((secured) => verifyCapabilityCredential(secured, options)));
  const maxLength = options.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  const read = tokens.map((secured) => readUnverifiedForm(secured, maxLength, options.signatureMemo));
  const stated = read.map((r) => r.stated);
  const byId = new Map<string, number>();
  stated.forEach((credential, i) => {
    if (typeof credential?.id === 'string' && !byId.has(credential.id)) byId.set(credential.id, i);
  });
  // Each link's distance from its root, following stated parents; undefined when no root is reached (a cycle, a missing parent).
  const level = stated.map((credential) => {
    let current = credential;
    for (let steps = 0; steps <= tokens.length; steps++) {
      const parent = parentOf(current);
      if (parent === undefined) return steps;
      const index = typeof parent === 'string' ? byId.get(parent) : undefined;
      if (index === undefined) return undefined;
      current = stated[index];
    }
    return undefined;
  });
  const results: (Result | undefined)[] = tokens.map(() => undefined);
  const deepest = Math.max(0, ...level.map((l) => l ?? 0));
  for (let depth = 0; depth <= deepest; depth++) {
    const here = tokens.map((_, i) => i).filter((i) => level[i] === depth || (depth === 0 && (level[i] === undefined || stated[i] === undefined)));
    await Promise.all(
      here.map(async (i) => {
        const credential = stated[i];
        // Unreadable credentials fail at decoding, before any lookup; roots are trust-checked first by verifyCapabilityCredential.
        if (credential === undefined || level[i] === 0) {
          results[i] = await verifyCapabilityCredential(tokens[i]!, options, read[i]);
          return;
        }
        if (level[i] === undefined) {
          results[i] = unvouched(credential, 'it does not descend from a root credential presented with it');
          return;
        }
        const parent = results[byId.get(parentOf(credential) as string)!]!;
        if (parent.signed !== true || parent.credential === undefined) {
          results[i] = unvouched(credential, 'its parent credential did not verify');
        } else if (issuerId(credential) !== (parent.credential.credentialSubject as { id?: unknown } | undefined)?.id) {
          results[i] = unvouched(credential, 'it is not issued by the subject of its parent');
        } else {
          results[i] = await verifyCapabilityCredential(tokens[i]!, options, read[i]);
        }
      }),
    );
  }
  return results as Result[];
}
