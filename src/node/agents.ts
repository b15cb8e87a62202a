/**
 * @module node/agents
 *
 * Registering agents: each gets its own Ed25519 key, a DID (`did:web` under
 * the organization, or `did:key` for an agent with no published document),
 * and an accountable human owner.
 *
 * The agents service ({@link createAgentService}) is built from narrow
 * ports: the agents and keys repositories, the key store, the organization,
 * a clock, the audit service and a DID resolver. Retiring crosses into
 * credentials and status lists, so the composition root hands it in.
 */

import type { DIDDocument } from 'did-resolver';
import { legateError } from '../errors/index.js';
import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../did/key.js';
import { AGENT_NAME, agentDidFromDomain } from '../did/web.js';
import { assertString } from '../lib/assert.js';
import type { KeyResolvable } from '../did/verification-key.js';
import type { KeyStore } from '../keys/keystore.js';
import type { Clock } from '../lib/clock.js';
import type { AgentRepository, KeyRepository } from '../store/ports/index.js';
import type { AgentMethod, AgentRecord, OrganizationRecord } from '../store/types.js';
import type { AuditFields } from '../audit/types.js';
import type { NodeContext } from './context.js';
import { agentDocument } from './documents.js';
import type { RetireOptions, RetireResult } from './retire.js';
import { stampedRead } from './stamped.js';
import type { AgentService } from './services.js';

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

/** The ports an agents service is built from; `Tx` is what the store's transactions hand out. */
export interface AgentServiceDeps<Tx extends AgentRepository & KeyRepository = AgentRepository & KeyRepository> {
  organization: OrganizationRecord;
  /** The agents and keys ports, and transactions over them. */
  store: AgentRepository & KeyRepository & { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>; changeStamp?(): string | undefined };
  /** The key store; `keys.with(tx)` writes a new agent's key through the transaction. */
  keys: Pick<KeyStore, 'with'>;
  clock: Clock;
  /** Records the creation in the same transaction (`tx`) as the agent. */
  audit: { record(fields: AuditFields, tx?: Tx): Promise<void> };
  /** Derives a did:key agent's document. */
  resolver: Pick<KeyResolvable, 'resolve'>;
  /** Retires an agent: it revokes credentials across the node, so the composition root supplies it. */
  retire(name: string, options?: RetireOptions): Promise<RetireResult>;
}

/** The refusal of an unknown agent name (getAgent, knownAgent). */
const noAgentNamed = (name: string) => legateError('ERR_NOT_FOUND', `no agent named ${name}`, { claim: 'name' });

/**
 * Builds the agents service from its ports (see {@link AgentServiceDeps}).
 *
 * @example
 * ```ts
 * const agents = createAgentService({ organization, store, keys, clock, audit, resolver, retire });
 * const alice = await agents.create({ name: 'alice', owner: 'mailto:carol@acme.example' });
 * ```
 */
export function createAgentService<Tx extends AgentRepository & KeyRepository>(deps: AgentServiceDeps<Tx>): AgentService {
  const { organization: org, store, clock } = deps;
  const get = async (name: string): Promise<AgentRecord> => {
    const agent = await store.getAgent(name);
    if (agent === undefined) throw noAgentNamed(name);
    return agent;
  };
  // Read at every action and handshake addressed to an agent: kept while no agent (nor key, list, setting) changed.
  const byDid = stampedRead(store, async (did: string) => {
    const agent = await store.getAgentByDid(did);
    return agent === undefined ? undefined : Object.freeze(agent);
  });
  const byName = stampedRead(store, async (name: string) => {
    const agent = await store.getAgent(name);
    return agent === undefined ? undefined : Object.freeze(agent);
  });
  return {
    byDid,
    byName,
    async create(options) {
      const method = validate(options);
      return store.transaction(async (tx) => {
        if ((await tx.getAgent(options.name)) !== undefined) {
          throw legateError('ERR_CONFLICT', `an agent named ${options.name} already exists`, { claim: 'name' });
        }
        const key = await deps.keys.with(tx).generate((publicKey) => {
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
          createdAt: clock().toISOString(),
        };
        await tx.putAgent(agent);
        await deps.audit.record({ type: 'agent', decision: 'allow', action: 'create', agent: agent.did, owner: agent.owner, details: { name: agent.name, method } }, tx);
        return agent;
      });
    },
    get,
    list: () => store.listAgents(),
    async show(name) {
      const agent = await get(name);
      const didDocument =
        agent.method === 'web' ? ((await agentDocument(store, org, agent)) ?? null) : (await deps.resolver.resolve(agent.did)).didDocument;
      return { agent, didDocument };
    },
    retire: (name, options) => deps.retire(name, options),
  };
}

/** The agents service over `ctx`'s ports (for a transaction view too: its store is the transaction). */
function agentsOf(ctx: NodeContext): AgentService {
  return createAgentService({
    organization: ctx.organization,
    store: ctx.store,
    keys: ctx.keys,
    clock: ctx.clock,
    audit: ctx.services.audit,
    resolver: ctx.resolver,
    retire: async (name, options) => (await import('./retire.js')).retireAgent(ctx, name, options),
  });
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
export function createAgent(ctx: NodeContext, options: CreateAgentOptions): Promise<AgentRecord> {
  return agentsOf(ctx).create(options);
}

/** @throws LegateError `ERR_NOT_FOUND` for an unknown agent. */
export function getAgent(ctx: NodeContext, name: string): Promise<AgentRecord> {
  return agentsOf(ctx).get(name);
}

/**
 * {@link getAgent} on the paths an agent takes at every handshake and action
 * (node/peer, node/present): kept while the store's change stamp holds
 * (agents move it), frozen. Not for a transaction view, whose reads must see
 * its own writes.
 * @throws LegateError `ERR_NOT_FOUND` for an unknown agent.
 */
export async function knownAgent(ctx: NodeContext, name: string): Promise<AgentRecord> {
  const agent = await ctx.services.agents.byName(name);
  if (agent === undefined) throw noAgentNamed(name);
  return agent;
}

export function listAgents(ctx: NodeContext): Promise<AgentRecord[]> {
  return ctx.store.listAgents();
}

/**
 * An agent's record and DID document (built from the store for did:web,
 * derived offline for did:key).
 */
export function showAgent(ctx: NodeContext, name: string): Promise<{ agent: AgentRecord; didDocument: DIDDocument | null }> {
  return agentsOf(ctx).show(name);
}
