/**
 * @module keys/keystore
 *
 * The key store: generates Ed25519 keys, keeps their private halves sealed by
 * the {@link MasterKey} in its {@link KeyRecords} (a node's store), and hands out {@link Signer}s.
 * There is deliberately no method that returns a private key.
 */

import { legateError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { generateEd25519, privateKeyObject, publicKeyOf } from '../lib/ed25519.js';
import { ed25519ToMultibase, multibaseToEd25519 } from '../lib/multikey.js';
import type { MasterKey } from './master-key.js';
import type { KeyRecords, KeyStatus, StoredKey } from './records.js';
import { signerFromKeyObject, type Signer } from './signer.js';

/** Public facts about a stored key. */
export interface KeyInfo {
  kid: string;
  controller: string;
  publicKey: Uint8Array;
  publicKeyMultibase: string;
  status: KeyStatus;
  createdAt: string;
}

/** Names a new key once its public key is known (a did:key's id depends on it). */
export type KeyIdentifier = (publicKey: Uint8Array) => { kid: string; controller: string };

function toInfo(record: StoredKey): KeyInfo {
  const publicKey = multibaseToEd25519(record.publicKeyMultibase);
  if (publicKey === undefined) throw legateError('ERR_STORE', `stored key ${record.kid} has an invalid public key`);
  return {
    kid: record.kid,
    controller: record.controller,
    publicKey,
    publicKeyMultibase: record.publicKeyMultibase,
    status: record.status,
    createdAt: record.createdAt,
  };
}

/**
 * @example
 * ```ts
 * const keys = new KeyStore(store, openMasterKey(dataDir, { passphrase }));
 * const info = await keys.generate((pub) => ({ kid: `${orgDid}#key-1`, controller: orgDid }));
 * const signer = await keys.signer(info.kid);
 * ```
 */
export class KeyStore {
  readonly #store: KeyRecords;
  readonly #unlock: () => MasterKey;
  #master: MasterKey | undefined;
  readonly #clock: Clock;
  /**
   * Decrypted signers by kid and the public key of the row they came from;
   * shared with every {@link with} view, which still reads each key's row
   * (its status) through its own store.
   */
  #signers = new Map<string, Signer>();
  /** Each controller's newest active signer, as of a change stamp of the store. */
  readonly #newest = new Map<string, { stamp: string; signer: Signer }>();
  /** Signers by kid, as of a change stamp of the store (at most {@link MAX_STAMPED} of each). */
  readonly #byKid = new Map<string, { stamp: string; signer: Signer }>();

  /**
   * @param master the master key, or a function that unlocks it on first use
   * (so read-only work, such as verifying, never needs the passphrase).
   */
  constructor(store: KeyRecords, master: MasterKey | (() => MasterKey), options: { clock?: Clock } = {}) {
    this.#store = store;
    this.#unlock = typeof master === 'function' ? master : () => master;
    this.#clock = options.clock ?? systemClock;
  }

  get #masterKey(): MasterKey {
    return (this.#master ??= this.#unlock());
  }

  /**
   * The same key store reading and writing through another store handle,
   * e.g. a transaction. It reads key rows (their status) through `store`, and
   * shares the keys already decrypted: a checkpoint or a status list signed
   * inside a transaction does not open its key again.
   */
  with(store: KeyRecords): KeyStore {
    const view = new KeyStore(store, () => this.#masterKey, { clock: this.#clock });
    view.#signers = this.#signers;
    return view;
  }

  /**
   * Seals a small secret that is not a signing key (an operator's TOTP
   * secret) with the master key, bound to `aad` (e.g. `totp:<name>`), so a
   * sealed value copied to another row does not open.
   */
  sealSecret(plaintext: Uint8Array, aad: string): Uint8Array {
    return this.#masterKey.seal(plaintext, aad);
  }

  /**
   * Opens what {@link sealSecret} sealed for the same `aad`.
   * @throws StoreError `ERR_KEY_UNAVAILABLE` when it was altered or sealed for another `aad` or master key.
   */
  openSecret(sealed: Uint8Array, aad: string): Uint8Array {
    return this.#masterKey.open(sealed, aad);
  }

  /** Generates and stores a new key. */
  async generate(identify: KeyIdentifier): Promise<KeyInfo> {
    const { secretKey, publicKey } = generateEd25519();
    try {
      const { kid, controller } = identify(publicKey);
      const record: StoredKey = {
        kid,
        controller,
        publicKeyMultibase: ed25519ToMultibase(publicKey),
        sealedPrivateKey: this.#masterKey.seal(secretKey, kid),
        status: 'active',
        createdAt: this.#clock().toISOString(),
      };
      await this.#store.putKey(record);
      return toInfo(record);
    } finally {
      secretKey.fill(0);
    }
  }

  async get(kid: string): Promise<KeyInfo | undefined> {
    const record = await this.#store.getKey(kid);
    return record === undefined ? undefined : toInfo(record);
  }

  /** Keys of one controller, oldest first. */
  async list(controller: string): Promise<KeyInfo[]> {
    return (await this.#store.listKeys(controller)).map(toInfo);
  }

  /**
   * A Signer for a stored, active key.
   * @throws LegateError `ERR_NOT_FOUND` for an unknown key, `ERR_KEY_UNAVAILABLE`
   * for a retired one or one that cannot be decrypted.
   */
  async signer(kid: string): Promise<Signer> {
    // A retired key must stop signing at once: its status is read again whenever the store's change stamp moved
    // (a key changed here or in another process), every time without a stamp; the decrypted key is cached.
    const stamp = this.#store.changeStamp?.();
    const kept = this.#byKid.get(kid);
    if (stamp !== undefined && kept?.stamp === stamp) return kept.signer;
    const record = await this.#store.getKey(kid);
    if (record === undefined) throw legateError('ERR_NOT_FOUND', `no key ${kid}`, { claim: 'kid' });
    const signer = this.#signerOf(record);
    if (stamp !== undefined) stampedSet(this.#byKid, kid, { stamp, signer });
    return signer;
  }

  /**
   * The newest active key of `controller`, as a Signer, from one read of its
   * keys (their statuses read now, as {@link signer} reads one), or as last
   * read when the store's change stamp says no key changed since.
   * @throws LegateError `ERR_KEY_UNAVAILABLE` when it has no active key.
   */
  async newestSigner(controller: string): Promise<Signer> {
    // Kept while the store's change stamp says no key changed (a new key, a retirement, here or in another process).
    const stamp = this.#store.changeStamp?.();
    const kept = this.#newest.get(controller);
    if (stamp !== undefined && kept?.stamp === stamp) return kept.signer;
    const newest = (await this.#store.listKeys(controller)).filter((k) => k.status === 'active').at(-1);
    if (newest === undefined) throw legateError('ERR_KEY_UNAVAILABLE', `${controller} has no active key`);
    const signer = this.#signerOf(newest);
    if (stamp !== undefined) stampedSet(this.#newest, controller, { stamp, signer });
    return signer;
  }

  #signerOf(record: StoredKey): Signer {
    const { kid } = record;
    // By kid and public key: a row under a known kid with another public key (restored, altered) is opened afresh.
    const cacheKey = `${kid} ${record.publicKeyMultibase}`;
    if (record.status !== 'active') {
      this.#signers.delete(cacheKey);
      throw legateError('ERR_KEY_UNAVAILABLE', `key ${kid} is retired`, { claim: 'kid' });
    }
    const cached = this.#signers.get(cacheKey);
    if (cached !== undefined) return cached;
    const { publicKey } = toInfo(record);
    const secretKey = this.#masterKey.open(record.sealedPrivateKey, kid);
    try {
      // Guard against a row whose public and private halves do not belong together.
      if (!Buffer.from(publicKeyOf(secretKey)).equals(publicKey)) {
        throw legateError('ERR_KEY_UNAVAILABLE', `key ${kid} does not match its public key`);
      }
      const signer = signerFromKeyObject(kid, publicKey, privateKeyObject(secretKey, publicKey));
      stampedSet(this.#signers, cacheKey, signer);
      return signer;
    } finally {
      secretKey.fill(0);
    }
  }
}

/** Most signers kept per stamp map: past it the map starts again (an entry is one read away). */
const MAX_STAMPED = 4096;

function stampedSet<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_STAMPED && !map.has(key)) map.clear();
  map.set(key, value);
}
