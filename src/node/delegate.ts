/**
 * @module node/delegate
 *
 * One of this node's agents delegates part of a credential it holds to
 * another agent (often a did:key sub-agent). Convenience over
 * {@link delegateCapability}: the child starts from the parent capability
 * that covers it, constraints and all, and the caller only tightens; the
 * narrowing rules are still enforced by the library.
 */

import { randomUUID } from 'node:crypto';
import { InputError, StoreError, VerificationError } from '../errors/index.js';
import { actionWithin, resourceWithin } from '../capability/attenuate.js';
import { delegateCapability } from '../delegation/delegate.js';
import type { IssuedCredential, IssuedDataIntegrityCredential, IssuedSecuredCredential } from '../credential/issue.js';
import type { AgentCapabilityCredential, Capability, Constraints } from '../credential/types.js';
import { verifyCapabilityCredential } from '../credential/verify.js';
import { securingForm } from '../credential/verify-secured.js';
import { getAgent } from './agents.js';
import { withStore, type NodeContext } from './context.js';
import { credentialRecord } from './issue.js';
import { allocateStatus } from './status.js';
import { verificationOptions } from './verify.js';
import { audit } from './audit.js';

export interface DelegateFromAgentOptions {
  /** The delegating agent's name in this node. */
  from: string;
  /** The parent credential: its id in this node's store, its JWT, or its Data Integrity JSON. */
  credential: string;
  /** The receiving agent's DID. */
  to: string;
  /** The child capability's action, resource and scope; its constraints tighten the parent's. */
  capability: Capability;
  maxDepth?: number;
  validFor?: string;
  /** How the child is secured: `jwt` (default) or `di` (a Data Integrity proof), whatever the parent's form. */
  format?: 'jwt' | 'di';
}

/** The parent credential as a verified object, from the store or from its secured form (a JWT or DI JSON). */
async function loadParent(ctx: NodeContext, credential: string): Promise<{ token: string; credential: AgentCapabilityCredential }> {
  const given = securingForm(credential) === 'di' || credential.includes('.');
  const token = given ? credential.trim() : (await ctx.store.getCredential(credential))?.token;
  if (token === undefined) throw new StoreError('ERR_NOT_FOUND', `no credential ${credential} in this node`, { claim: 'credential' });
  const result = await verifyCapabilityCredential(token, verificationOptions(ctx));
  if (!result.verified || result.credential === undefined) {
    const first = result.errors[0];
    throw new VerificationError(first?.code ?? 'ERR_SIGNATURE_INVALID', `the parent credential does not verify: ${result.errors.map((e) => e.code).join(', ')}`, {
      claim: 'credential',
    });
  }
  return { token, credential: result.credential };
}

function coveringCapability(parent: AgentCapabilityCredential, child: Capability): Capability | undefined {
  return parent.credentialSubject.capabilities.find(
    (p) => actionWithin(child.action, p.action) && resourceWithin(child.resource, p.resource) && (p.scope === undefined || p.scope === child.scope),
  );
}

/**
 * Delegates from an agent of this node and records the child credential.
 * @throws VerificationError `ERR_CAPABILITY_WIDENED` when no parent capability
 * covers the child or a flag loosens a limit; `ERR_DELEGATION_DEPTH`.
 *
 * @example
 * ```ts
 * // acme -> alice -> refund-helper
 * await delegateFromAgent(node, { from: 'alice', credential: id, to: helper.did,
 *   capability: { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 20, currency: 'USD' } } } });
 * ```
 */
export function delegateFromAgent(ctx: NodeContext, options: DelegateFromAgentOptions & { format: 'di' }): Promise<IssuedDataIntegrityCredential>;
export function delegateFromAgent(ctx: NodeContext, options: DelegateFromAgentOptions & { format?: 'jwt' | undefined }): Promise<IssuedCredential>;
export function delegateFromAgent(ctx: NodeContext, options: DelegateFromAgentOptions): Promise<IssuedSecuredCredential>;
export async function delegateFromAgent(ctx: NodeContext, options: DelegateFromAgentOptions): Promise<IssuedSecuredCredential> {
  const agent = await getAgent(ctx, options.from);
  const parent = await loadParent(ctx, options.credential);
  if (parent.credential.credentialSubject.id !== agent.did) {
    throw new InputError('ERR_INVALID_ARGUMENT', `the credential was not issued to ${agent.name}`, { claim: 'credential' });
  }
  const base = coveringCapability(parent.credential, options.capability);
  if (base === undefined) {
    throw new VerificationError('ERR_CAPABILITY_WIDENED', 'no capability of the parent covers this action and resource', { claim: 'capabilities' });
  }
  const constraints: Constraints = { ...base.constraints, ...options.capability.constraints };
  const capability: Capability = {
    ...options.capability,
    ...(base.scope === undefined || options.capability.scope !== undefined ? {} : { scope: base.scope }),
    ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
  };
  const shared = parent.credential.credentialSubject.constraints;
  const signer = await ctx.keys.signer(agent.kid);
  const id = `urn:uuid:${randomUUID()}`;
  return ctx.store.transaction(async (store) => {
    // The delegating agent is the child's issuer, so it signs the child's status lists too.
    const credentialStatus = await allocateStatus(withStore(ctx, store), agent.did, id);
    const issued = await delegateCapability({
      id,
      parent: parent.credential,
      signer,
      to: options.to,
      capabilities: [capability],
      credentialStatus,
      ...(shared === undefined ? {} : { constraints: shared }),
      ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      ...(options.validFor === undefined ? {} : { validFor: options.validFor }),
      ...(options.format === undefined ? {} : { format: options.format }),
      clock: ctx.clock,
    });
    await store.putCredential(credentialRecord(issued, options.to));
    await audit(withStore(ctx, store), {
      type: 'delegation',
      decision: 'allow',
      agent: options.to,
      owner: parent.credential.credentialSubject.owner,
      chain: [options.to, agent.did, parent.credential.credentialSubject.owner],
      credentials: [parent.credential.id, issued.id],
      details: { capability: `${capability.action}:${capability.resource}` },
    });
    return issued;
  });
}
