/**
 * @module node/key-revoke
 *
 * Compromise (`legate key revoke <kid> --compromised-since <time>`): the key
 * is retired at once (it signs nothing more and leaves the DID document and
 * the JWKS), every credential it signed at or after that time is revoked
 * through its status list, and the controller's status lists (and, for the
 * organization, its trust list) are re-signed by its remaining key. The
 * credentials it signed before that time are left as they are and reported:
 * they were genuine, but with their key gone from the document they no
 * longer verify, so reissue the ones still needed (`legate cap issue`).
 * One transaction, one `key-revoke` audit entry.
 *
 * The controller's only active key is refused (`ERR_LAST_KEY`): rotate
 * first, so something is left to sign with.
 */

import { legateError } from '../errors/index.js';
import { audit } from './audit.js';
import { inTransaction, type NodeContext } from './context.js';
import { markRetired, signingKidOf } from './key-lifecycle.js';
import { resignTrustList } from './registry.js';
import { changeStatus, credentialStatus, signStatusList } from './status.js';

export interface KeyRevocation {
  kid: string;
  controller: string;
  compromisedSince: string;
  /** Credentials it signed at or after `compromisedSince`, revoked by this call. */
  revoked: string[];
  /** Credentials it signed at or after `compromisedSince` that were revoked already, or have no status entry here. */
  notRevoked: string[];
  /** Credentials it signed before `compromisedSince` and still unexpired: left as they are (reissue the ones still needed). */
  signedBefore: string[];
  /** Status lists re-signed by the remaining key. */
  statusLists: string[];
  trustList: boolean;
}

function parseTime(text: string): number {
  const at = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw legateError('ERR_INVALID_ARGUMENT', 'compromisedSince must be an ISO 8601 date-time', { claim: 'compromisedSince' });
  return at;
}

/**
 * Retires a compromised key at once and revokes what it signed since `compromisedSince`.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad time; LegateError
 * `ERR_NOT_FOUND` for an unknown key, `ERR_LAST_KEY` for its controller's only active key.
 *
 * @example
 * ```ts
 * const { revoked, signedBefore } = await revokeKey(node, 'did:web:acme.example#key-2', { compromisedSince: '2026-03-01T00:00:00Z' });
 * ```
 */
export async function revokeKey(ctx: NodeContext, kid: string, options: { compromisedSince: string }): Promise<KeyRevocation> {
  const since = parseTime(options.compromisedSince);
  return inTransaction(ctx, async (tx) => {
    const key = await tx.store.getKey(kid);
    if (key === undefined) throw legateError('ERR_NOT_FOUND', `no key ${kid}`, { claim: 'kid' });
    const { controller } = key;
    const active = (await tx.store.listKeys(controller)).filter((k) => k.status === 'active');
    if (key.status === 'active' && active.length === 1) {
      throw legateError('ERR_LAST_KEY', `${kid} is the only active key of ${controller}: rotate first (legate key rotate), then revoke it`, { claim: 'kid' });
    }
    const now = ctx.clock();
    const compromisedSince = new Date(since).toISOString();
    await markRetired(tx, kid, { at: now.toISOString(), reason: 'compromised', compromisedSince });
    const result: KeyRevocation = { kid, controller, compromisedSince, revoked: [], notRevoked: [], signedBefore: [], statusLists: [], trustList: false };
    const touched = new Set<string>();
    for (const record of await tx.store.listCredentials({ issuer: controller })) {
      if (signingKidOf(record) !== kid) continue;
      if (Date.parse(record.issuedAt) < since) {
        if (record.validUntil === undefined || Date.parse(record.validUntil) > now.getTime()) result.signedBefore.push(record.id);
        continue;
      }
      if ((await tx.store.getStatusAllocations(record.id)).length === 0 || (await credentialStatus(tx, record.id)).revoked) {
        result.notRevoked.push(record.id);
        continue;
      }
      // Re-signs the list with the controller's newest remaining key: this one is retired already.
      touched.add((await changeStatus(tx, record.id, 'revoke')).listId);
      result.revoked.push(record.id);
    }
    // Every other list it may have signed: a token of a retired key verifies nowhere.
    for (const list of await tx.store.listStatusLists({ issuer: controller })) {
      if (list.token === undefined) continue;
      if (!touched.has(list.id)) {
        const token = await signStatusList(tx, list);
        await tx.store.updateStatusList(list.id, { bits: list.bits, version: list.version, token, updatedAt: list.updatedAt });
      }
      result.statusLists.push(list.id);
    }
    if (controller === ctx.organization.did) result.trustList = await resignTrustList(tx, { force: true });
    await audit(tx, {
      type: 'key',
      decision: 'allow',
      action: 'key-revoke',
      resource: kid,
      ...(controller === ctx.organization.did ? {} : { agent: controller }),
      credentials: result.revoked.slice(0, 32),
      details: { controller, kid, compromisedSince, revoked: result.revoked.length, signedBefore: result.signedBefore.length },
    });
    return result;
  });
}
