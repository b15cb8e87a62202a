/**
 * @module node/key-rotate
 *
 * Key rotation with no downtime (`legate key rotate [--agent <name>]`): a new
 * Ed25519 key, sealed by the key store like the others, becomes its
 * controller's newest active key, so it signs everything from now on and is
 * in the DID document at once. In the same transaction the controller's
 * status lists (and, for the organization, its trust list) are re-signed
 * with it, and a `key-rotate` audit entry names the old and the new kid.
 *
 * The old key stays active (in the DID document and the JWKS) while anything
 * it signed can be live; `node/key-retire` retires it after
 * (`node/key-lifecycle` says when). Sessions in flight survive: a session
 * token and the credentials behind it still verify against the old key, and
 * an agent keeps signing a session's actions with the key the session is
 * bound to while it is active (`node/signers` `agentSigner`).
 *
 * A did:key agent cannot be rotated in place: its DID is its key, so a new
 * key is a new agent (`ERR_KEY_ROTATION_UNSUPPORTED` here;
 * `node/key-rotate-did-key` rotates it into a successor).
 */

import { legateError } from '../errors/index.js';
import { getAgent } from './agents.js';
import { audit } from './audit.js';
import { inTransaction, type NodeContext } from './context.js';
import { resignTrustList } from './registry.js';
import { signStatusList } from './status.js';

/** What a rotation did. */
export interface KeyRotation {
  /** The DID whose key rotated. */
  controller: string;
  /** The agent's name, for an agent's key. */
  agent?: string;
  /** The key that signed until now (it stays a verification method while what it signed is live). */
  oldKid: string;
  /** The key that signs from now on. */
  newKid: string;
  /** Ids of the status lists re-signed with the new key. */
  statusLists: string[];
  /** Whether the published trust list was re-signed (the organization's rotation, when one is published). */
  trustList: boolean;
}

/** The next `#key-<n>` fragment of `controller`: one past the highest it ever had. */
function nextKid(controller: string, kids: readonly string[]): string {
  const numbers = kids.map((kid) => /#key-(\d{1,9})$/.exec(kid)?.[1]).filter((n) => n !== undefined).map(Number);
  return `${controller}#key-${Math.max(0, ...numbers) + 1}`;
}

async function rotate(ctx: NodeContext, controller: string, agent?: { name: string; owner: string }): Promise<KeyRotation> {
  return inTransaction(ctx, async (tx) => {
    const keys = await tx.store.listKeys(controller);
    const old = keys.filter((k) => k.status === 'active').at(-1);
    if (old === undefined) throw legateError('ERR_KEY_UNAVAILABLE', `${controller} has no active key to rotate`);
    const created = await tx.keys.generate(() => ({ kid: nextKid(controller, keys.map((k) => k.kid)), controller }));
    // Re-signed by the newest key of their issuer, the one just made (node/signers).
    const statusLists: string[] = [];
    for (const list of await tx.store.listStatusLists({ issuer: controller })) {
      if (list.token === undefined) continue;
      const token = await signStatusList(tx, list);
      await tx.store.updateStatusList(list.id, { bits: list.bits, version: list.version, token, updatedAt: list.updatedAt });
      statusLists.push(list.id);
    }
    const trustList = agent === undefined ? await resignTrustList(tx, { force: true }) : false;
    await audit(tx, {
      type: 'key',
      decision: 'allow',
      action: 'key-rotate',
      resource: created.kid,
      ...(agent === undefined ? {} : { agent: controller, owner: agent.owner }),
      details: { controller, oldKid: old.kid, newKid: created.kid, statusLists: statusLists.length, trustList },
    });
    return { controller, ...(agent === undefined ? {} : { agent: agent.name }), oldKid: old.kid, newKid: created.kid, statusLists, trustList };
  });
}

/**
 * Rotates the organization's key: a new key signs from now on, the status
 * lists and trust list are re-signed with it, and the old key stays listed
 * while what it signed is live (run {@link retireKeys} after, as
 * `legate key rotate` and `legate serve` do).
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when the organization has no active key.
 *
 * @example
 * ```ts
 * const { oldKid, newKid } = await rotateOrganizationKey(node);
 * await retireKeys(node);
 * ```
 */
export function rotateOrganizationKey(ctx: NodeContext): Promise<KeyRotation> {
  return rotate(ctx, ctx.organization.did);
}

/**
 * Rotates a did:web agent's key: its DID document lists the new key and the
 * old one (while what it signed is live), and the agent signs with the new
 * one (a session opened before keeps its key until it ends).
 * @throws LegateError `ERR_NOT_FOUND` for an unknown agent, `ERR_CONFLICT`
 * for a retired one, `ERR_KEY_ROTATION_UNSUPPORTED` for a did:key agent (see
 * `rotateDidKeyAgent`).
 */
export async function rotateAgentKey(ctx: NodeContext, name: string): Promise<KeyRotation> {
  const agent = await getAgent(ctx, name);
  if (agent.status === 'retired') throw legateError('ERR_CONFLICT', `agent ${name} is retired`, { claim: 'agent', reason: 'retired' });
  if (agent.method !== 'web') {
    throw legateError('ERR_KEY_ROTATION_UNSUPPORTED', `agent ${name} is a did:key agent: its DID is its key, so it rotates into a new agent (legate key rotate --agent ${name} --as <new-name>)`, {
      claim: 'agent',
    });
  }
  return rotate(ctx, agent.did, agent);
}
