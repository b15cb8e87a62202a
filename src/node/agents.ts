/**
 * @module node/agents
 *
 * Registering agents: each gets its own Ed25519 key, a DID (`did:web` under
 * the organization, or `did:key` for an agent with no published document),
 * and an accountable human owner.
 */

import type { DIDDocument } from 'did-resolver';
import { legateError } from '../errors/index.js';
import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../did/key.js';
import { AGENT_NAME, agentDidFromDomain } from '../did/web.js';
import { assertString } from '../lib/assert.js';
import type { AgentMethod, AgentRecord } from '../store/types.js';
import { inTransaction, type NodeContext } from './context.js';
import { audit } from './audit.js';
import { agentDocument } from './documents.js';

const OWNER_URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+$/;

export interface CreateAgentOptions {
  name: string;
  /** The accountable human owner, a URI such as `mailto:alice@acme.example` or a DID. */
  owner: string;
  /** `web` (default): `did:web:<host>:agents:<name>`; `key`: a `did:key`. */
  method?: AgentMethod;
}

/** @throws InputError `ERR_INVALID_ARGUMENT` for a bad name, owner or method. */
function validate(options: CreateAgentOptions): AgentMethod {
  assertString(options.name, 'name');
  assertString(options.owner, 'owner');
  if (!AGENT_NAME.test(options.name)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'agent name must match [a-z0-9][a-z0-9-]{0,62}', { claim: 'name' });
  }
  if (options.owner.length > 2048 || !OWNER_URI.test(options.owner)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'owner must be a URI such as mailto:alice@example.com or a DID', { claim: 'owner' });
  }
  const method = options.method ?? 'web';
  if (method !== 'web' && method !== 'key') {
    throw legateError('ERR_INVALID_ARGUMENT', 'method must be web or key', { claim: 'method' });
  }
  return method;
}

/**
 * Creates an agent with a fresh key.
 * @throws LegateError `ERR_CONFLICT` when the name is taken.
 *
 * @example
 * ```ts
 * const alice = await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
 * alice.did; // 'did:web:acme.example:agents:alice'
 * ```
 */
export async function createAgent(ctx: NodeContext, options: CreateAgentOptions): Promise<AgentRecord> {
  const method = validate(options);
  const { organization: org } = ctx;
  return inTransaction(ctx, async (tx) => {
    if ((await tx.store.getAgent(options.name)) !== undefined) {
      throw legateError('ERR_CONFLICT', `an agent named ${options.name} already exists`, { claim: 'name' });
    }
    const key = await tx.keys.generate((publicKey) => {
      const did = method === 'web' ? agentDidFromDomain(org.domain, options.name) : didKeyFromPublicKey(publicKey);
      return { kid: method === 'web' ? `${did}#key-1` : didKeyVerificationMethodId(did), controller: did };
    });
    const agent: AgentRecord = {
      name: options.name,
      did: key.controller,
      owner: options.owner,
      method,
      status: 'active',
      kid: key.kid,
      createdAt: ctx.clock().toISOString(),
    };
    await tx.store.putAgent(agent);
    await audit(tx, { type: 'agent', decision: 'allow', action: 'create', agent: agent.did, owner: agent.owner, details: { name: agent.name, method } });
    return agent;
  });
}

/** @throws LegateError `ERR_NOT_FOUND` for an unknown agent. */
export async function getAgent(ctx: NodeContext, name: string): Promise<AgentRecord> {
  const agent = await ctx.store.getAgent(name);
  if (agent === undefined) throw legateError('ERR_NOT_FOUND', `no agent named ${name}`, { claim: 'name' });
  return agent;
}

export function listAgents(ctx: NodeContext): Promise<AgentRecord[]> {
  return ctx.store.listAgents();
}

/**
 * An agent's record and DID document (built from the store for did:web,
 * derived offline for did:key).
 */
export async function showAgent(ctx: NodeContext, name: string): Promise<{ agent: AgentRecord; didDocument: DIDDocument | null }> {
  const agent = await getAgent(ctx, name);
  const didDocument =
    agent.method === 'web'
      ? ((await agentDocument(ctx.store, ctx.organization, agent)) ?? null)
      : (await ctx.resolver.resolve(agent.did)).didDocument;
  return { agent, didDocument };
}
