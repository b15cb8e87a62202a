import { describe, expect, it } from 'vitest';
import { legateError } from '../../src/errors/index.js';
import { StatusLeases, type StatusPositions } from '../../src/status/leases.js';
import type { StatusPurpose } from '../../src/status/types.js';

const ISSUER = 'did:web:acme.example';
const seed = new Uint8Array(32);
const positions = (listId: string, first: number, count: number): StatusPositions => ({ listId, size: 131072, seed, first, count });

describe('StatusLeases', () => {
  it('holds nothing at first, and hands each position of a lease out once', async () => {
    const leases = new StatusLeases();
    expect(leases.take(ISSUER, 'revocation', 1)).toBeUndefined();
    expect(leases.lacking(ISSUER)).toEqual(['revocation', 'suspension']);
    await leases.ensure(ISSUER, (purposes) => Promise.resolve(purposes.map((p) => positions(`${p}-1`, 10, 5))));
    expect(leases.lacking(ISSUER)).toEqual([]);
    expect(leases.take(ISSUER, 'revocation', 2)).toMatchObject({ listId: 'revocation-1', first: 10, count: 2 });
    // Asked for more than it holds: what is left, then nothing.
    expect(leases.take(ISSUER, 'revocation', 9)).toMatchObject({ first: 12, count: 3 });
    expect(leases.take(ISSUER, 'revocation', 1)).toBeUndefined();
    expect(leases.lacking(ISSUER)).toEqual(['revocation']);
    expect(leases.take(ISSUER, 'suspension', 1)).toMatchObject({ listId: 'suspension-1', first: 10, count: 1 });
    // Another issuer's leases are its own.
    expect(leases.take('did:web:other.example', 'suspension', 1)).toBeUndefined();
  });

  it('takes one lease for callers arriving together, and only for the purposes that lack one', async () => {
    const leases = new StatusLeases();
    await leases.ensure(ISSUER, (purposes) => Promise.resolve(purposes.map((p) => positions(p, 0, 1))));
    leases.take(ISSUER, 'suspension', 1);
    const asked: StatusPurpose[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const take = async (purposes: StatusPurpose[]) => {
      asked.push(purposes);
      await gate;
      return purposes.map((p) => positions(`${p}-2`, 64, 64));
    };
    const waiting = Promise.all([leases.ensure(ISSUER, take), leases.ensure(ISSUER, take), leases.ensure(ISSUER, take)]);
    release();
    await waiting;
    expect(asked).toEqual([['suspension']]);
    expect(leases.take(ISSUER, 'suspension', 64)).toMatchObject({ listId: 'suspension-2', first: 64, count: 64 });
    expect(leases.take(ISSUER, 'revocation', 1)).toMatchObject({ listId: 'revocation', first: 0, count: 1 });
  });

  it('keeps nothing when taking a lease fails, passes the error on, and tries again on the next call', async () => {
    const leases = new StatusLeases();
    const failure = legateError('ERR_STORE', 'the database stayed locked');
    await expect(leases.ensure(ISSUER, () => Promise.reject(failure))).rejects.toMatchObject({ code: 'ERR_STORE' });
    expect(leases.lacking(ISSUER)).toEqual(['revocation', 'suspension']);
    await leases.ensure(ISSUER, (purposes) => Promise.resolve(purposes.map((p) => positions(p, 0, 64))));
    expect(leases.take(ISSUER, 'revocation', 1)).toMatchObject({ first: 0, count: 1 });
  });
});
