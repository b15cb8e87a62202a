/**
 * @module test/store/operators-contract
 *
 * The operators part of the store contract, run by `storeContract` for every
 * backend: an operator is stored once per name, patched field by field (a
 * field given as undefined is cleared), a failed sign-in counts and locks in
 * one statement (also when two instances fail at once), a TOTP step is taken
 * once, and sessions are kept by id, touched, ended per operator and swept.
 */

import { describe, expect, it } from 'vitest';

import type { OperatorRecord } from '../../src/store/ports/operators.js';
import type { Store } from '../../src/store/types.js';

const DANA: OperatorRecord = { name: 'dana', role: 'admin', passwordHash: 'scrypt$15$8$1$salt$hash', failedCount: 0, createdAt: '2026-03-02T10:00:00.000Z', did: 'did:key:z6MkDana' };
const VICTOR: OperatorRecord = { name: 'victor', role: 'viewer', passwordHash: 'scrypt$15$8$1$salt2$hash2', failedCount: 0, createdAt: '2026-03-02T10:01:00.000Z' };
const session = (id: string, operator: string, expiresAt = '2026-03-02T18:00:00.000Z') => ({
  id,
  operator,
  csrfToken: `csrf-${id}`,
  createdAt: '2026-03-02T10:00:00.000Z',
  lastSeenAt: '2026-03-02T10:00:00.000Z',
  expiresAt,
});

export function operatorsContract(store: () => Store): void {
  describe('operators', () => {
    it('stores an operator once per name, lists by name, and patches fields', async () => {
      expect(await store().putOperator(VICTOR)).toBe(true);
      expect(await store().putOperator(DANA)).toBe(true);
      expect(await store().putOperator({ ...DANA, role: 'viewer' })).toBe(false);
      expect(await store().listOperators()).toEqual([DANA, VICTOR]);
      const secret = new Uint8Array([1, 2, 3, 250]);
      expect(await store().updateOperator('dana', { totpSecret: secret, role: 'approver' })).toEqual({ ...DANA, role: 'approver', totpSecret: secret });
      expect(await store().updateOperator('dana', { totpSecret: undefined })).toEqual({ ...DANA, role: 'approver' });
      expect(await store().updateOperator('nobody', { role: 'admin' })).toBeUndefined();
    });

    it('counts failed sign-ins and locks at the limit, losing none when two fail at once', async () => {
      await store().putOperator(DANA);
      const until = '2026-03-02T10:15:00.000Z';
      await Promise.all([store().recordSignInFailure('dana', 5, until), store().recordSignInFailure('dana', 5, until)]);
      expect((await store().getOperator('dana'))?.failedCount).toBe(2);
      for (let i = 0; i < 2; i++) await store().recordSignInFailure('dana', 5, until);
      expect(await store().getOperator('dana')).toMatchObject({ failedCount: 4 });
      expect((await store().getOperator('dana'))?.lockedUntil).toBeUndefined();
      expect(await store().recordSignInFailure('dana', 5, until)).toMatchObject({ failedCount: 0, lockedUntil: until });
    });

    it('takes a TOTP step once, and never one older than the last', async () => {
      await store().putOperator(DANA);
      expect(await store().claimTotpStep('dana', 100)).toBe(true);
      expect(await store().claimTotpStep('dana', 100)).toBe(false);
      expect(await store().claimTotpStep('dana', 99)).toBe(false);
      expect(await store().claimTotpStep('dana', 101)).toBe(true);
    });

    it('keeps sessions by id, touches them forward only, ends them per operator and sweeps ended ones', async () => {
      await store().putOperator(DANA);
      await store().putOperator(VICTOR);
      await store().putOperatorSession(session('a', 'dana'));
      await store().putOperatorSession(session('b', 'dana', '2026-03-02T11:00:00.000Z'));
      await store().putOperatorSession(session('c', 'victor'));
      await store().touchOperatorSession('a', '2026-03-02T10:05:00.000Z');
      await store().touchOperatorSession('a', '2026-03-02T10:01:00.000Z');
      expect(await store().getOperatorSession('a')).toEqual({ ...session('a', 'dana'), lastSeenAt: '2026-03-02T10:05:00.000Z' });
      expect(await store().sweepOperatorSessions('2026-03-02T12:00:00.000Z')).toBe(1);
      expect(await store().getOperatorSession('b')).toBeUndefined();
      expect(await store().deleteOperatorSessions('dana')).toBe(1);
      expect(await store().getOperatorSession('a')).toBeUndefined();
      await store().deleteOperatorSession('c');
      expect(await store().getOperatorSession('c')).toBeUndefined();
    });
  });
}
