/**
 * @module node/issue
 *
 * The organization issues a capability credential to one of its agents,
 * signed with its current key, with revocation and suspension entries, and
 * records it in the store, all in one transaction.
 */

import { legateError } from '../errors/index.js';
import {
  issueCapabilityCredential,
  type IssuedCredential,
  type IssuedDataIntegrityCredential,
  type IssuedSecuredCredential,
} from '../credential/issue.js';
import { CAPABILITY_CREDENTIAL_TYPE, issuerId, type Capability, type Constraints, type Delegation, type StatusEntry } from '../credential/types.js';
import type { Signer } from '../keys/signer.js';
import type { AgentRecord, CredentialRecord } from '../store/types.js';
import { parseDuration } from '../lib/duration.js';
import { uuidV7Urn } from '../lib/uuid7.js';
import { getAgent, knownAgent } from './agents.js';
import { inTransaction, isTransactionView, type NodeContext } from './context.js';
import { organizationSigner } from './signers.js';
import { allocateStatus, leaseStatusPositions } from './status.js';
import { audit, type RecordOptions } from './audit.js';

export interface IssueToAgentOptions {
  /** The agent's name in this node. */
  agent: string;
  capabilities: Capability[];
  constraints?: Constraints;
  /** Agent software version recorded in the credential. */
  agentVersion?: string;
  delegation?: Delegation;
  /** ISO 8601 (`P30D`) or short (`30d`) duration; default 30 days. */
  validFor?: string;
  /**
   * How the credential is secured: `jwt` (default), `di` (a Data Integrity
   * proof, stored as its JSON text) or `jwt-vc1` (a VCDM 1.1 JWT, for
   * verifiers that only speak 1.1).
   */
  format?: 'jwt' | 'jwt-vc1' | 'di';
  /**
   * The id of a credential whose usage this one continues (a renewal, a
   * reassignment: `CapabilitySubject.lineage`); its budgets and rate limits
   * carry over at every verifier.
   */
  lineage?: string;
  /** The accountable owner named in the credential; default the agent's owner (a reassignment keeps the retiring agent's). */
  owner?: string;
  /** Exactly when the credential expires (ISO 8601), instead of `validFor` from now; `null`: never (what it replaces never did). */
  validUntil?: string | null;
}

/**
 * Issues and records a capability credential for an active agent.
 * @throws LegateError `ERR_NOT_FOUND` (unknown agent), `ERR_CONFLICT` (retired
 * agent); InputError `ERR_SCHEMA` for capabilities that do not match the schema.
 *
 * @example
 * ```ts
 * const { id, jwt } = await issueToAgent(node, {
 *   agent: 'alice',
 *   capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }],
 * });
 * ```
 */
export function issueToAgent(ctx: NodeContext, options: IssueToAgentOptions & { format: 'di' }): Promise<IssuedDataIntegrityCredential>;
export function issueToAgent(ctx: NodeContext, options: IssueToAgentOptions & { format?: 'jwt' | 'jwt-vc1' | undefined }): Promise<IssuedCredential>;
export function issueToAgent(ctx: NodeContext, options: IssueToAgentOptions): Promise<IssuedSecuredCredential>;
export async function issueToAgent(ctx: NodeContext, options: IssueToAgentOptions): Promise<IssuedSecuredCredential> {
  const agent = await issuableAgent(ctx, options);
  const signer = await organizationSigner(ctx);
  // Status positions taken ahead, in a transaction of their own: the issuance's own moves no list cursor.
  await leaseStatusPositions(ctx, ctx.organization.did);
  return inTransaction(ctx, (tx) => issueInTransaction(tx, signer, agent, options));
}

/**
 * The agent `options.agent` names, when a credential may be issued to it.
 * @throws LegateError `ERR_NOT_FOUND` (unknown agent), `ERR_CONFLICT` (retired), `ERR_INVALID_ARGUMENT` (a `validUntil` that is no date), `ERR_MALFORMED` (a `validFor` that is no duration).
 */
export async function issuableAgent(ctx: NodeContext, options: IssueToAgentOptions, agents?: Map<string, AgentRecord>): Promise<AgentRecord> {
  let agent = agents?.get(options.agent);
  if (agent === undefined) {
    // Outside a transaction, the node's kept read (agents move the store's change stamp, so a retirement is seen at once):
    // a single issuance's own read of its agent was ~5% of it.
    agent = isTransactionView(ctx) ? await getAgent(ctx, options.agent) : await knownAgent(ctx, options.agent);
    agents?.set(options.agent, agent);
  }
  if (agent.status !== 'active') {
    throw legateError('ERR_CONFLICT', `agent ${agent.name} is retired`, { claim: 'agent', reason: 'retired' });
  }
  if (typeof options.validUntil === 'string' && !Number.isFinite(Date.parse(options.validUntil))) {
    throw legateError('ERR_INVALID_ARGUMENT', 'validUntil must be an ISO 8601 date-time', { claim: 'validUntil' });
  }
  // Checked here, before anything is written (a provisioning batch checks every item first), as issuing would.
  if (options.validUntil === undefined && options.validFor !== undefined) {
    try {
      parseDuration(options.validFor);
    } catch (error) {
      throw legateError('ERR_MALFORMED', `validFor: ${(error as Error).message}`, { claim: 'validFor', cause: error });
    }
  }
  return agent;
}

/**
 * A new credential's id: `urn:uuid:` and a time-ordered (version 7) UUID, so
 * the credentials and status allocations keyed by it are written at the end
 * of their indexes, not at random pages (a credential states when it was
 * issued anyway).
 */
export const newCredentialId = (clock: () => Date): string => uuidV7Urn(clock().getTime());

/**
 * Signs and records one credential inside `tx`: its status entries, the
 * credential and its audit entry land together or not at all.
 */
export async function issueInTransaction(tx: NodeContext, signer: Signer, agent: AgentRecord, options: IssueToAgentOptions): Promise<IssuedSecuredCredential> {
  const id = newCredentialId(tx.clock);
  const issued = await signIssued(tx, signer, agent, options, { id, credentialStatus: await allocateStatus(tx, tx.organization.did, id) });
  await recordIssued(tx, issued, agent, options);
  return issued;
}

/** Builds and signs the credential `options` describe, with its id and status entries already allocated; writes nothing. */
export function signIssued(
  tx: NodeContext,
  signer: Signer,
  agent: AgentRecord,
  options: IssueToAgentOptions,
  allocated: { id: string; credentialStatus: StatusEntry[] },
): Promise<IssuedSecuredCredential> {
  return issueCapabilityCredential({
    id: allocated.id,
    issuer: tx.organization.did,
    signer,
    subject: {
      id: agent.did,
      owner: options.owner ?? agent.owner,
      ...(options.lineage === undefined ? {} : { lineage: options.lineage }),
      agent: { name: agent.name, ...(options.agentVersion === undefined ? {} : { version: options.agentVersion }) },
      capabilities: options.capabilities,
      ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
      ...(options.delegation === undefined ? {} : { delegation: options.delegation }),
    },
    ...(options.validUntil === undefined
      ? { validFor: options.validFor ?? 'P30D' }
      : options.validUntil === null
        ? {}
        : { validUntil: new Date(options.validUntil) }),
    credentialStatus: allocated.credentialStatus,
    ...(options.format === undefined ? {} : { format: options.format }),
    clock: tx.clock,
  });
}

/** Records a credential {@link signIssued} made, and its audit entry, inside `tx` (`entry`: how, node/audit RecordOptions). */
export async function recordIssued(tx: NodeContext, issued: IssuedSecuredCredential, agent: AgentRecord, options: IssueToAgentOptions, entry?: RecordOptions): Promise<void> {
  await tx.store.putCredential(credentialRecord(issued, agent.did));
  const capabilities = options.capabilities.map((c) => `${c.action}:${c.resource}`).slice(0, 32);
  const details = { capabilities, ...(options.lineage === undefined ? {} : { lineage: options.lineage }) };
  await audit(tx, { type: 'issuance', decision: 'allow', agent: agent.did, owner: options.owner ?? agent.owner, credentials: [issued.id], details }, entry);
}

/** The store record of an issued capability credential: a Data Integrity one is kept as its JSON text. */
export function credentialRecord(issued: IssuedSecuredCredential, subject: string): CredentialRecord {
  const issuer = issuerId(issued.credential)!;
  return {
    id: issued.id,
    type: CAPABILITY_CREDENTIAL_TYPE,
    issuer,
    subject,
    ...('secured' in issued ? { format: 'vc+ld+json', token: JSON.stringify(issued.secured) } : { format: 'vc+jwt', token: issued.jwt }),
    issuedAt: issued.credential.validFrom,
    ...(issued.credential.validUntil === undefined ? {} : { validUntil: issued.credential.validUntil }),
  };
}
