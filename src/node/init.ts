/**
 * @module node/init
 *
 * Creates a node: the organization's `did:web`, its first Ed25519 key, the
 * encrypted key store, the store (the SQLite file, or the PostgreSQL
 * database `options.database` names, which must hold no organization yet),
 * and the admin bearer token (in
 * `admin.token`, readable only by its owner; the store keeps only its hash). All or nothing: on any failure
 * the files this call created are removed, so a retry starts clean. The
 * directory is created 0700 and every file in it 0600 (see node/data-dir);
 * an existing directory that group or others can open draws a warning.
 */

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { legateError } from '../errors/index.js';
import { orgDidFromDomain } from '../did/web.js';
import { createMasterKey } from '../keys/master-key.js';
import { KeyStore } from '../keys/keystore.js';
import { assertNonEmptyString } from '../lib/assert.js';
import { systemClock } from '../lib/clock.js';
import type { OrganizationRecord } from '../store/types.js';
import { ADMIN_TOKEN_SETTING, DATA_FILES, type NodeOptions } from './context.js';
import { createPrivateFile, secureDataDir } from './data-dir.js';
import { databaseUrl, openNodeStore } from './store-location.js';

export interface InitOptions extends NodeOptions {
  /** `host` or `host:port` where the node will be reachable; the organization DID derives from it. */
  domain: string;
  /** A display name; defaults to the domain. */
  name?: string | undefined;
}

/**
 * Initializes a node in `options.dataDir` and returns its organization.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad domain or name;
 * LegateError `ERR_CONFLICT` when the directory is already initialized.
 *
 * @example
 * ```ts
 * const org = await initNode({ dataDir: '.legate', domain: 'acme.example', name: 'Acme' });
 * org.did; // 'did:web:acme.example'
 * ```
 */
export async function initNode(options: InitOptions): Promise<OrganizationRecord> {
  const { dataDir } = options;
  const did = orgDidFromDomain(options.domain);
  const name = options.name ?? options.domain;
  assertNonEmptyString(name, 'name');
  if (name.length > 256) throw legateError('ERR_INVALID_ARGUMENT', 'name is longer than 256 characters', { claim: 'name' });
  const sqliteFiles = [DATA_FILES.database, `${DATA_FILES.database}-wal`, `${DATA_FILES.database}-shm`];
  const onPostgres = databaseUrl(options) !== undefined;
  const created = ['keystore.json', 'master.key', DATA_FILES.adminToken, ...(onPostgres ? [] : sqliteFiles)];
  // Refuse any directory holding node files, so the cleanup below only ever removes what this call wrote.
  if (created.some((file) => existsSync(join(dataDir, file)))) {
    throw legateError('ERR_CONFLICT', `${dataDir} already holds a Legate node (or part of one)`, { claim: 'data' });
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  secureDataDir(dataDir, options.onWarning ?? ((message) => process.emitWarning(message, 'LegateWarning')));

  const clock = options.clock ?? systemClock;
  let store;
  try {
    const master = createMasterKey(dataDir, { passphrase: options.passphrase });
    // Made 0600 before SQLite opens it: SQLite gives -wal and -shm the database file's mode.
    if (!onPostgres) createPrivateFile(join(dataDir, DATA_FILES.database));
    // On PostgreSQL, a database that already holds an organization refuses the one below (ERR_CONFLICT), and nothing is written.
    store = await openNodeStore(options);
    const organization: OrganizationRecord = { did, domain: options.domain.toLowerCase(), name, createdAt: clock().toISOString() };
    // The admin bearer token: its hash in the store, the token itself in an owner-only file.
    const adminToken = randomBytes(32).toString('base64url');
    await store.transaction(async (tx) => {
      await tx.putOrganization(organization);
      await new KeyStore(tx, master, { clock }).generate(() => ({ kid: `${did}#key-1`, controller: did }));
      await tx.putSetting(ADMIN_TOKEN_SETTING, sha256Hex(adminToken));
    });
    writeFileSync(join(dataDir, DATA_FILES.adminToken), `${adminToken}\n`, { mode: 0o600, flag: 'wx' });
    await store.close();
    return organization;
  } catch (error) {
    await store?.close();
    for (const file of created) rmSync(join(dataDir, file), { force: true });
    throw error;
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
