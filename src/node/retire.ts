/**
 * @module node/retire
 *
 * Retiring an agent: every credential issued to it, and every credential
 * delegated below those, is revoked; then the agent and its keys are marked
 * retired so nothing more is signed with them. One transaction: all of it
 * happens, or none.
 *
 * With a replacement (`reassignTo`, #17 item 4), the organization first
 * issues each live credential it gave the retiring agent to the replacement:
 * the same capabilities and limits, the same expiry and securing form, the
 * same owner unless another is given, continuing the old credential's
 * lineage (`CapabilitySubject.lineage`) so the replacement does not start
 * from a fresh budget: every verifier counts the current period's usage of
 * both under one key. Credentials other agents delegated to the retiring
 * one are not the organization's to reassign: they are revoked with the
 * rest, and their delegators may delegate to the replacement.
 */

import { isVc1Jwt } from '../credential/jwt-vc1.js';
import { CAPABILITY_CREDENTIAL_TYPE, usageIdOf, type AgentCapabilityCredential } from '../credential/types.js';
import { readUnverifiedForm } from '../credential/verify-secured.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { AgentRecord, CredentialRecord } from '../store/types.js';
import { getAgent } from './agents.js';
import { inTransaction, type NodeContext } from './context.js';
import { issueToAgent } from './issue.js';
import { parentOf } from './present.js';
import { changeStatus, credentialStatus } from './status.js';
import { audit } from './audit.js';

export interface RetireOptions {
  /** The name of an active agent of this node that takes over the retiring agent's credentials. */
  reassignTo?: string | undefined;
  /** The owner the reassigned credentials name; default each credential's own (the retiring agent's owner). */
  owner?: string | undefined;
  /** Added to the retirement's audit entry (who asked: the console records `operator`, and a `reason`). */
  details?: Readonly<Record<string, unknown>> | undefined;
}

export interface RetireResult {
  agent: AgentRecord;
  /** Ids of the credentials revoked by this call (already revoked ones are left alone). */
  revoked: string[];
  /** Each credential reissued to the replacement: the old id and the new. */
  reassigned: { from: string; to: string }[];
}

/** The organization's live credentials of `agent` (roots it issued, neither expired, revoked nor suspended), read back. */
async function liveRoots(ctx: NodeContext, agent: AgentRecord, all: readonly CredentialRecord[]): Promise<{ record: CredentialRecord; credential: AgentCapabilityCredential; jwtVc1: boolean }[]> {
  const now = ctx.clock().toISOString();
  const roots = [];
  for (const record of all) {
    if (record.subject !== agent.did || record.issuer !== ctx.organization.did || record.type !== CAPABILITY_CREDENTIAL_TYPE) continue;
    if (record.validUntil !== undefined && record.validUntil <= now) continue;
    const { stated, decoded } = readUnverifiedForm(record.token);
    if (stated === undefined || !isRecord(stated.credentialSubject)) continue;
    const credential = stated as unknown as AgentCapabilityCredential;
    if (credential.credentialSubject.delegation?.parent !== undefined) continue;
    const status = await credentialStatus(ctx, record.id);
    if (status.revoked || status.suspended) continue;
    roots.push({ record, credential, jwtVc1: decoded !== undefined && isVc1Jwt(decoded) });
  }
  return roots;
}

/**
 * Retires an agent and revokes its credentials and their delegates; with
 * `reassignTo`, first reissues its live credentials to the replacement.
 * @throws LegateError `ERR_NOT_FOUND` for an unknown agent or replacement;
 *   `ERR_CONFLICT` (reason `retired`) for a replacement that is retired;
 *   `ERR_INVALID_ARGUMENT` for an agent replacing itself.
 *
 * @example
 * ```ts
 * const { revoked, reassigned } = await retireAgent(node, 'alice', { reassignTo: 'dave' });
 * ```
 */
export async function retireAgent(ctx: NodeContext, name: string, options: RetireOptions = {}): Promise<RetireResult> {
  const agent = await getAgent(ctx, name);
  const replacement = options.reassignTo === undefined ? undefined : await getAgent(ctx, options.reassignTo);
  if (replacement !== undefined) {
    if (replacement.name === agent.name) throw legateError('ERR_INVALID_ARGUMENT', 'an agent cannot take over its own credentials', { claim: 'reassignTo' });
    if (replacement.status !== 'active') throw legateError('ERR_CONFLICT', `agent ${replacement.name} is retired`, { claim: 'reassignTo', reason: 'retired' });
  }
  return inTransaction(ctx, async (tx) => {
    const { store } = tx;
    const all = await store.listCredentials();
    // First the replacement's credentials, while the retiring agent's are still live: nothing lapses in between.
    const reassigned: RetireResult['reassigned'] = [];
    if (replacement !== undefined) {
      for (const { record, credential, jwtVc1 } of await liveRoots(tx, agent, all)) {
        const subject = credential.credentialSubject;
        const issued = await issueToAgent(tx, {
          agent: replacement.name,
          capabilities: subject.capabilities,
          ...(subject.constraints === undefined ? {} : { constraints: subject.constraints }),
          ...(subject.delegation === undefined ? {} : { delegation: subject.delegation }),
          owner: options.owner ?? subject.owner,
          lineage: usageIdOf(credential),
          validUntil: record.validUntil ?? null,
          format: record.format === 'vc+ld+json' ? 'di' : jwtVc1 ? 'jwt-vc1' : 'jwt',
        });
        reassigned.push({ from: record.id, to: issued.id });
      }
    }
    const parents = new Map(all.map((c) => [c.id, parentOf(c.token)]));
    // The agent's own credentials, then every descendant of them, breadth first.
    const targets = new Set(all.filter((c) => c.subject === agent.did).map((c) => c.id));
    for (let grew = true; grew; ) {
      grew = false;
      for (const c of all) {
        const parent = parents.get(c.id);
        if (!targets.has(c.id) && parent !== undefined && targets.has(parent)) {
          targets.add(c.id);
          grew = true;
        }
      }
    }
    const revoked: string[] = [];
    for (const id of targets) {
      if ((await store.getStatusAllocations(id)).length === 0 || (await credentialStatus(tx, id)).revoked) continue;
      await changeStatus(tx, id, 'revoke', { details: options.details });
      revoked.push(id);
    }
    // Only now: revoking a delegate re-signs the agent's own lists with its key.
    await store.setAgentStatus(agent.name, 'retired');
    for (const key of await store.listKeys(agent.did)) await store.setKeyStatus(key.kid, 'retired');
    await audit(tx, {
      type: 'agent',
      decision: 'allow',
      action: 'retire',
      agent: agent.did,
      owner: agent.owner,
      credentials: revoked.slice(0, 32),
      ...(replacement === undefined && options.details === undefined
        ? {}
        : { details: { ...options.details, ...(replacement === undefined ? {} : { reassignedTo: replacement.did, reassigned: reassigned.slice(0, 32) }) } }),
    });
    return { agent: { ...agent, status: 'retired' as const }, revoked, reassigned };
  });
}
