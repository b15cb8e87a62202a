/**
 * @module node/open
 *
 * Opens an initialized data directory: unlocks the master key, opens the
 * SQLite store, and wires a resolver that answers for this node's own DIDs
 * from the store before going to the network.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors/index.js';
import { createDidResolver } from '../did/resolver.js';
import { KeyStore } from '../keys/keystore.js';
import { openMasterKey } from '../keys/master-key.js';
import { systemClock } from '../lib/clock.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import { DATA_FILES, type NodeContext, type NodeOptions } from './context.js';
import { localDocuments } from './documents.js';

/** True when `dataDir` holds an initialized node. */
export function isInitialized(dataDir: string): boolean {
  return existsSync(join(dataDir, DATA_FILES.database)) && existsSync(join(dataDir, 'keystore.json'));
}

/**
 * Opens the node in `options.dataDir`.
 * @throws StoreError `ERR_NOT_FOUND` when the directory is not initialized,
 * `ERR_KEY_UNAVAILABLE` when the key store cannot be unlocked.
 *
 * @example
 * ```ts
 * const node = await openNode({ dataDir: '.legate', passphrase: process.env.LEGATE_PASSPHRASE });
 * try { ... } finally { await node.close(); }
 * ```
 */
export async function openNode(options: NodeOptions): Promise<NodeContext> {
  const { dataDir } = options;
  if (!isInitialized(dataDir)) {
    throw new StoreError('ERR_NOT_FOUND', `no Legate node in ${dataDir} (run \`legate init\`)`, { claim: 'data' });
  }
  const store = await openSqliteStore(join(dataDir, DATA_FILES.database));
  try {
    const organization = await store.getOrganization();
    if (organization === undefined) throw new StoreError('ERR_NOT_FOUND', `the store in ${dataDir} has no organization`);
    const clock = options.clock ?? systemClock;
    const resolver = createDidResolver({
      local: localDocuments(store, organization),
      clock,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.allowHttpLoopback === undefined ? {} : { allowHttpLoopback: options.allowHttpLoopback }),
    });
    return {
      dataDir,
      organization,
      store,
      // Unlocked on first use: verifying needs no passphrase.
      keys: new KeyStore(store, () => openMasterKey(dataDir, { passphrase: options.passphrase }), { clock }),
      clock,
      resolver,
      fetch: options.fetch,
      allowHttpLoopback: options.allowHttpLoopback ?? false,
      sessionLifetimeSeconds: options.sessionLifetimeSeconds ?? 300,
      ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
