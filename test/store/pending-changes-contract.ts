/**
 * @module test/store/pending-changes-contract
 *
 * The `pending_changes` table (second-person policy, #18) on every backend:
 * round trip, newest-first listing by status, exactly one decision wins,
 * expiry and the sweep of decided rows. Called from the store contract.
 */

import { describe, expect, it } from 'vitest';

import type { PendingChangeRecord } from '../../src/store/ports/pending-changes.js';
import type { Store } from '../../src/store/types.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T01:00:00.000Z';
const EXPIRES = '2026-01-02T00:00:00.000Z';
const LATER = '2026-01-03T00:00:00.000Z';

function change(id: string, overrides: Partial<PendingChangeRecord> = {}): PendingChangeRecord {
  return {
    id: `urn:uuid:${id}`,
    kind: 'revoke',
    target: 'urn:uuid:cred-alice',
    requestedBy: 'alice',
    requestedAt: T0,
    expiresAt: EXPIRES,
    status: 'pending',
    ...overrides,
  };
}

export function pendingChangesContract(storeOf: () => Store): void {
  describe('pending changes', () => {
    it('round-trips a change with and without its optional fields', async () => {
      const store = storeOf();
      const full = change('1', { reason: 'key leaked', kind: 'retire', target: 'did:web:acme.example:agents:mallory' });
      await store.putPendingChange(full);
      await store.putPendingChange(change('2'));
      expect(await store.getPendingChange(full.id)).toEqual(full);
      expect(await store.getPendingChange('urn:uuid:2')).toEqual(change('2'));
      expect(await store.getPendingChange('urn:uuid:none')).toBeUndefined();
    });

    it('refuses a second change with the same id (ERR_CONFLICT)', async () => {
      const store = storeOf();
      await store.putPendingChange(change('1'));
      await expect(store.putPendingChange(change('1'))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    });

    it('lists newest first, by status, within the limit', async () => {
      const store = storeOf();
      await store.putPendingChange(change('old'));
      await store.putPendingChange(change('new', { requestedAt: T1 }));
      await store.putPendingChange(change('done', { requestedAt: T1, status: 'cancelled', decidedBy: 'bob', decidedAt: T1 }));
      expect((await store.listPendingChanges({ limit: 10 })).map((c) => c.id)).toEqual(['urn:uuid:done', 'urn:uuid:new', 'urn:uuid:old']);
      expect((await store.listPendingChanges({ status: 'pending', limit: 10 })).map((c) => c.id)).toEqual(['urn:uuid:new', 'urn:uuid:old']);
      expect((await store.listPendingChanges({ status: 'pending', limit: 1 })).map((c) => c.id)).toEqual(['urn:uuid:new']);
    });

    it('lets exactly one decision win, and none after expiry', async () => {
      const store = storeOf();
      await store.putPendingChange(change('1'));
      await store.putPendingChange(change('2'));
      const [first, second] = await Promise.all([
        store.decidePendingChange('urn:uuid:1', 'confirmed', 'bob', T1),
        store.decidePendingChange('urn:uuid:1', 'cancelled', 'carol', T1),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      const decided = await store.getPendingChange('urn:uuid:1');
      expect(decided?.status).toBe(first ? 'confirmed' : 'cancelled');
      expect(decided?.decidedBy).toBe(first ? 'bob' : 'carol');
      expect(decided?.decidedAt).toBe(T1);
      expect(await store.decidePendingChange('urn:uuid:2', 'confirmed', 'bob', EXPIRES)).toBe(false);
      expect(await store.decidePendingChange('urn:uuid:none', 'confirmed', 'bob', T1)).toBe(false);
    });

    it('expires lapsed pending changes, then sweeps decided ones before a time', async () => {
      const store = storeOf();
      await store.putPendingChange(change('lapsed'));
      await store.putPendingChange(change('fresh', { expiresAt: LATER }));
      await store.putPendingChange(change('cancelled', { status: 'cancelled', decidedBy: 'bob', decidedAt: T1 }));
      expect(await store.expirePendingChanges(EXPIRES)).toBe(1);
      expect((await store.getPendingChange('urn:uuid:lapsed'))?.status).toBe('expired');
      expect((await store.getPendingChange('urn:uuid:fresh'))?.status).toBe('pending');
      expect(await store.deletePendingChangesBefore(LATER)).toBe(2);
      expect((await store.listPendingChanges({ limit: 10 })).map((c) => c.id)).toEqual(['urn:uuid:fresh']);
    });
  });
}
