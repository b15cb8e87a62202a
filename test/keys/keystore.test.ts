import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { assertSealingMatches, createMasterKey, openMasterKey, readSealing } from '../../src/keys/master-key.js';
import { KeyStore } from '../../src/keys/keystore.js';
import { generateEphemeralSigner, toDidJwtSigner } from '../../src/keys/signer.js';
import { verifyEd25519 } from '../../src/lib/ed25519.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';
import { frozenClock } from '../fixtures.js';

const ACME = 'did:web:acme.example';
const data = new TextEncoder().encode('pay alice 80 USD');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'legate-keys-'));
});

describe('master key', () => {
  it('creates an owner-only key file when no passphrase is given, and reopens it', () => {
    const master = createMasterKey(dir);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const sealed = master.seal(data, 'kid-1');
    expect(openMasterKey(dir).open(sealed, 'kid-1')).toEqual(data);
  });

  it('refuses a key file that group or others can read', () => {
    createMasterKey(dir);
    chmodSync(join(dir, 'master.key'), 0o644);
    expect(() => openMasterKey(dir)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE', reason: 'permissions' }));
  });

  it('derives the key from a passphrase and writes no key file', () => {
    const master = createMasterKey(dir, { passphrase: 'correct horse' });
    expect(() => statSync(join(dir, 'master.key'))).toThrow();
    const sealed = master.seal(data, 'kid-1');
    expect(openMasterKey(dir, { passphrase: 'correct horse' }).open(sealed, 'kid-1')).toEqual(data);
    expect(readFileSync(join(dir, 'keystore.json'), 'utf8')).not.toContain('correct horse');
  });

  it('rejects a wrong or missing passphrase', () => {
    createMasterKey(dir, { passphrase: 'correct horse' });
    expect(() => openMasterKey(dir, { passphrase: 'mallory guess' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE', reason: 'wrong-key' }),
    );
    expect(() => openMasterKey(dir)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }));
  });

  it('records which sealing is in force', () => {
    createMasterKey(dir);
    expect(readSealing(dir)).toBe('keyfile');
    const other = mkdtempSync(join(tmpdir(), 'legate-keys-'));
    createMasterKey(other, { passphrase: 'correct horse' });
    expect(readSealing(other)).toBe('passphrase');
    expect(() => readSealing(join(dir, 'nowhere'))).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }));
  });

  it('refuses a passphrase offered to a store sealed by master.key, instead of ignoring it', () => {
    createMasterKey(dir);
    expect(() => openMasterKey(dir, { passphrase: 'mallory guess' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE', reason: 'sealing-mismatch' }),
    );
    // An empty passphrase is no passphrase (an unset variable often reads as '').
    expect(() => openMasterKey(dir, { passphrase: '' })).not.toThrow();
  });

  it('names a missing passphrase for a passphrase-sealed store', () => {
    createMasterKey(dir, { passphrase: 'correct horse' });
    expect(() => openMasterKey(dir)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE', reason: 'passphrase-required' }));
    expect(() => assertSealingMatches('passphrase', '')).toThrow(expect.objectContaining({ reason: 'passphrase-required' }));
    expect(() => assertSealingMatches('keyfile', 'x')).toThrow(expect.objectContaining({ reason: 'sealing-mismatch' }));
    expect(() => assertSealingMatches('passphrase', 'x')).not.toThrow();
    expect(() => assertSealingMatches('keyfile', undefined)).not.toThrow();
  });

  it('refuses to replace an existing key store', () => {
    createMasterKey(dir);
    expect(() => createMasterKey(dir)).toThrow(expect.objectContaining({ code: 'ERR_CONFLICT' }));
  });

  it('fails when the directory has no key store, or a key file from elsewhere', () => {
    expect(() => openMasterKey(dir)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }));
    createMasterKey(dir);
    writeFileSync(join(dir, 'master.key'), Buffer.alloc(32, 7).toString('base64'), { mode: 0o600 });
    expect(() => openMasterKey(dir)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE', reason: 'wrong-key' }));
  });

  it('binds sealed data to its key id and detects tampering', () => {
    const master = createMasterKey(dir);
    const sealed = master.seal(data, 'kid-1');
    expect(() => master.open(sealed, 'kid-2')).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }));
    const tampered = sealed.slice();
    tampered[20]! ^= 1;
    expect(() => master.open(tampered, 'kid-1')).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }));
    expect(() => master.open(sealed.subarray(0, 10), 'kid-1')).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }));
  });
});

describe('key store', () => {
  let store: Store;
  let keys: KeyStore;
  beforeEach(async () => {
    store = await openSqliteStore(join(dir, 'legate.db'));
    keys = new KeyStore(store, createMasterKey(dir), { clock: frozenClock() });
  });
  afterEach(() => store.close());

  it('generates a key whose signer produces verifiable Ed25519 signatures', async () => {
    const info = await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    expect(info).toMatchObject({ kid: `${ACME}#key-1`, controller: ACME, status: 'active', createdAt: '2026-03-02T10:00:00.000Z' });
    expect(info.publicKeyMultibase).toMatch(/^z6Mk/);
    const signer = await keys.signer(info.kid);
    expect(signer.kid).toBe(info.kid);
    expect(verifyEd25519(info.publicKey, data, await signer.sign(data))).toBe(true);
  });

  it('keeps only the sealed private key in the store', async () => {
    const info = await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    const record = await store.getKey(info.kid);
    // A sealed Ed25519 key: version byte, 12-byte IV, 32-byte ciphertext, 16-byte tag.
    expect(record!.sealedPrivateKey.length).toBe(61);
    expect(Object.keys(keys).length).toBe(0);
    expect(Object.keys(await keys.signer(info.kid))).not.toContain('secretKey');
  });

  it('signs with a key reopened from disk by a new key store', async () => {
    const info = await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    const reopened = new KeyStore(store, () => openMasterKey(dir));
    expect(verifyEd25519(info.publicKey, data, await (await reopened.signer(info.kid)).sign(data))).toBe(true);
  });

  it('refuses unknown and retired keys', async () => {
    await expect(keys.signer(`${ACME}#key-9`)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    const info = await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    await store.setKeyStatus(info.kid, 'retired');
    await expect(new KeyStore(store, () => openMasterKey(dir)).signer(info.kid)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
  });

  it('refuses a stored key whose sealed half was swapped for another key', async () => {
    const one = await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    const two = await keys.generate(() => ({ kid: `${ACME}#key-2`, controller: ACME }));
    const sealedTwo = (await store.getKey(two.kid))!.sealedPrivateKey;
    const other = await openSqliteStore(':memory:');
    await other.putKey({ ...(await store.getKey(one.kid))!, sealedPrivateKey: sealedTwo });
    await expect(new KeyStore(other, () => openMasterKey(dir)).signer(one.kid)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    await other.close();
  });

  it('signs with the newest active key from one listing, and follows a retirement at once', async () => {
    await expect(keys.newestSigner(ACME)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    const one = await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    expect((await keys.newestSigner(ACME)).kid).toBe(one.kid);
    const two = await keys.generate(() => ({ kid: `${ACME}#key-2`, controller: ACME }));
    const newest = await keys.newestSigner(ACME);
    expect(newest.kid).toBe(two.kid);
    expect(verifyEd25519(two.publicKey, data, await newest.sign(data))).toBe(true);
    // Its signer was unsealed and cached: retiring the key still takes effect on the next call.
    await store.setKeyStatus(two.kid, 'retired');
    expect((await keys.newestSigner(ACME)).kid).toBe(one.kid);
    await store.setKeyStatus(one.kid, 'retired');
    await expect(keys.newestSigner(ACME)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
  });

  it('keeps a signer by kid while no key changed, and follows a retirement at once, here or by another connection to the file', async () => {
    const one = await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    const reads = vi.spyOn(store, 'getKey');
    const signer = await keys.signer(one.kid);
    expect(await keys.signer(one.kid)).toBe(signer);
    expect(reads).toHaveBeenCalledTimes(1);
    await store.setKeyStatus(one.kid, 'retired');
    await expect(keys.signer(one.kid)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    // Another process retires the key: its commit moves the stamp of this connection too, from the next turn of the
    // event loop (as a commit in another process lands between two turns of this one).
    const two = await keys.generate(() => ({ kid: `${ACME}#key-2`, controller: ACME }));
    expect((await keys.signer(two.kid)).kid).toBe(two.kid);
    const other = await openSqliteStore(join(dir, 'legate.db'));
    await other.setKeyStatus(two.kid, 'retired');
    await other.close();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(keys.signer(two.kid)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
  });

  it('keeps at most 4,096 signers by kid: past that it starts again, and a kid it dropped is read again', async () => {
    const kids: string[] = [];
    for (let i = 0; i <= 4096; i++) kids.push((await keys.generate(() => ({ kid: `${ACME}#key-${i}`, controller: ACME }))).kid);
    const reads = vi.spyOn(store, 'getKey');
    for (const kid of kids.slice(0, 4096)) await keys.signer(kid);
    await keys.signer(kids[0]!);
    expect(reads).toHaveBeenCalledTimes(4096);
    // The 4,097th kid finds the map full: it starts again, so the first kid is read again.
    await keys.signer(kids[4096]!);
    await keys.signer(kids[0]!);
    expect(reads).toHaveBeenCalledTimes(4098);
  }, 60_000);

  it('shares decrypted keys with its transaction views, which still read each key row through the transaction', async () => {
    const master = createMasterKey(mkdtempSync(join(dir, 'shared-')));
    const opens = vi.spyOn(master, 'open');
    const shared = new KeyStore(store, master, { clock: frozenClock() });
    const one = await shared.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    const signer = await shared.signer(one.kid);
    expect(opens).toHaveBeenCalledTimes(1);
    // A row under the same kid with another public key (another store, restored or altered) is opened afresh, never
    // answered by the cached key.
    const other = await openSqliteStore(':memory:');
    const elsewhere = await new KeyStore(other, master).generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    expect(elsewhere.publicKeyMultibase).not.toBe(one.publicKeyMultibase);
    const fresh = await shared.with(other).signer(one.kid);
    expect(verifyEd25519(elsewhere.publicKey, data, await fresh.sign(data))).toBe(true);
    // Both stay cached, each answering for its own row.
    expect(await shared.with(store).signer(one.kid)).toBe(signer);
    expect(await shared.with(other).signer(one.kid)).toBe(fresh);
    expect(opens).toHaveBeenCalledTimes(2);
    await other.close();
    await store.transaction(async (tx) => {
      const view = shared.with(tx);
      const reads = vi.spyOn(tx, 'getKey');
      expect(await view.signer(one.kid)).toBe(signer);
      expect((await view.newestSigner(ACME)).kid).toBe(one.kid);
      expect(reads).toHaveBeenCalledTimes(1);
      // Retired inside the transaction: the view refuses it at once, though its key was decrypted.
      await tx.setKeyStatus(one.kid, 'retired');
      await expect(shared.with(tx).signer(one.kid)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    });
    expect(opens).toHaveBeenCalledTimes(2);
  });

  it('lists keys of a controller, oldest first', async () => {
    await keys.generate(() => ({ kid: `${ACME}#key-1`, controller: ACME }));
    await keys.generate(() => ({ kid: `${ACME}#key-2`, controller: ACME }));
    expect((await keys.list(ACME)).map((k) => k.kid)).toEqual([`${ACME}#key-1`, `${ACME}#key-2`]);
  });
});

describe('signers', () => {
  it('generates ephemeral did:key signers and adapts them to did-jwt', async () => {
    const signer = generateEphemeralSigner();
    expect(signer.did).toMatch(/^did:key:z6Mk/);
    expect(signer.kid).toBe(`${signer.did}#${signer.did.slice('did:key:'.length)}`);
    const sig = await toDidJwtSigner(signer)('hello');
    expect(verifyEd25519(signer.publicKey, new TextEncoder().encode('hello'), Buffer.from(sig, 'base64url'))).toBe(true);
  });
});
