/**
 * @module delegation/delegate
 *
 * An agent hands a narrower slice of its authority to another agent (often
 * an ephemeral did:key sub-agent) by issuing a child capability credential
 * that points at its parent. Widening is refused here, at signing time, and
 * again by every verifier of the chain (DESIGN.md, "Delegation and
 * attenuation").
 */

import { legateError } from '../errors/index.js';
import { subjectNarrows } from '../capability/attenuate.js';
import {
  issueCapabilityCredential,
  type IssuedCredential,
  type IssuedDataIntegrityCredential,
  type IssuedSecuredCredential,
} from '../credential/issue.js';
import type { AgentCapabilityCredential, Capability, Constraints, StatusEntry } from '../credential/types.js';
import type { Signer } from '../keys/signer.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { addDuration, parseDuration } from '../lib/duration.js';

export interface DelegateOptions {
  /** The parent credential, held (and already verified) by the delegating agent. */
  parent: AgentCapabilityCredential;
  /** The delegating agent's key: it must belong to the parent's subject. */
  signer: Signer;
  /** The receiving agent's DID. */
  to: string;
  /** What the child may do: each capability must narrow one of the parent's. */
  capabilities: Capability[];
  /** Shared constraints of the child; the parent's still apply and must be restated. */
  constraints?: Constraints;
  agent?: { name: string; version?: string };
  /** How deep the chain may still grow; never more than the parent allows. */
  maxDepth?: number;
  /** Validity from now (ISO 8601 or short); capped at the parent's end of validity. */
  validFor?: string;
  /** The child's id; defaults to a fresh `urn:uuid:`. */
  id?: string;
  /** Status entries for the child (revocation, suspension), allocated by the delegator. */
  credentialStatus?: StatusEntry[];
  /** How the child is secured: `jwt` (default) or `di` (a Data Integrity proof); either form may sit under either form of parent. */
  format?: 'jwt' | 'di';
  clock?: Clock;
}

/** The parent's delegation block, with the implicit defaults of a root credential. */
export function delegationOf(credential: AgentCapabilityCredential): { depth: number; maxDepth: number; parent?: string } {
  return credential.credentialSubject.delegation ?? { depth: 0, maxDepth: 0 };
}

/**
 * Issues a child credential to `to`, narrower than `parent`.
 *
 * @throws VerificationError `ERR_DELEGATION_DEPTH` when the parent is not
 * delegable this deep; `ERR_CAPABILITY_WIDENED` when the child would widen
 * any capability, constraint or the validity window. InputError
 * `ERR_INVALID_ARGUMENT` when the signer is not the parent's subject.
 *
 * @example
 * ```ts
 * // acme -> alice -> sub-agent
 * const child = await delegateCapability({
 *   parent: aliceCredential, signer: aliceSigner, to: sub.did,
 *   capabilities: [{ action: 'call', resource: 'billing:refund',
 *                    constraints: { maxAmount: { value: 20, currency: 'USD' } } }],
 *   validFor: 'PT1H',
 * });
 * ```
 */
export function delegateCapability(options: DelegateOptions & { format: 'di' }): Promise<IssuedDataIntegrityCredential>;
export function delegateCapability(options: DelegateOptions & { format?: 'jwt' | undefined }): Promise<IssuedCredential>;
export function delegateCapability(options: DelegateOptions): Promise<IssuedSecuredCredential>;
export async function delegateCapability(options: DelegateOptions): Promise<IssuedSecuredCredential> {
  const { parent, signer } = options;
  const holder = parent.credentialSubject.id;
  if (!signer.kid.startsWith(`${holder}#`)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'only the subject of the parent credential can delegate it', { claim: 'signer' });
  }
  const { depth: parentDepth, maxDepth } = delegationOf(parent);
  const depth = parentDepth + 1;
  if (depth > maxDepth) {
    throw legateError('ERR_DELEGATION_DEPTH', `the parent allows delegation to depth ${maxDepth}; this child would be at depth ${depth}`, {
      claim: 'delegation',
    });
  }
  const childMaxDepth = options.maxDepth ?? maxDepth;
  if (childMaxDepth > maxDepth || childMaxDepth < depth) {
    throw legateError('ERR_DELEGATION_DEPTH', `maxDepth must be between ${depth} and ${maxDepth}`, { claim: 'maxDepth' });
  }
  const subject = {
    id: options.to,
    owner: parent.credentialSubject.owner,
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    capabilities: options.capabilities,
    ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
    delegation: { parent: parent.id, depth, maxDepth: childMaxDepth },
  };
  const narrowing = subjectNarrows(parent.credentialSubject, subject);
  if (!narrowing.ok) {
    throw legateError('ERR_CAPABILITY_WIDENED', `the child would widen its parent: ${narrowing.reasons.join('; ')}`, {
      claim: 'capabilities',
    });
  }

  const now = (options.clock ?? systemClock)();
  const parentFrom = new Date(parent.validFrom);
  const validFrom = now < parentFrom ? parentFrom : now;
  const parentUntil = parent.validUntil === undefined ? undefined : new Date(parent.validUntil);
  let validUntil = options.validFor === undefined ? parentUntil : addDuration(validFrom, parseDuration(options.validFor));
  if (parentUntil !== undefined && (validUntil === undefined || validUntil > parentUntil)) validUntil = parentUntil;
  if (validUntil !== undefined && validUntil <= validFrom) {
    throw legateError('ERR_EXPIRED', 'the parent credential has expired', { claim: 'validUntil' });
  }

  return issueCapabilityCredential({
    issuer: holder,
    signer,
    subject,
    validFrom,
    ...(validUntil === undefined ? {} : { validUntil }),
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.credentialStatus === undefined ? {} : { credentialStatus: options.credentialStatus }),
    ...(options.format === undefined ? {} : { format: options.format }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}
