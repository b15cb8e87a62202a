/**
 * @module keys/master-key
 *
 * The key that encrypts every private key at rest (AES-256-GCM). It comes
 * either from a passphrase (`LEGATE_PASSPHRASE`, stretched with scrypt) or,
 * when none is set at `init`, from a random key file readable only by its
 * owner (mode 0600, refused when group or others can read it, as ssh does).
 * `keystore.json` in the data directory records which (the *sealing*), the
 * KDF parameters, and a sealed check value so a wrong passphrase fails early
 * and clearly. A passphrase offered to a store sealed by `master.key` is a
 * mismatch and is refused, never silently ignored.
 */

import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';

const KEYSTORE_FILE = 'keystore.json';
const KEY_FILE = 'master.key';
const CHECK_PLAINTEXT = Buffer.from('legate-keystore-check-v1');
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const SEAL_VERSION = 1;

/** An empty passphrase counts as none (an unset variable often reads as ''). */
const hasPassphrase = (passphrase: string | undefined): passphrase is string => passphrase !== undefined && passphrase !== '';

/**
 * How a data directory's private keys are sealed: by a key derived from a
 * passphrase (`LEGATE_PASSPHRASE`), or by the random key in `master.key`.
 */
export type Sealing = 'passphrase' | 'keyfile';

interface KeystoreFile {
  version: 1;
  mode: Sealing;
  kdf?: { name: 'scrypt'; salt: string; N: number; r: number; p: number };
  check: string;
}

export interface MasterKeyOptions {
  /** The passphrase; when absent, `LEGATE_PASSPHRASE` is not consulted here: callers pass it explicitly. */
  passphrase?: string | undefined;
}

/** An opened master key. Seals and opens private keys; never exposes itself. */
export class MasterKey {
  readonly #key: Buffer;

  /** @internal */
  constructor(key: Buffer) {
    this.#key = key;
  }

  /** Encrypts `plaintext`, binding it to `aad` (the key id), so sealed rows cannot be swapped. */
  seal(plaintext: Uint8Array, aad: string): Uint8Array {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([Buffer.of(SEAL_VERSION), iv, body, cipher.getAuthTag()]));
  }

  /**
   * Decrypts what {@link seal} produced for the same `aad`.
   * @throws StoreError `ERR_KEY_UNAVAILABLE` when the data was altered or the key is wrong.
   */
  open(sealed: Uint8Array, aad: string): Uint8Array {
    if (sealed.length < 1 + 12 + 16 || sealed[0] !== SEAL_VERSION) {
      throw legateError('ERR_KEY_UNAVAILABLE', 'sealed key has an unknown format');
    }
    const iv = sealed.subarray(1, 13);
    const tag = sealed.subarray(sealed.length - 16);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(13, sealed.length - 16)), decipher.final()]));
    } catch {
      throw legateError('ERR_KEY_UNAVAILABLE', 'sealed key could not be decrypted (altered, or wrong master key)');
    }
  }
}

function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode, flag: 'wx' });
  renameSync(tmp, path);
}

function deriveFromPassphrase(passphrase: string, kdf: NonNullable<KeystoreFile['kdf']>): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), Buffer.from(kdf.salt, 'base64'), 32, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: SCRYPT.maxmem,
  });
}

/**
 * Creates the master key in `dataDir` (which must exist). Refuses to replace an
 * existing one.
 * @throws LegateError `ERR_CONFLICT` when the directory already has a key store.
 */
export function createMasterKey(dataDir: string, options: MasterKeyOptions = {}): MasterKey {
  const keystorePath = join(dataDir, KEYSTORE_FILE);
  if (existsSync(keystorePath)) throw legateError('ERR_CONFLICT', 'a key store already exists in this data directory');
  let key: Buffer;
  let file: Omit<KeystoreFile, 'check'>;
  if (hasPassphrase(options.passphrase)) {
    const kdf = { name: 'scrypt' as const, salt: randomBytes(16).toString('base64'), N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p };
    key = deriveFromPassphrase(options.passphrase, kdf);
    file = { version: 1, mode: 'passphrase', kdf };
  } else {
    key = randomBytes(32);
    writeFileAtomic(join(dataDir, KEY_FILE), key.toString('base64') + '\n', 0o600);
    file = { version: 1, mode: 'keyfile' };
  }
  const master = new MasterKey(key);
  const check = Buffer.from(master.seal(CHECK_PLAINTEXT, KEYSTORE_FILE)).toString('base64');
  writeFileAtomic(keystorePath, JSON.stringify({ ...file, check }, null, 2) + '\n', 0o600);
  return master;
}

function readKeystoreFile(path: string): KeystoreFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw legateError('ERR_KEY_UNAVAILABLE', 'no readable key store in this data directory (run `legate init`)', { cause });
  }
  if (!isRecord(parsed) || parsed.version !== 1 || typeof parsed.check !== 'string') {
    throw legateError('ERR_KEY_UNAVAILABLE', 'key store file has an unknown format');
  }
  if (parsed.mode === 'passphrase') {
    const kdf = parsed.kdf;
    if (!isRecord(kdf) || kdf.name !== 'scrypt' || typeof kdf.salt !== 'string' ||
        typeof kdf.N !== 'number' || typeof kdf.r !== 'number' || typeof kdf.p !== 'number' ||
        kdf.N > 2 ** 20 || kdf.r > 16 || kdf.p > 4) {
      throw legateError('ERR_KEY_UNAVAILABLE', 'key store file has unknown or unsafe KDF parameters');
    }
  } else if (parsed.mode !== 'keyfile') {
    throw legateError('ERR_KEY_UNAVAILABLE', 'key store file has an unknown mode');
  }
  return parsed as unknown as KeystoreFile;
}

/**
 * Which sealing the key store of `dataDir` uses, read from `keystore.json`
 * (cheap: no key is derived or read).
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when there is no readable key store.
 *
 * @example
 * ```ts
 * readSealing('.legate'); // 'keyfile'
 * ```
 */
export function readSealing(dataDir: string): Sealing {
  return readKeystoreFile(join(dataDir, KEYSTORE_FILE)).mode;
}

/**
 * Refuses a passphrase that does not fit the sealing in force: one offered to
 * a store sealed by `master.key` (it would otherwise be ignored, and the user
 * would believe it protects the keys), or none for a passphrase-sealed store.
 * @throws StoreError `ERR_KEY_UNAVAILABLE` with reason `sealing-mismatch` or
 * `passphrase-required`.
 */
export function assertSealingMatches(sealing: Sealing, passphrase: string | undefined): void {
  if (sealing === 'keyfile' && hasPassphrase(passphrase)) {
    throw legateError(
      'ERR_KEY_UNAVAILABLE',
      `this key store is sealed by ${KEY_FILE}, not by a passphrase: unset LEGATE_PASSPHRASE`,
      { reason: 'sealing-mismatch' },
    );
  }
  if (sealing === 'passphrase' && !hasPassphrase(passphrase)) {
    throw legateError('ERR_KEY_UNAVAILABLE', 'this key store is passphrase-protected: set LEGATE_PASSPHRASE', {
      reason: 'passphrase-required',
    });
  }
}

/**
 * Opens the master key of `dataDir`.
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when there is none, the passphrase is
 * missing (`passphrase-required`) or wrong (`wrong-key`), a passphrase is given
 * for a store sealed by `master.key` (`sealing-mismatch`), or the key file is
 * readable by group or others (`permissions`).
 */
export function openMasterKey(dataDir: string, options: MasterKeyOptions = {}): MasterKey {
  const file = readKeystoreFile(join(dataDir, KEYSTORE_FILE));
  assertSealingMatches(file.mode, options.passphrase);
  let key: Buffer;
  if (file.mode === 'passphrase') {
    key = deriveFromPassphrase(options.passphrase!, file.kdf!);
  } else {
    const keyPath = join(dataDir, KEY_FILE);
    let mode: number;
    try {
      mode = statSync(keyPath).mode;
    } catch (cause) {
      throw legateError('ERR_KEY_UNAVAILABLE', 'the master key file is missing', { cause });
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw legateError('ERR_KEY_UNAVAILABLE', `the master key file must be readable by its owner only (chmod 600 ${KEY_FILE})`, {
        reason: 'permissions',
      });
    }
    key = Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw legateError('ERR_KEY_UNAVAILABLE', 'the master key file is corrupt');
  }
  const master = new MasterKey(key);
  try {
    master.open(new Uint8Array(Buffer.from(file.check, 'base64')), KEYSTORE_FILE);
  } catch {
    throw legateError('ERR_KEY_UNAVAILABLE', file.mode === 'passphrase' ? 'wrong passphrase' : 'the master key file does not match this key store', {
      reason: 'wrong-key',
    });
  }
  return master;
}
