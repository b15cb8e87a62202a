/**
 * @module node/open
 *
 * Opens an initialized data directory: checks its file modes, checks the
 * passphrase against the sealing in force, opens the SQLite store, the key
 * store and the HTTP client, wires a resolver that answers for this node's
 * own DIDs from the store before going to the network, reads the fleet's
 * shared settings (session lifetime, verifier policy) from the store once, and
 * hands all of it to {@link createNode}, which builds the node's services.
 *
 * The master key is unlocked at open when a passphrase is given (a wrong one,
 * or one given for a store sealed by `master.key`, fails here, not at first
 * signature) or when `requireKeys` asks; otherwise on first use, so verifying
 * needs no passphrase.
 */

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSharedConfig } from '../config/shared.js';
import { sharedPolicy } from '../config/node-options.js';
import { legateError } from '../errors/index.js';
import { createDidResolver } from '../did/resolver.js';
import { KeyStore } from '../keys/keystore.js';
import { assertSealingMatches, openMasterKey, readSealing, type MasterKey } from '../keys/master-key.js';
import { systemClock } from '../lib/clock.js';
import { createHttpClient } from '../lib/http-client.js';
import type { NodeContext, NodeOptions } from './context.js';
import { createNode } from './create.js';
import { secureDataDir } from './data-dir.js';
import { localDocuments } from './documents.js';
import { organizationSigner } from './signers.js';
import { databaseUrl, openNodeStore, storeExists, type StoreOptions } from './store-location.js';

/**
 * True when `dataDir` holds an initialized node: its key store, and its
 * SQLite file unless `database` names the PostgreSQL database that holds
 * the node's state instead.
 */
export function isInitialized(dataDir: string, database?: string): boolean {
  return existsSync(join(dataDir, 'keystore.json')) && storeExists({ dataDir, database });
}

/**
 * Opens the node in `options.dataDir`.
 * @throws LegateError `ERR_NOT_FOUND` when the directory is not initialized;
 * `ERR_KEY_UNAVAILABLE` when a passphrase is given for a store sealed by
 * `master.key` (reason `sealing-mismatch`), the passphrase is wrong
 * (`wrong-key`), or, with `requireKeys`, the key store cannot be unlocked
 * (`passphrase-required`, `permissions`, ...).
 *
 * @example
 * ```ts
 * const node = await openNode({ dataDir: '.legate', passphrase: process.env.LEGATE_PASSPHRASE });
 * try { ... } finally { await node.close(); }
 * ```
 */
export async function openNode(options: NodeOptions): Promise<NodeContext> {
  const { dataDir } = options;
  if (!isInitialized(dataDir, options.database)) {
    throw legateError('ERR_NOT_FOUND', `no Legate node in ${dataDir} (run \`legate init\`)`, { claim: 'data' });
  }
  secureDataDir(dataDir, options.onWarning ?? ((message) => process.emitWarning(message, 'LegateWarning')));
  const sealing = readSealing(dataDir);
  const { passphrase } = options;
  // A passphrase that is given is checked now: a mismatch or a wrong one must not wait for the first signature.
  let master: MasterKey | undefined;
  if (options.requireKeys === true || (passphrase !== undefined && passphrase !== '')) {
    assertSealingMatches(sealing, passphrase);
    master = openMasterKey(dataDir, { passphrase });
  }
  const store = await openNodeStore(options satisfies StoreOptions);
  try {
    const organization = await store.getOrganization();
    if (organization === undefined) throw legateError('ERR_NOT_FOUND', `the store in ${dataDir} has no organization`);
    // The fleet's settings live in the store (config/shared); what code passes wins, field by field.
    const policy = sharedPolicy(await readSharedConfig(store), options);
    const clock = options.clock ?? systemClock;
    const allowHttpLoopback = options.allowHttpLoopback ?? false;
    // One client per node: its keep-alive pool and negative cache serve the resolver, the lists and the peers.
    const own = options.http === undefined;
    const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
    const http = options.http ?? createHttpClient({ allowHttpLoopback, clock, ...timeout, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
    // Its own documents are kept while the store says its keys and agents are unchanged.
    const resolver = createDidResolver({ local: localDocuments(store, organization), localStamp: () => store.changeStamp?.(), clock, http, allowHttpLoopback, ...timeout });
    let closing: Promise<void> | undefined;
    const context = createNode({
      dataDir,
      organization,
      store,
      // Unlocked on first use unless already open: verifying needs no passphrase.
      keys: new KeyStore(store, master ?? (() => openMasterKey(dataDir, { passphrase })), { clock }),
      sealing,
      clock,
      resolver,
      http,
      allowHttpLoopback,
      sessionLifetimeSeconds: policy.sessionLifetimeSeconds,
      renewal: policy.renewal,
      verifier: policy.verifier,
      oauth: policy.oauth,
      // The fleet's statusPush.* settings, with what code passed winning field by field.
      statusPush: { ...policy.statusPush, ...options.statusPush },
      alerts: policy.alerts,
      // The fleet's webhook.* settings, with what code passed winning field by field.
      webhook: { ...policy.webhook, ...options.webhook },
      changes: { ...policy.changes, ...options.changes },
      onAlert: options.onAlert,
      // On PostgreSQL every process appends to an audit chain of its own: instances never wait on each other.
      auditChain: (options.auditChain ?? (databaseUrl(options) === undefined ? 'store' : 'process')) === 'process' ? `urn:uuid:${randomUUID()}` : undefined,
      // Idempotent, as the store's close is: closing twice is harmless.
      close: () =>
        (closing ??= (async () => {
          if (own) await http.close();
          await store.close();
        })()),
    });
    // The check value proves the master key; unsealing a real key proves the rows match it too.
    if (options.requireKeys === true) {
      await organizationSigner(context).catch(async (error: unknown) => {
        if (own) await http.close();
        throw error;
      });
    }
    return context;
  } catch (error) {
    await store.close();
    throw error;
  }
}
