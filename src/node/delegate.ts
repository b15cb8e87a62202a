/**
 * @module node/delegate
 *
 * One of this node's agents delegates part of a credential it holds to
 * another agent (often a did:key sub-agent). Convenience over
 * {@link delegateCapability}: the child starts from the parent capability
 * that covers it, constraints and all, and the caller only tightens; the
 * narrowing rules are still enforced by the library.
 */

import { legateError } from '../errors/index.js';
import { actionWithin, resourceWithin } from '../capability/attenuate.js';
import { delegateCapability } from '../delegation/delegate.js';
import type { IssuedCredential, IssuedDataIntegrityCredential, IssuedSecuredCredential } from '../credential/issue.js';
import type { AgentCapabilityCredential, Capability, Constraints } from '../credential/types.js';
import { verifyCapabilityCredential } from '../credential/verify.js';
import { securingForm } from '../credential/verify-secured.js';
import { getAgent } from './agents.js';
import { inTransaction, type NodeContext } from './context.js';
import { credentialRecord, newCredentialId } from './issue.js';
import { allocateStatus } from './status.js';
import { verificationOptions } from './verify.js';
import { audit } from './audit.js';
import { agentSigner } from './signers.js';

export interface DelegateFromAgentOptions {
  /** The delegating agent's name in this node. */
  from: string;
  /** The parent credential: its id in this node's store, its JWT, or its Data Integrity JSON. */
  credential: string;
  /** The receiving agent: its DID, or the name of an active agent of this node. */
  to: string;
  /**
   * The child capability's action, resource and scope; its constraints tighten
   * the parent's. What it leaves out it inherits from the parent capability
   * that covers it: the scope, and every constraint.
   */
  capability?: Capability;
  /** Several child capabilities at once, each inheriting as `capability` does (give this or `capability`). */
  capabilities?: Capability[];
  /** Shared constraints of the child: they tighten the parent's shared constraints, which the child inherits. */
  constraints?: Constraints;
  maxDepth?: number;
  validFor?: string;
  /** How the child is secured: `jwt` (default) or `di` (a Data Integrity proof), whatever the parent's form. */
  format?: 'jwt' | 'di';
}

/** The parent credential as a verified object, from the store or from its secured form (a JWT or DI JSON). */
async function loadParent(ctx: NodeContext, credential: string): Promise<{ token: string; credential: AgentCapabilityCredential }> {
  const given = securingForm(credential) === 'di' || credential.includes('.');
  const token = given ? credential.trim() : (await ctx.store.getCredential(credential))?.token;
  if (token === undefined) throw legateError('ERR_NOT_FOUND', `no credential ${credential} in this node`, { claim: 'credential' });
  const result = await verifyCapabilityCredential(token, verificationOptions(ctx));
  if (!result.verified || result.credential === undefined) {
    const first = result.errors[0];
    throw legateError(first?.code ?? 'ERR_SIGNATURE_INVALID', `the parent credential does not verify: ${result.errors.map((e) => e.code).join(', ')}`, {
      claim: 'credential',
    });
  }
  return { token, credential: result.credential };
}

/**
 * The parent capability a child capability starts from: one with the same
 * scope, else an unscoped one (a scope given for the child only narrows it),
 * else, when the child names no scope, a scoped one whose scope it inherits.
 * @throws VerificationError `ERR_CAPABILITY_WIDENED`, naming the parent's
 * scopes when only the scope stands in the way.
 */
function coveringCapability(parent: AgentCapabilityCredential, child: Capability): Capability {
  const covering = parent.credentialSubject.capabilities.filter((p) => actionWithin(child.action, p.action) && resourceWithin(child.resource, p.resource));
  const base =
    covering.find((p) => p.scope === child.scope) ??
    covering.find((p) => p.scope === undefined) ??
    (child.scope === undefined ? covering.find((p) => p.scope !== undefined) : undefined);
  if (base !== undefined) return base;
  const what = `${child.action} ${child.resource}`;
  const scopes = covering.map((p) => `'${p.scope ?? ''}'`).join(', ');
  throw legateError(
    'ERR_CAPABILITY_WIDENED',
    covering.length === 0
      ? `no capability of the parent covers ${what}`
      : `scope: the parent holds ${what} only with scope ${scopes}, not '${child.scope ?? ''}'`,
    { claim: 'capabilities', ...(covering.length === 0 ? {} : { reason: 'scope' }) },
  );
}

/** The child capability: what it leaves out comes from the parent capability that covers it. */
function inherit(parent: AgentCapabilityCredential, child: Capability): Capability {
  const base = coveringCapability(parent, child);
  const constraints: Constraints = { ...base.constraints, ...child.constraints };
  return {
    ...child,
    ...(base.scope === undefined || child.scope !== undefined ? {} : { scope: base.scope }),
    ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
  };
}

const DID = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/;

/** The receiving agent's DID: a DID as given, or the DID of an active agent of this node named so. */
async function recipient(ctx: NodeContext, to: string): Promise<string> {
  if (to.startsWith('did:')) {
    // The credential schema's DID syntax, checked here so the refusal names `to`, not a schema path.
    if (!DID.test(to)) throw legateError('ERR_INVALID_ARGUMENT', `${to.slice(0, 128)} is not a valid DID`, { claim: 'to' });
    return to;
  }
  const agent = await ctx.store.getAgent(to);
  if (agent === undefined) {
    throw legateError('ERR_INVALID_ARGUMENT', `${to.slice(0, 128)} is neither a DID nor the name of an agent of this node`, { claim: 'to' });
  }
  if (agent.status !== 'active') throw legateError('ERR_CONFLICT', `agent ${agent.name} is retired`, { claim: 'to', reason: 'retired' });
  return agent.did;
}

function requested(options: DelegateFromAgentOptions): Capability[] {
  const { capability, capabilities } = options;
  if ((capability === undefined) === (capabilities === undefined) || (capabilities !== undefined && capabilities.length === 0)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'give either one capability or a non-empty list of capabilities', { claim: 'capabilities' });
  }
  return capabilities ?? [capability!];
}

/**
 * Delegates from an agent of this node and records the child credential.
 * The child inherits what it does not narrow: each capability the scope and
 * constraints of the parent capability covering it, and the parent's shared
 * constraints.
 * @throws VerificationError `ERR_CAPABILITY_WIDENED` when no parent capability
 * covers the child (reason `scope` when only the scope differs) or a flag
 * loosens a limit; `ERR_DELEGATION_DEPTH`. InputError `ERR_INVALID_ARGUMENT`
 * when `to` is neither a DID nor a local agent's name; StoreError
 * `ERR_CONFLICT` for a retired local agent.
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
  const wanted = requested(options);
  const agent = await getAgent(ctx, options.from);
  const to = await recipient(ctx, options.to);
  const parent = await loadParent(ctx, options.credential);
  if (parent.credential.credentialSubject.id !== agent.did) {
    throw legateError('ERR_INVALID_ARGUMENT', `the credential was not issued to ${agent.name}`, { claim: 'credential' });
  }
  const capabilities = wanted.map((c) => inherit(parent.credential, c));
  // The parent's shared constraints bind the child too; given ones only tighten (the library checks).
  const merged: Constraints = { ...parent.credential.credentialSubject.constraints, ...options.constraints };
  const shared = Object.keys(merged).length === 0 ? undefined : merged;
  const signer = await agentSigner(ctx, agent);
  const id = newCredentialId(ctx.clock);
  return inTransaction(ctx, async (tx) => {
    // The delegating agent is the child's issuer, so it signs the child's status lists too.
    const credentialStatus = await allocateStatus(tx, agent.did, id);
    const issued = await delegateCapability({
      id,
      parent: parent.credential,
      signer,
      to,
      capabilities,
      credentialStatus,
      ...(shared === undefined ? {} : { constraints: shared }),
      ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
      ...(options.validFor === undefined ? {} : { validFor: options.validFor }),
      ...(options.format === undefined ? {} : { format: options.format }),
      clock: ctx.clock,
    });
    await tx.store.putCredential(credentialRecord(issued, to));
    await audit(tx, {
      type: 'delegation',
      decision: 'allow',
      agent: to,
      owner: parent.credential.credentialSubject.owner,
      chain: [to, agent.did, parent.credential.credentialSubject.owner],
      credentials: [parent.credential.id, issued.id],
      details: {
        capability: `${capabilities[0]!.action}:${capabilities[0]!.resource}`,
        ...(capabilities.length === 1 ? {} : { capabilities: capabilities.map((c) => `${c.action}:${c.resource}`).slice(0, 32) }),
      },
    });
    return issued;
  });
}
