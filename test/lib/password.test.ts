// scrypt password hashes: self-describing, salted (two hashes of one password differ), verified only by the
// password, and a tampered or over-costly hash verifies nothing rather than costing minutes.
import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../../src/lib/password.js';

const ALICE = 'correct horse battery staple';

describe('password hashes', () => {
  it('verifies the password it was made from, and no other', async () => {
    const hash = await hashPassword(ALICE);
    expect(hash).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword(ALICE, hash)).toBe(true);
    expect(await verifyPassword(`${ALICE}!`, hash)).toBe(false);
    expect(await hashPassword(ALICE)).not.toBe(hash);
  });

  it('treats composed and decomposed accents as one password', async () => {
    expect(await verifyPassword('mot de passe café', await hashPassword('mot de passe cafe\u0301'))).toBe(true);
  });

  it('verifies nothing against the dummy, a malformed or an over-costly hash', async () => {
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false);
    expect(await verifyPassword(ALICE, 'plain')).toBe(false);
    expect(await verifyPassword(ALICE, 'scrypt$30$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword(ALICE, 'scrypt$15$8$1$!!$AAAA')).toBe(false);
  });
});
