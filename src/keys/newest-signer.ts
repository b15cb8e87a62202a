/**
 * @module keys/newest-signer
 *
 * Which of a controller's keys signs for it: the newest active one. An
 * organization rotates by adding a key and retiring the old, so the newest
 * active key is the current one. Shared by the node's signers and the audit
 * log's checkpoints, which need it without knowing what a node is.
 */

import { legateError } from '../errors/index.js';
import type { Signer } from '../lib/signer.js';
import type { KeyInfo } from './keystore.js';

/** The part of a {@link KeyStore} that picks and unlocks a signing key. */
export interface SigningKeys {
  /** Keys of one controller, oldest first. */
  list(controller: string): Promise<Pick<KeyInfo, 'kid' | 'status'>[]>;
  signer(kid: string): Promise<Signer>;
}

/**
 * The newest active key of `controller`, as a Signer.
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when it has no active key.
 *
 * @example
 * ```ts
 * const signer = await newestActiveSigner(node.keys, node.organization.did);
 * ```
 */
export async function newestActiveSigner(keys: SigningKeys, controller: string): Promise<Signer> {
  const newest = (await keys.list(controller)).filter((k) => k.status === 'active').at(-1);
  if (newest === undefined) throw legateError('ERR_KEY_UNAVAILABLE', `${controller} has no active key`);
  return keys.signer(newest.kid);
}
