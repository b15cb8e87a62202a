/**
 * @module node/present
 *
 * One of this node's agents presents its newest unexpired credentials (at
 * most 32 with their delegation chains from the store, those that contain
 * what it asks for first) to one verifier.
 */

import { legateError } from '../errors/index.js';
import { delegationOf } from '../delegation/delegate.js';
import type { AgentCapabilityCredential, Capability } from '../credential/types.js';
import { capabilityContains } from '../handshake/evaluate.js';
import type { Intent } from '../handshake/types.js';
import { readUnverified } from '../credential/verify-secured.js';
import { isRecord } from '../lib/assert.js';
import { createPresentation, MAX_PRESENTED_CREDENTIALS } from '../presentation/create.js';
import type { AgentRecord } from '../store/types.js';
import type { NodeContext } from './context.js';
import { knownAgent } from './agents.js';
import { agentSigner } from './signers.js';

export interface PresentAsAgentOptions {
  agent: string;
  /** The verifier's DID. */
  audience: string;
  nonce: string;
}

/**
 * How many of an agent's newest unexpired credentials are searched for the
 * ones that contain what it asks for (a handshake's intents, a token
 * request's scope): the work stays bounded however many it holds.
 */
export const MAX_HELD_SEARCHED = 512;

/**
 * The credentials an agent of this node presents: its newest unexpired
 * ones, each followed by its chain of parents from the store, at most
 * {@link MAX_PRESENTED_CREDENTIALS} tokens in all (what one presentation
 * carries). A credential whose chain would not fit is left out and older
 * ones are tried, so an agent provisioned with many credentials still
 * presents, and the work is bounded however many it holds.
 *
 * With `wanted` (the intents it will ask for), the newest of its
 * {@link MAX_HELD_SEARCHED} newest credentials that contains each intent
 * comes first, then the others that contain one, then the rest: an agent
 * holding more than one presentation's worth still presents the credential
 * an older intent needs.
 * @throws LegateError `ERR_NOT_FOUND` when the agent holds no unexpired credential.
 */
export async function heldCredentials(ctx: NodeContext, agent: AgentRecord, wanted: readonly Intent[] = []): Promise<string[]> {
  const at = ctx.clock().toISOString();
  const limit = wanted.length === 0 ? MAX_PRESENTED_CREDENTIALS : MAX_HELD_SEARCHED;
  const held = await ctx.store.listHeldCredentials({ subject: agent.did, at, limit });
  if (held.length === 0) {
    throw legateError('ERR_NOT_FOUND', `${agent.name} holds no unexpired credential; issue one with \`legate cap issue ${agent.name} --action <a> --resource <r>\``, {
      claim: 'agent',
    });
  }
  const tokens = new Set<string>();
  for (const record of wanted.length === 0 ? held : byIntent(held, wanted)) {
    if (tokens.size === MAX_PRESENTED_CREDENTIALS) break;
    if (tokens.has(record.token)) continue;
    // The credential and the parents not presented yet; a parent missing here is the verifier's to report.
    const chain = [record.token];
    let parent = parentOf(record.token);
    while (parent !== undefined && tokens.size + chain.length <= MAX_PRESENTED_CREDENTIALS) {
      const link = await ctx.store.getCredential(parent);
      if (link === undefined || tokens.has(link.token) || chain.includes(link.token)) break;
      chain.push(link.token);
      parent = parentOf(link.token);
    }
    if (tokens.size + chain.length > MAX_PRESENTED_CREDENTIALS) continue;
    for (const token of chain) tokens.add(token);
  }
  return [...tokens];
}

/**
 * `held` (newest first) reordered for `wanted`: for each intent the newest
 * credential that contains it, then the others that contain one, then the
 * rest, each group newest first.
 */
function byIntent<T extends { token: string }>(held: readonly T[], wanted: readonly Intent[]): T[] {
  const contained = held.map((record) => {
    const capabilities = capabilitiesOf(record.token);
    return wanted.map((intent) => capabilities.some((capability) => capabilityContains(capability, intent)));
  });
  const first = new Set<number>();
  for (let w = 0; w < wanted.length; w++) {
    const newest = contained.findIndex((row) => row[w]);
    if (newest >= 0) first.add(newest);
  }
  const order = [...first].sort((a, b) => a - b);
  const others = held.map((_, i) => i).filter((i) => !first.has(i));
  order.push(...others.filter((i) => contained[i]!.includes(true)), ...others.filter((i) => !contained[i]!.includes(true)));
  return order.map((i) => held[i]!);
}

/** The capabilities a stored credential (JWT or Data Integrity JSON) grants its subject, as written (verified by whoever relies on them). */
function capabilitiesOf(token: string): Capability[] {
  const subject = readUnverified(token)?.credentialSubject;
  if (!isRecord(subject) || !Array.isArray(subject.capabilities)) return [];
  return (subject.capabilities as unknown[]).filter(
    (c): c is Capability => isRecord(c) && typeof c.action === 'string' && typeof c.resource === 'string' && (c.scope === undefined || typeof c.scope === 'string'),
  );
}

/** The id of the parent credential a stored credential (JWT or Data Integrity JSON) names, if it is delegated. */
export function parentOf(token: string): string | undefined {
  const credential = readUnverified(token);
  if (credential === undefined || !isRecord(credential.credentialSubject)) return undefined;
  return delegationOf(credential as unknown as AgentCapabilityCredential).parent;
}

/**
 * Signs a `vp+jwt` for an agent of this node.
 * @throws LegateError `ERR_NOT_FOUND` when the agent holds no unexpired credential.
 */
export async function presentAsAgent(ctx: NodeContext, options: PresentAsAgentOptions): Promise<string> {
  const agent = await knownAgent(ctx, options.agent);
  return createPresentation({
    signer: await agentSigner(ctx, agent),
    credentials: await heldCredentials(ctx, agent),
    audience: options.audience,
    nonce: options.nonce,
    clock: ctx.clock,
  });
}
