/**
 * @module node/show-credential
 *
 * One credential of the inventory by id (`legate cap show`, `GET
 * /admin/credentials/{id}`): what `listCredentials` says of it, and the
 * secured credential itself as stored.
 */

import { legateError } from '../errors/index.js';
import type { NodeContext } from './context.js';
import { viewCredential, type CredentialView } from './credential-view.js';

/** Longest id looked up, in characters. */
const MAX_ID = 2048;

/** One credential, with its secured form: the compact JWS, or the Data Integrity credential's JSON text. */
export type CredentialDetail = CredentialView & { token: string };

/**
 * @throws InputError `ERR_INVALID_ARGUMENT` for an empty or overlong id;
 *   `ERR_NOT_FOUND` for a credential this node does not hold.
 *
 * @example
 * ```ts
 * const { state, capabilities, chain } = await showCredential(node, 'urn:uuid:…');
 * ```
 */
export async function showCredential(ctx: NodeContext, id: string): Promise<CredentialDetail> {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) {
    throw legateError('ERR_INVALID_ARGUMENT', `a credential id is 1 to ${MAX_ID} characters`, { claim: 'id' });
  }
  const record = await ctx.store.getCredential(id);
  if (record === undefined) throw legateError('ERR_NOT_FOUND', `no credential ${id.slice(0, 200)} in this node`, { claim: 'credential' });
  return { ...(await viewCredential(ctx, record)), token: record.token };
}
