/**
 * @module store/sql/keys
 *
 * Key records over a {@link SqlExecutor}: sealed private keys as bytes
 * (copied both ways, so callers never share a buffer with the store), oldest
 * first with ties in insertion order (`seq`). Internal.
 */

import { legateError } from '../../errors/index.js';
import type { KeyRepository } from '../ports/keys.js';
import type { KeyRecord, KeyRetirement, KeyStatus } from '../types.js';
import type { SqlExecutor } from './executor.js';

interface KeyRow {
  kid: string;
  controller: string;
  public_key_multibase: string;
  sealed_private_key: Uint8Array;
  status: KeyStatus;
  created_at: string;
  retired_at?: string | null;
  retired_reason?: KeyRetirement['reason'] | null;
  compromised_since?: string | null;
}

const COLUMNS = 'kid, controller, public_key_multibase, sealed_private_key, status, created_at';
/** What is read: the written columns and the retirement. */
const READ = `${COLUMNS}, retired_at, retired_reason, compromised_since`;
/** The hot statements' text, built once (the statement cache is keyed by it). */
const BY_KID = `SELECT ${READ} FROM keys WHERE kid = ?`;
const BY_CONTROLLER = `SELECT ${READ} FROM keys WHERE controller = ? ORDER BY created_at, seq`;

function keyFromRow(row: KeyRow): KeyRecord {
  return {
    kid: row.kid,
    controller: row.controller,
    publicKeyMultibase: row.public_key_multibase,
    sealedPrivateKey: new Uint8Array(row.sealed_private_key),
    status: row.status,
    createdAt: row.created_at,
    ...(row.retired_at == null || row.retired_reason == null
      ? {}
      : { retirement: { at: row.retired_at, reason: row.retired_reason, ...(row.compromised_since == null ? {} : { compromisedSince: row.compromised_since }) } }),
  };
}

export function createKeyRepository(exec: SqlExecutor): KeyRepository {
  return {
    async putKey(key) {
      await exec.run(`INSERT INTO keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
        key.kid,
        key.controller,
        key.publicKeyMultibase,
        // Only the view's bytes, in a copy the caller cannot change under the driver.
        Uint8Array.from(key.sealedPrivateKey),
        key.status,
        key.createdAt,
      ]);
    },
    async getKey(kid) {
      const row = await exec.get<KeyRow>(BY_KID, [kid]);
      return row && keyFromRow(row);
    },
    async listKeys(controller) {
      const rows =
        controller === undefined
          ? await exec.all<KeyRow>(`SELECT ${READ} FROM keys ORDER BY created_at, seq`)
          : await exec.all<KeyRow>(BY_CONTROLLER, [controller]);
      return rows.map(keyFromRow);
    },
    async setKeyStatus(kid, status) {
      const { changes } = await exec.run('UPDATE keys SET status = ? WHERE kid = ?', [status, kid]);
      if (changes === 0) throw legateError('ERR_NOT_FOUND', 'no such key', { claim: 'kid' });
    },
    async retireKey(kid, retirement) {
      const { changes } = await exec.run(
        "UPDATE keys SET status = 'retired', retired_at = ?, retired_reason = ?, compromised_since = ? WHERE kid = ?",
        [retirement.at, retirement.reason, retirement.compromisedSince ?? null, kid],
      );
      if (changes === 0) throw legateError('ERR_NOT_FOUND', 'no such key', { claim: 'kid' });
    },
  };
}
