/**
 * @module test/store/contract
 *
 * The behaviour every {@link Store} backend must have, as a reusable vitest
 * suite: call `storeContract(name, open)` from a backend's test file, where
 * `open` yields a fresh, empty store for each test (the suite closes it).
 * Covers records round-tripping, ordering, conflicts and missing rows (always
 * asserting the error `code`), transactions (commit, rollback, nesting), that
 * concurrent callers never interleave with an open transaction, close, and
 * the audit log (`./audit-contract.ts`).
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { InputError } from '../../src/errors/index.js';
import { DELETE_BATCH } from '../../src/store/sql/executor.js';
import type { AgentRecord, CredentialRecord, KeyRecord, OrganizationRecord, StatusListRecord, Store } from '../../src/store/types.js';
import { alertsContract } from './alerts-contract.js';
import { operatorsContract } from './operators-contract.js';
import { approvalRequestsContract } from './approval-requests-contract.js';
import { pendingChangesContract } from './pending-changes-contract.js';
import { auditContract } from './audit-contract.js';

// --- fixtures: fixed personas ------------------------------------------------

const ORG_DID = 'did:web:acme.example';

export const organization: OrganizationRecord = {
  did: ORG_DID,
  domain: 'acme.example',
  name: 'Acme Corp',
  createdAt: '2025-01-01T00:00:00.000Z',
};

const MALLORY_DID = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';

export const alice: AgentRecord = {
  name: 'alice',
  did: `${ORG_DID}:agents:alice`,
  owner: 'mailto:alice.owner@acme.example',
  method: 'web',
  status: 'active',
  kid: `${ORG_DID}:agents:alice#key-1`,
  createdAt: '2025-01-02T00:00:00.000Z',
};

export const bob: AgentRecord = {
  name: 'bob',
  did: `${ORG_DID}:agents:bob`,
  owner: 'mailto:bob.owner@acme.example',
  method: 'web',
  status: 'active',
  kid: `${ORG_DID}:agents:bob#key-1`,
  createdAt: '2025-01-03T00:00:00.000Z',
};

export const mallory: AgentRecord = {
  name: 'mallory',
  did: MALLORY_DID,
  owner: 'did:web:evil.example',
  method: 'key',
  status: 'active',
  kid: `${MALLORY_DID}#z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH`,
  createdAt: '2025-01-04T00:00:00.000Z',
};

function key(controller: string, n: number, createdAt: string, fill = n): KeyRecord {
  return {
    kid: `${controller}#key-${n}`,
    controller,
    publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
    // Every byte value, so no encoding can silently mangle the blob.
    sealedPrivateKey: Uint8Array.from({ length: 256 + n }, (_, i) => (i + fill) % 256),
    status: 'active',
    createdAt,
  };
}

function credential(n: number, fields: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    id: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'AgentCapabilityCredential',
    issuer: ORG_DID,
    subject: alice.did,
    format: 'vc+jwt',
    token: `eyJhbGciOiJFZERTQSJ9.eyJuIjo${n}fQ.c2lnbmF0dXJl`,
    issuedAt: `2025-02-${String(n).padStart(2, '0')}T00:00:00.000Z`,
    ...fields,
  };
}

/** Key records with the sealed bytes as a plain Uint8Array, so Buffer-returning backends compare equal. */
function normalizeKeys(keys: readonly (KeyRecord | undefined)[]): (KeyRecord | undefined)[] {
  return keys.map((k) => k && { ...k, sealedPrivateKey: new Uint8Array(k.sealedPrivateKey) });
}

/** Resolves after a few macrotask turns, long enough for any queued work to run. */
async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

// --- the suite ---------------------------------------------------------------

/** What a backend promises beyond the common contract. */
export interface StoreContractOptions {
  /**
   * Transactions of one store run one at a time, and no outside write lands
   * while one is open (SQLite's single writer; the default). A backend whose
   * transactions run concurrently (PostgreSQL, at READ COMMITTED, ordering
   * conflicting work with locks instead) passes false: its transactions are
   * then checked to commit side by side, each wholly or not at all.
   */
  singleWriter?: boolean;
}

/**
 * Defines the contract suite for one backend. `open` must return a new, empty
 * store each time it is called.
 */
export function storeContract(name: string, open: () => Promise<Store>, options: StoreContractOptions = {}): void {
  const singleWriter = options.singleWriter ?? true;
  // A backend's transaction model decides which of these tests apply: the others are not registered at all (never shown as skipped).
  const none = (() => undefined) as unknown as typeof it;
  const ifSingleWriter = singleWriter ? it : none;
  const ifConcurrent = singleWriter ? none : it;
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('organization', () => {
      it('is undefined in an empty store', async () => {
        expect(await store.getOrganization()).toBeUndefined();
      });

      it('round-trips', async () => {
        await store.putOrganization(organization);
        expect(await store.getOrganization()).toEqual(organization);
      });

      it('refuses a second organization with ERR_CONFLICT', async () => {
        await store.putOrganization(organization);
        const other = { ...organization, did: 'did:web:evil.example', domain: 'evil.example', name: 'Evil' };
        await expect(store.putOrganization(other)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        await expect(store.putOrganization(organization)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getOrganization()).toEqual(organization);
      });
    });

    describe('agents', () => {
      it('round-trips by name and by DID', async () => {
        await store.putAgent(alice);
        await store.putAgent(mallory);
        expect(await store.getAgent('alice')).toEqual(alice);
        expect(await store.getAgentByDid(alice.did)).toEqual(alice);
        expect(await store.getAgent('mallory')).toEqual(mallory);
        expect(await store.getAgentByDid(MALLORY_DID)).toEqual(mallory);
      });

      it('returns undefined for missing agents', async () => {
        await store.putAgent(alice);
        expect(await store.getAgent('bob')).toBeUndefined();
        expect(await store.getAgentByDid(bob.did)).toBeUndefined();
        expect(await store.getAgent('ALICE')).toBeUndefined();
      });

      it('lists agents ordered by name', async () => {
        expect(await store.listAgents()).toEqual([]);
        await store.putAgent(mallory);
        await store.putAgent(alice);
        await store.putAgent(bob);
        expect(await store.listAgents()).toEqual([alice, bob, mallory]);
      });

      it('sets the status', async () => {
        await store.putAgent(alice);
        await store.putAgent(bob);
        await store.setAgentStatus('alice', 'retired');
        expect(await store.getAgent('alice')).toEqual({ ...alice, status: 'retired' });
        expect(await store.getAgentByDid(alice.did)).toEqual({ ...alice, status: 'retired' });
        expect(await store.getAgent('bob')).toEqual(bob);
        await store.setAgentStatus('alice', 'active');
        expect(await store.getAgent('alice')).toEqual(alice);
      });

      it('refuses a duplicate name with ERR_CONFLICT', async () => {
        await store.putAgent(alice);
        const impostor = { ...mallory, name: 'alice' };
        await expect(store.putAgent(impostor)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getAgent('alice')).toEqual(alice);
        expect(await store.getAgentByDid(MALLORY_DID)).toBeUndefined();
      });

      it('refuses a duplicate DID with ERR_CONFLICT', async () => {
        await store.putAgent(alice);
        const impostor = { ...alice, name: 'mallory' };
        await expect(store.putAgent(impostor)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getAgent('mallory')).toBeUndefined();
        expect(await store.listAgents()).toEqual([alice]);
      });

      it('refuses a status change of a missing agent with ERR_NOT_FOUND', async () => {
        await store.putAgent(alice);
        await expect(store.setAgentStatus('bob', 'retired')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
        expect(await store.getAgent('bob')).toBeUndefined();
      });
    });

    describe('keys', () => {
      const k1 = key(alice.did, 1, '2025-01-02T00:00:00.000Z');
      const k2 = key(alice.did, 2, '2025-03-01T00:00:00.000Z');
      const k3 = key(alice.did, 3, '2025-03-01T00:00:00.000Z');
      const b1 = key(bob.did, 1, '2025-01-01T00:00:00.000Z', 7);

      it('round-trips, sealed bytes exactly', async () => {
        await store.putKey(k1);
        const got = await store.getKey(k1.kid);
        expect(normalizeKeys([got])).toEqual([k1]);
        expect(got?.sealedPrivateKey).toBeInstanceOf(Uint8Array);
        expect(Array.from(got?.sealedPrivateKey ?? [])).toEqual(Array.from(k1.sealedPrivateKey));
      });

      it('stores only the bytes of a subarray view', async () => {
        const backing = new Uint8Array(64).fill(0xee);
        backing.set([1, 2, 3, 0, 255], 10);
        const view = backing.subarray(10, 15);
        await store.putKey({ ...k1, sealedPrivateKey: view });
        const got = await store.getKey(k1.kid);
        expect(Array.from(got?.sealedPrivateKey ?? [])).toEqual([1, 2, 3, 0, 255]);
      });

      it('returns undefined for a missing key', async () => {
        await store.putKey(k1);
        expect(await store.getKey(k2.kid)).toBeUndefined();
      });

      it('lists keys of one controller oldest first, ties in insertion order', async () => {
        await store.putKey(k3);
        await store.putKey(b1);
        await store.putKey(k1);
        await store.putKey(k2);
        // k2 and k3 share a timestamp: k3 was stored first.
        expect(normalizeKeys(await store.listKeys(alice.did))).toEqual([k1, k3, k2]);
        expect(normalizeKeys(await store.listKeys(bob.did))).toEqual([b1]);
        expect(await store.listKeys(MALLORY_DID)).toEqual([]);
      });

      it('lists all keys oldest first without a controller', async () => {
        await store.putKey(k1);
        await store.putKey(b1);
        await store.putKey(k2);
        expect(normalizeKeys(await store.listKeys())).toEqual([b1, k1, k2]);
      });

      it('sets the status', async () => {
        await store.putKey(k1);
        await store.putKey(k2);
        await store.setKeyStatus(k1.kid, 'retired');
        expect(normalizeKeys([await store.getKey(k1.kid), await store.getKey(k2.kid)])).toEqual([
          { ...k1, status: 'retired' },
          k2,
        ]);
      });

      it('refuses a duplicate kid with ERR_CONFLICT and keeps the original', async () => {
        await store.putKey(k1);
        const replacement = { ...key(MALLORY_DID, 9, '2025-04-01T00:00:00.000Z'), kid: k1.kid };
        await expect(store.putKey(replacement)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(normalizeKeys([await store.getKey(k1.kid)])).toEqual([k1]);
      });

      it('refuses a status change of a missing key with ERR_NOT_FOUND', async () => {
        await expect(store.setKeyStatus(k1.kid, 'retired')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
      });

      it('retires a key with its reason on the row, and refuses a missing one with ERR_NOT_FOUND', async () => {
        await store.putKey(k1);
        await store.putKey(k2);
        await store.retireKey(k1.kid, { at: '2025-05-01T00:00:00.000Z', reason: 'expired' });
        await store.retireKey(k2.kid, { at: '2025-05-02T00:00:00.000Z', reason: 'compromised', compromisedSince: '2025-04-20T00:00:00.000Z' });
        expect(normalizeKeys(await store.listKeys(alice.did))).toEqual([
          { ...k1, status: 'retired', retirement: { at: '2025-05-01T00:00:00.000Z', reason: 'expired' } },
          { ...k2, status: 'retired', retirement: { at: '2025-05-02T00:00:00.000Z', reason: 'compromised', compromisedSince: '2025-04-20T00:00:00.000Z' } },
        ]);
        await expect(store.retireKey(MALLORY_DID + '#key-1', { at: '2025-05-01T00:00:00.000Z', reason: 'expired' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
        await expect(store.retireKey(k1.kid, { at: '2025-05-01T00:00:00.000Z', reason: 'lost' as 'expired' })).rejects.toMatchObject({ code: 'ERR_STORE' });
      });

      it('does not share sealed bytes with callers', async () => {
        const input = { ...k1, sealedPrivateKey: Uint8Array.from(k1.sealedPrivateKey) };
        await store.putKey(input);
        input.sealedPrivateKey.fill(0);
        const first = await store.getKey(k1.kid);
        first?.sealedPrivateKey.fill(0);
        expect(normalizeKeys([await store.getKey(k1.kid)])).toEqual([k1]);
      });
    });

    describe('credentials', () => {
      const c1 = credential(1);
      const c2 = credential(2, { subject: bob.did, validUntil: '2025-03-02T00:00:00.000Z' });
      const c3 = credential(3, { issuer: alice.did, subject: bob.did, type: 'DelegatedCapabilityCredential' });
      const c4 = credential(4, { issuer: alice.did, subject: MALLORY_DID, issuedAt: c1.issuedAt });

      beforeEach(async () => {
        for (const c of [c1, c2, c3, c4]) await store.putCredential(c);
      });

      it('round-trips with and without validUntil', async () => {
        expect(await store.getCredential(c1.id)).toEqual(c1);
        expect(await store.getCredential(c2.id)).toEqual(c2);
        expect((await store.getCredential(c1.id))?.validUntil).toBeUndefined();
      });

      it('returns undefined for a missing credential', async () => {
        expect(await store.getCredential(credential(99).id)).toBeUndefined();
      });

      it('lists all, oldest first, ties in insertion order', async () => {
        // c4 shares c1's issuedAt and was stored later.
        expect(await store.listCredentials()).toEqual([c1, c4, c2, c3]);
        expect(await store.listCredentials({})).toEqual([c1, c4, c2, c3]);
      });

      it('filters by issuer', async () => {
        expect(await store.listCredentials({ issuer: ORG_DID })).toEqual([c1, c2]);
        expect(await store.listCredentials({ issuer: alice.did })).toEqual([c4, c3]);
        expect(await store.listCredentials({ issuer: MALLORY_DID })).toEqual([]);
      });

      it('pages in listing order after a given id, with filters and a limit', async () => {
        expect(await store.pageCredentials({ limit: 2 })).toEqual([c1, c4]);
        expect(await store.pageCredentials({ after: c4.id, limit: 2 })).toEqual([c2, c3]);
        expect(await store.pageCredentials({ after: c3.id, limit: 2 })).toEqual([]);
        expect(await store.pageCredentials({ subject: bob.did, after: c1.id, limit: 10 })).toEqual([c2, c3]);
        // An id the store does not hold gives nothing, never the first page again.
        expect(await store.pageCredentials({ after: credential(99).id, limit: 10 })).toEqual([]);
      });

      it("lists a subject's credentials unexpired at a time, newest first (ties: stored later first), up to a limit", async () => {
        const before = '2025-03-01T00:00:00.000Z';
        expect(await store.listHeldCredentials({ subject: bob.did, at: before, limit: 10 })).toEqual([c3, c2]);
        // Expired at its validUntil exactly; no validUntil never expires.
        expect(await store.listHeldCredentials({ subject: bob.did, at: '2025-03-02T00:00:00.000Z', limit: 10 })).toEqual([c3]);
        expect(await store.listHeldCredentials({ subject: bob.did, at: before, limit: 1 })).toEqual([c3]);
        const c5 = credential(5, { issuedAt: c1.issuedAt });
        await store.putCredential(c5);
        expect(await store.listHeldCredentials({ subject: alice.did, at: before, limit: 10 })).toEqual([c5, c1]);
        expect(await store.listHeldCredentials({ subject: 'did:web:nobody.example', at: before, limit: 10 })).toEqual([]);
      });

      it('filters by subject', async () => {
        expect(await store.listCredentials({ subject: bob.did })).toEqual([c2, c3]);
        expect(await store.listCredentials({ subject: MALLORY_DID })).toEqual([c4]);
      });

      it('filters by type', async () => {
        expect(await store.listCredentials({ type: 'DelegatedCapabilityCredential' })).toEqual([c3]);
        expect(await store.listCredentials({ type: 'AgentCapabilityCredential' })).toEqual([c1, c4, c2]);
      });

      it('combines filters', async () => {
        expect(await store.listCredentials({ issuer: alice.did, subject: bob.did })).toEqual([c3]);
        expect(await store.listCredentials({ issuer: ORG_DID, type: 'DelegatedCapabilityCredential' })).toEqual([]);
        expect(
          await store.listCredentials({ issuer: ORG_DID, subject: bob.did, type: 'AgentCapabilityCredential' }),
        ).toEqual([c2]);
        expect(await store.listCredentials({ subject: MALLORY_DID, type: 'AgentCapabilityCredential' })).toEqual([c4]);
      });

      it('refuses a duplicate id with ERR_CONFLICT and keeps the original', async () => {
        const replay = { ...c1, subject: MALLORY_DID, token: 'eyJmb3JnZWQiOnRydWV9.e30.AA' };
        await expect(store.putCredential(replay)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getCredential(c1.id)).toEqual(c1);
        expect(await store.listCredentials({ subject: MALLORY_DID })).toEqual([c4]);
      });
    });

    describe('status lists', () => {
      const list = (id: string, fields: Partial<StatusListRecord> = {}): StatusListRecord => ({
        id,
        issuer: ORG_DID,
        purpose: 'revocation',
        size: 131072,
        bits: Uint8Array.from({ length: 16384 }, (_, i) => i % 251),
        version: 1,
        createdAt: '2025-03-01T00:00:00.000Z',
        updatedAt: '2025-03-01T00:00:00.000Z',
        ...fields,
      });

      it('round-trips lists and filters them by issuer and purpose, oldest first', async () => {
        await store.putStatusList(list('r1', { token: 'eyJ.list.sig' }));
        await store.putStatusList(list('s1', { purpose: 'suspension', createdAt: '2025-03-02T00:00:00.000Z' }));
        await store.putStatusList(list('m1', { issuer: mallory.did }));
        expect(await store.getStatusList('r1')).toEqual(list('r1', { token: 'eyJ.list.sig' }));
        expect(await store.getStatusList('nope')).toBeUndefined();
        expect(await store.getStatusListToken('r1')).toBe('eyJ.list.sig');
        expect(await store.getStatusListToken('s1')).toBeUndefined(); // never signed
        expect(await store.getStatusListToken('nope')).toBeUndefined();
        expect((await store.listStatusLists()).map((l) => l.id)).toEqual(['r1', 'm1', 's1']);
        expect((await store.listStatusLists({ issuer: ORG_DID })).map((l) => l.id)).toEqual(['r1', 's1']);
        expect((await store.listStatusLists({ issuer: ORG_DID, purpose: 'suspension' })).map((l) => l.id)).toEqual(['s1']);
      });

      it('names the newest list of an issuer and purpose, as listStatusLists orders them', async () => {
        expect(await store.latestStatusList(ORG_DID, 'revocation')).toBeUndefined();
        await store.putStatusList(list('r1'));
        await store.putStatusList(list('r2', { size: 262144, bits: new Uint8Array(32768), createdAt: '2025-03-02T00:00:00.000Z' }));
        await store.putStatusList(list('r3', { createdAt: '2025-03-02T00:00:00.000Z' })); // same time: the later row wins
        await store.putStatusList(list('s1', { purpose: 'suspension', createdAt: '2025-03-09T00:00:00.000Z' }));
        await store.putStatusList(list('m1', { issuer: mallory.did, createdAt: '2025-03-09T00:00:00.000Z' }));
        expect(await store.latestStatusList(ORG_DID, 'revocation')).toEqual({ id: 'r3', size: 131072, allocated: 0, capacity: 0 });
        expect((await store.listStatusLists({ issuer: ORG_DID, purpose: 'revocation' })).at(-1)?.id).toBe('r3');
        expect(await store.latestStatusList(ORG_DID, 'suspension')).toEqual({ id: 's1', size: 131072, allocated: 0, capacity: 0 });
        expect(await store.latestStatusList(mallory.did, 'suspension')).toBeUndefined();
      });

      it('updates bits, version and token, and rejects unknown lists and wrong sizes', async () => {
        await store.putStatusList(list('r1'));
        const bits = new Uint8Array(16384);
        bits[0] = 0x80;
        await store.updateStatusList('r1', { bits, version: 2, token: 'v2', updatedAt: '2025-03-03T00:00:00.000Z' });
        expect(await store.getStatusList('r1')).toMatchObject({ bits, version: 2, token: 'v2', updatedAt: '2025-03-03T00:00:00.000Z' });
        expect(await store.getStatusListToken('r1')).toBe('v2');
        await expect(store.updateStatusList('nope', { bits, version: 2, updatedAt: 'x' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
        await expect(store.updateStatusList('r1', { bits: new Uint8Array(8), version: 3, updatedAt: 'x' })).rejects.toMatchObject({ code: 'ERR_STORE' });
        await expect(store.putStatusList(list('r1'))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      });

      it('hands out each position of the newest list\'s order once, never past its capacity, and only from a list with a seed', async () => {
        const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 1)).toBeUndefined();
        await store.putStatusList(list('old'));
        await store.putStatusList(list('r1', { size: 24, bits: new Uint8Array(3), createdAt: '2025-03-02T00:00:00.000Z' }));
        // The newest list has no cursor yet: nothing to take.
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 1)).toBeUndefined();
        expect(await store.latestStatusList(ORG_DID, 'revocation')).toEqual({ id: 'r1', size: 24, allocated: 0, capacity: 0 });
        await store.putStatusCursor('r1', seed, 16);
        await expect(store.putStatusCursor('r1', seed, 16)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.latestStatusList(ORG_DID, 'revocation')).toEqual({ id: 'r1', size: 24, allocated: 0, capacity: 16, seed });
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 3)).toEqual({ listId: 'r1', size: 24, seed, first: 0 });
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 12)).toMatchObject({ listId: 'r1', first: 3 });
        expect(await store.countStatusAllocations('r1')).toBe(15);
        expect(await store.latestStatusList(ORG_DID, 'revocation')).toMatchObject({ id: 'r1', allocated: 15, capacity: 16 });
        // More than the room left takes nothing and moves nothing; the last position is still there.
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 2)).toBeUndefined();
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 1)).toMatchObject({ listId: 'r1', first: 15 });
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 1)).toBeUndefined();
        // Only ever the newest list: an older one with room is not taken from; another purpose or issuer is its own.
        await store.putStatusCursor('old', seed, 10);
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 1)).toBeUndefined();
        expect(await store.countStatusAllocations('old')).toBe(0);
        expect(await store.takeStatusPositions(ORG_DID, 'suspension', 1)).toBeUndefined();
        expect(await store.takeStatusPositions(mallory.did, 'revocation', 1)).toBeUndefined();
        // A newer list is the one taken from.
        await store.putStatusList(list('r2', { createdAt: '2025-03-03T00:00:00.000Z' }));
        await store.putStatusCursor('r2', seed, 5);
        expect(await store.takeStatusPositions(ORG_DID, 'revocation', 1)).toMatchObject({ listId: 'r2', first: 0 });
        for (const count of [0, -1, 1.5, Number.NaN]) {
          await expect(store.takeStatusPositions(ORG_DID, 'revocation', count)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'count' });
        }
        // A cursor stays within its list: none for a list that does not exist, none past its size.
        await expect(store.putStatusCursor('r3', seed, 5)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'listId' });
        await store.putStatusList(list('r3', { size: 24, bits: new Uint8Array(3), createdAt: '2025-02-01T00:00:00.000Z' }));
        for (const capacity of [-1, 25, 1.5]) {
          await expect(store.putStatusCursor('r3', seed, capacity)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'capacity' });
        }
        await expect(store.putStatusCursor('r3', new Uint8Array(31), 5)).rejects.toMatchObject({ code: 'ERR_STORE' });
        await store.putStatusCursor('r3', seed, 24);
        expect(await store.countStatusAllocations('r3')).toBe(0);
      });

      it('records one allocation per credential and purpose, many at once', async () => {
        await store.putStatusList(list('r1'));
        const a = { credentialId: credential(1).id, listId: 'r1', index: 42, purpose: 'revocation' as const };
        await store.putStatusAllocations([a, { ...a, purpose: 'suspension', listId: 's1', index: 42 }]);
        // A second for one credential and purpose is refused; in a transaction (as allocating is), the others go with it.
        const more = Array.from({ length: 40 }, (_, i) => ({ ...a, credentialId: credential(10 + i).id, index: i }));
        await expect(store.transaction((tx) => tx.putStatusAllocations([...more.slice(0, 3), { ...a, index: 43 }]))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getStatusAllocations(credential(10).id)).toEqual([]);
        expect(await store.getStatusAllocations(a.credentialId)).toEqual([a, { ...a, purpose: 'suspension', listId: 's1', index: 42 }]);
        await store.putStatusAllocations(more);
        expect(await store.getStatusAllocations(credential(49).id)).toEqual([more[39]]);
        // A provisioning batch's: more than one statement holds on PostgreSQL (256 a statement), each row kept.
        const batch = Array.from({ length: 600 }, (_, i) => ({ ...a, credentialId: `urn:uuid:batch-${i}`, index: 1000 + i }));
        await store.putStatusAllocations(batch);
        for (const i of [0, 255, 256, 511, 512, 599]) expect(await store.getStatusAllocations(`urn:uuid:batch-${i}`)).toEqual([batch[i]]);
        await store.putStatusAllocations([]);
        expect(await store.getStatusAllocations('urn:uuid:none')).toEqual([]);
      });
    });

    describe('registry entries and settings', () => {
      const accreditation = (key: string) => ({
        kind: 'accreditation' as const,
        key,
        entry: { issuer: key, capabilities: ['call:billing:*'], maxDelegationDepth: 1 },
        updatedAt: '2025-04-01T00:00:00.000Z',
      });

      it('adds, replaces, lists and removes entries', async () => {
        await store.putRegistryEntry(accreditation('did:web:bank.example'));
        await store.putRegistryEntry({ kind: 'recognition', key: 'https://bank.example/registry/trust-list', entry: { hops: 1 }, updatedAt: 'x' });
        await store.putRegistryEntry({ ...accreditation('did:web:bank.example'), entry: { issuer: 'did:web:bank.example', capabilities: ['*:*'] } });
        expect((await store.listRegistryEntries()).map((e) => [e.kind, e.key, e.entry])).toEqual([
          ['accreditation', 'did:web:bank.example', { issuer: 'did:web:bank.example', capabilities: ['*:*'] }],
          ['recognition', 'https://bank.example/registry/trust-list', { hops: 1 }],
        ]);
        expect(await store.removeRegistryEntry('did:web:bank.example')).toBe(1);
        expect(await store.removeRegistryEntry('did:web:bank.example')).toBe(0);
        expect(await store.listRegistryEntries()).toHaveLength(1);
      });

      it('stores settings by name', async () => {
        expect(await store.getSetting('audit.log-id')).toBeUndefined();
        await store.putSetting('audit.log-id', '1');
        await store.putSetting('audit.log-id', '2');
        expect(await store.getSetting('audit.log-id')).toBe('2');
      });

      it('keeps one published trust list, replaced by each publication, with its expiry', async () => {
        expect(await store.getTrustList()).toBeUndefined();
        await store.putTrustList({ version: 1, token: 'list.v1.sig', publishedAt: '2025-01-01T00:00:00.000Z', validUntil: '2025-01-02T00:00:00.000Z' });
        await store.putTrustList({ version: 2, token: 'list.v2.sig', publishedAt: '2025-01-01T12:00:00.000Z', validUntil: '2025-01-02T12:00:00.000Z' });
        expect(await store.getTrustList()).toEqual({ version: 2, token: 'list.v2.sig', publishedAt: '2025-01-01T12:00:00.000Z', validUntil: '2025-01-02T12:00:00.000Z' });
        await store.putTrustList({ version: 3, token: 'list.v3.sig', publishedAt: '2025-01-02T00:00:00.000Z' });
        expect(await store.getTrustList()).toEqual({ version: 3, token: 'list.v3.sig', publishedAt: '2025-01-02T00:00:00.000Z' });
        await expect(store.putTrustList({ version: 0, token: 'x', publishedAt: '2025-01-02T00:00:00.000Z' })).rejects.toMatchObject({ code: 'ERR_STORE' });
      });

      it('keeps the approvers in the order named, replaced as a whole', async () => {
        expect(await store.listApprovers()).toEqual([]);
        await store.putApprovers([bob.did, alice.did]);
        expect(await store.listApprovers()).toEqual([bob.did, alice.did]);
        await store.putApprovers([alice.did, mallory.did, alice.did]);
        expect(await store.listApprovers()).toEqual([alice.did, mallory.did]);
        await store.putApprovers([]);
        expect(await store.listApprovers()).toEqual([]);
      });
    });

    describe('one-time keys and usage', () => {
      it('claims a key once until it expires', async () => {
        expect(await store.claimOnce('jti:1', '2025-05-01T00:05:00.000Z', '2025-05-01T00:00:00.000Z')).toBe(true);
        expect(await store.claimOnce('jti:1', '2025-05-01T00:06:00.000Z', '2025-05-01T00:01:00.000Z')).toBe(false);
        expect(await store.claimOnce('jti:2', '2025-05-01T00:06:00.000Z', '2025-05-01T00:01:00.000Z')).toBe(true);
        // After expiry the key is forgotten (a replay that old is stopped by the timestamp check instead).
        expect(await store.claimOnce('jti:1', '2025-05-01T00:20:00.000Z', '2025-05-01T00:10:00.000Z')).toBe(true);
      });

      it('claims several keys in one call: the index of the first already claimed, a key named twice refused at its second', async () => {
        const [t0, t1, t5, t10] = ['2025-05-01T00:00:00.000Z', '2025-05-01T00:01:00.000Z', '2025-05-01T00:05:00.000Z', '2025-05-01T00:10:00.000Z'];
        expect(await store.claimEach([], t5, t0)).toBe(-1);
        expect(await store.claimEach(['m:a', 'm:b', 'm:c'], t5, t0)).toBe(-1);
        expect(await store.claimEach(['m:d', 'm:b', 'm:e'], t5, t1)).toBe(1);
        expect(await store.claimOnce('m:c', t5, t1)).toBe(false);
        expect(await store.claimEach(['m:f', 'm:f'], t5, t1)).toBe(1);
        expect(await store.claimOnce('m:f', t5, t1)).toBe(false);
        // Expired claims are taken over; more keys than one statement names are claimed in several.
        expect(await store.claimEach(['m:a', 'm:b'], t10, t5)).toBe(-1);
        const many = Array.from({ length: 40 }, (_, i) => `m:many:${i}`);
        expect(await store.claimOnce('m:many:35', t10, t5)).toBe(true);
        expect(await store.claimEach(many, t10, t5)).toBe(35);
        expect(await store.claimOnce('m:many:3', t10, t5)).toBe(false);
      });

      it('tells which key is already claimed without claiming any (firstClaimed)', async () => {
        const [t0, t1, t5, t10] = ['2025-05-01T00:00:00.000Z', '2025-05-01T00:01:00.000Z', '2025-05-01T00:05:00.000Z', '2025-05-01T00:10:00.000Z'];
        expect(await store.firstClaimed([], t0)).toBe(-1);
        expect(await store.claimEach(['r:a', 'r:b'], t5, t0)).toBe(-1);
        expect(await store.firstClaimed(['r:x', 'r:b', 'r:a'], t1)).toBe(1);
        expect(await store.firstClaimed(['r:x', 'r:y'], t1)).toBe(-1);
        // Read only: r:x was not claimed by asking.
        expect(await store.claimOnce('r:x', t5, t1)).toBe(true);
        expect(await store.firstClaimed(['r:z', 'r:z'], t1)).toBe(1);
        // An expired claim is no claim; more keys than one statement names are read in several.
        expect(await store.firstClaimed(['r:a'], t10)).toBe(-1);
        const many = Array.from({ length: 40 }, (_, i) => `r:many:${i}`);
        expect(await store.claimOnce('r:many:37', t10, t5)).toBe(true);
        expect(await store.firstClaimed(many, t5)).toBe(37);
      });

      it('records usage and lists it by key since a time, oldest first', async () => {
        await store.recordUsage({ key: 'alice refund', at: '2025-05-01T00:00:00.000Z', amount: '10.50', currency: 'USD' });
        await store.recordUsage({ key: 'alice refund', at: '2025-05-02T00:00:00.000Z', amount: '20', currency: 'USD' });
        await store.recordUsage({ key: 'alice read', at: '2025-05-02T00:00:00.000Z' });
        expect(await store.listUsage('alice refund', '2025-05-01T12:00:00.000Z')).toEqual([
          { key: 'alice refund', at: '2025-05-02T00:00:00.000Z', amount: '20', currency: 'USD' },
        ]);
        expect(await store.listUsage('alice read', '2025-01-01T00:00:00.000Z')).toEqual([{ key: 'alice read', at: '2025-05-02T00:00:00.000Z' }]);
      });
    });

    describe('sessions, acknowledges and sweeping', () => {
      const T0 = '2025-05-01T00:00:00.000Z';
      const T5 = '2025-05-01T00:05:00.000Z';
      const T10 = '2025-05-01T00:10:00.000Z';
      const chains = { 'urn:uuid:leaf': ['leaf.jwt', 'root.jwt'] };

      it('round-trips sessions, and refuses a duplicate id with ERR_CONFLICT', async () => {
        expect(await store.getSession('s1')).toBeUndefined();
        await store.putSession({ id: 's1', chains, expiresAt: T5 });
        expect(await store.getSession('s1')).toEqual({ id: 's1', chains, expiresAt: T5 });
        await expect(store.putSession({ id: 's1', chains: {}, expiresAt: T10 })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getSession('s1')).toEqual({ id: 's1', chains, expiresAt: T5 });
      });

      it('keeps a session by content: written an hour past the expiry asked, raised only when asked past it, never a conflict', async () => {
        const hourAfter = (iso: string) => new Date(Date.parse(iso) + 3_600_000).toISOString();
        await store.keepSession({ id: 'chains:a', chains, expiresAt: T5 });
        expect(await store.getSession('chains:a')).toEqual({ id: 'chains:a', chains, expiresAt: hourAfter(T5) });
        // Asked for less than it is kept: nothing changes (and a second writer of the id is no conflict).
        await store.keepSession({ id: 'chains:a', chains, expiresAt: T10 });
        await store.keepSession({ id: 'chains:a', chains, expiresAt: hourAfter(T5) });
        expect(await store.getSession('chains:a')).toEqual({ id: 'chains:a', chains, expiresAt: hourAfter(T5) });
        // Asked past it: raised, an hour past the new expiry.
        const later = '2025-05-01T02:00:00.000Z';
        await store.keepSession({ id: 'chains:a', chains, expiresAt: later });
        expect(await store.getSession('chains:a')).toEqual({ id: 'chains:a', chains, expiresAt: hourAfter(later) });
        // Swept once that has passed, like any session.
        expect((await store.sweep(later)).sessions).toBe(0);
        expect(await store.getSession('chains:a')).toBeDefined();
        expect((await store.sweep(hourAfter(later))).sessions).toBe(1);
        expect(await store.getSession('chains:a')).toBeUndefined();
      });

      it('keeps a session in a transaction that rolls back: nothing is written', async () => {
        await expect(
          store.transaction(async (tx) => {
            await tx.keepSession({ id: 'chains:b', chains, expiresAt: T5 });
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        expect(await store.getSession('chains:b')).toBeUndefined();
      });

      it('round-trips peer sessions by agent and peer, replacing on a second handshake', async () => {
        const held = { agent: 'alice', peer: bob.did, token: 'session.jwt', endpoint: 'https://bank.example/ace', expiresAt: T5 };
        expect(await store.getPeerSession('alice', bob.did)).toBeUndefined();
        await store.putPeerSession(held);
        expect(await store.getPeerSession('alice', bob.did)).toEqual(held);
        expect(await store.getPeerSession('bob', bob.did)).toBeUndefined();
        await store.putPeerSession({ ...held, token: 'newer.jwt', expiresAt: T10 });
        expect(await store.getPeerSession('alice', bob.did)).toEqual({ ...held, token: 'newer.jwt', expiresAt: T10 });
      });

      it("keeps a peer session's pending confirm until it is forgotten, and a later handshake's past an earlier forget", async () => {
        const held = { agent: 'alice', peer: bob.did, token: 'session.jwt', endpoint: 'https://bank.example/ace', expiresAt: T5, confirm: 'confirm-1.jws' };
        await store.putPeerSession(held);
        expect(await store.getPeerSession('alice', bob.did)).toEqual(held);
        // A second handshake's confirm replaces it: forgetting the first (its action answered late) leaves the second.
        await store.putPeerSession({ ...held, token: 'newer.jwt', confirm: 'confirm-2.jws' });
        await store.forgetPeerConfirm('alice', bob.did, 'confirm-1.jws');
        expect((await store.getPeerSession('alice', bob.did))?.confirm).toBe('confirm-2.jws');
        await store.forgetPeerConfirm('alice', bob.did, 'confirm-2.jws');
        expect(await store.getPeerSession('alice', bob.did)).toEqual({ ...held, token: 'newer.jwt', confirm: undefined });
        expect('confirm' in (await store.getPeerSession('alice', bob.did))!).toBe(false);
        // A handshake without one (a session granted, nothing to confirm yet) clears it too.
        await store.putPeerSession({ ...held, confirm: 'confirm-3.jws' });
        const { confirm: _dropped, ...bare } = held;
        await store.putPeerSession(bare);
        expect(await store.getPeerSession('alice', bob.did)).toEqual(bare);
      });

      it('round-trips acknowledges, and refuses a duplicate id with ERR_CONFLICT', async () => {
        const ack = { id: 'ack-1', payload: '{"type":"acknowledge"}', expiresAt: T5 };
        expect(await store.getAcknowledge('ack-1')).toBeUndefined();
        await store.putAcknowledge(ack);
        expect(await store.getAcknowledge('ack-1')).toEqual(ack);
        await expect(store.putAcknowledge(ack)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      });

      it('sweeps what expired at or before now, and nothing else', async () => {
        await store.putSession({ id: 'old', chains, expiresAt: T5 });
        await store.putSession({ id: 'live', chains, expiresAt: T10 });
        await store.putPeerSession({ agent: 'alice', peer: bob.did, token: 't', endpoint: 'https://bank.example/ace', expiresAt: T5 });
        await store.putPeerSession({ agent: 'bob', peer: alice.did, token: 't', endpoint: 'https://acme.example/ace', expiresAt: T10 });
        await store.putAcknowledge({ id: 'old', payload: '{}', expiresAt: T5 });
        await store.putAcknowledge({ id: 'live', payload: '{}', expiresAt: T10 });
        expect(await store.claimOnce('jti:old', T5, T0)).toBe(true);
        expect(await store.claimOnce('jti:live', T10, T0)).toBe(true);
        await store.recordUsage({ key: 'k', at: T0, expiresAt: T5 });
        await store.recordUsage({ key: 'k', at: T0, amount: '1', currency: 'USD', expiresAt: T10 });
        // No expiry: kept for good.
        await store.recordUsage({ key: 'k', at: T0, amount: '2', currency: 'USD' });

        expect(await store.sweep(T0)).toEqual({ sessions: 0, peerSessions: 0, acknowledges: 0, oneTimeKeys: 0, usage: 0 });
        expect(await store.sweep(T5)).toEqual({ sessions: 1, peerSessions: 1, acknowledges: 1, oneTimeKeys: 1, usage: 1 });
        expect(await store.getSession('old')).toBeUndefined();
        expect(await store.getSession('live')).toMatchObject({ id: 'live' });
        expect(await store.getPeerSession('alice', bob.did)).toBeUndefined();
        expect(await store.getPeerSession('bob', alice.did)).toMatchObject({ token: 't' });
        expect(await store.getAcknowledge('old')).toBeUndefined();
        expect(await store.getAcknowledge('live')).toMatchObject({ id: 'live' });
        // The live claim still refuses a replay; the swept one is free again.
        expect(await store.claimOnce('jti:live', T10, T5)).toBe(false);
        expect(await store.claimOnce('jti:old', T10, T5)).toBe(true);
        expect(await store.listUsage('k', T0)).toEqual([
          { key: 'k', at: T0, amount: '1', currency: 'USD' },
          { key: 'k', at: T0, amount: '2', currency: 'USD' },
        ]);

        expect(await store.sweep('2030-01-01T00:00:00.000Z')).toEqual({ sessions: 1, peerSessions: 1, acknowledges: 1, oneTimeKeys: 2, usage: 1 });
        expect(await store.listUsage('k', T0)).toEqual([{ key: 'k', at: T0, amount: '2', currency: 'USD' }]);
      });

      it(`sweeps a backlog larger than one batch (${DELETE_BATCH} rows) whole`, async () => {
        const keys = Array.from({ length: DELETE_BATCH + 70 }, (_, i) => `jti:${i}`);
        expect(await store.claimEach(keys, T5, T0)).toBe(-1);
        expect(await store.claimEach(['jti:live'], T10, T0)).toBe(-1);
        await store.putPeerSession({ agent: 'alice', peer: bob.did, token: 't', endpoint: 'https://bank.example/ace', expiresAt: T5 });
        expect(await store.sweep(T5)).toEqual({ sessions: 0, peerSessions: 1, acknowledges: 0, oneTimeKeys: DELETE_BATCH + 70, usage: 0 });
        expect(await store.firstClaimed(['jti:0', `jti:${DELETE_BATCH + 69}`, 'jti:live'], T5)).toBe(2);
      });

      it('sweeps inside a transaction, and a rollback keeps the rows', async () => {
        await store.putSession({ id: 'old', chains, expiresAt: T5 });
        await expect(
          store.transaction(async (tx) => {
            expect((await tx.sweep(T10)).sessions).toBe(1);
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect(await store.getSession('old')).toMatchObject({ id: 'old' });
      });
    });

    describe('integrity', () => {
      it('passes a sound store, quick and full, and keeps it writable', async () => {
        await store.putAgent(alice);
        expect(await store.checkIntegrity()).toEqual({ ok: true, problems: [], mode: 'full' });
        expect(await store.checkIntegrity({ quick: true })).toEqual({ ok: true, problems: [], mode: 'quick' });
        await store.putAgent(bob);
        expect(await store.listAgents()).toEqual([alice, bob]);
      });
    });

    auditContract(() => store);
    alertsContract(() => store);
    operatorsContract(() => store);
    approvalRequestsContract(() => store);
    pendingChangesContract(() => store);

    describe('transactions', () => {
      const aliceKey = key(alice.did, 1, alice.createdAt);

      it('commits every write together and returns the result', async () => {
        const result = await store.transaction(async (tx) => {
          await tx.putOrganization(organization);
          await tx.putKey(aliceKey);
          await tx.putAgent(alice);
          await tx.putCredential(credential(1));
          await tx.setAgentStatus('alice', 'retired');
          // Reads inside see the transaction's own writes.
          expect(await tx.getAgent('alice')).toEqual({ ...alice, status: 'retired' });
          return 42;
        });
        expect(result).toBe(42);
        expect(await store.getOrganization()).toEqual(organization);
        expect(normalizeKeys(await store.listKeys())).toEqual([aliceKey]);
        expect(await store.listAgents()).toEqual([{ ...alice, status: 'retired' }]);
        expect(await store.listCredentials()).toEqual([credential(1)]);
      });

      it('rolls back every write when fn throws, and rethrows the same error', async () => {
        await store.putAgent(bob);
        const boom = new InputError('ERR_INVALID_ARGUMENT', 'boom');
        const p = store.transaction(async (tx) => {
          await tx.putOrganization(organization);
          await tx.putKey(aliceKey);
          await tx.putAgent(alice);
          await tx.setAgentStatus('bob', 'retired');
          await tx.putCredential(credential(1));
          await ticks(1);
          throw boom;
        });
        await expect(p).rejects.toBe(boom);
        await expect(p).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
        expect(await store.getOrganization()).toBeUndefined();
        expect(await store.listKeys()).toEqual([]);
        expect(await store.listAgents()).toEqual([bob]);
        expect(await store.listCredentials()).toEqual([]);
      });

      it('commits and rolls back a bulk transaction as any other, beside transactions running with it', async () => {
        const results = await Promise.allSettled([
          store.transaction((tx) => tx.putAgent(alice)),
          store.transaction(async (tx) => {
            await tx.putAgent(bob);
            await tx.putAgent({ ...mallory, did: bob.did });
          }, { bulk: true }),
          store.transaction((tx) => tx.putAgent(mallory), { bulk: true }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_CONFLICT' });
        expect((await store.listAgents()).map((a) => a.name).sort()).toEqual(['alice', 'mallory']);
      });

      it('rolls back when a write inside fails, rethrowing its error', async () => {
        await store.putAgent(alice);
        const p = store.transaction(async (tx) => {
          await tx.putAgent(bob);
          await tx.putAgent({ ...mallory, did: alice.did });
        });
        await expect(p).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.listAgents()).toEqual([alice]);
      });

      it('rolls back a nested transaction alone when its error is caught', async () => {
        await store.transaction(async (tx) => {
          await tx.putAgent(alice);
          const boom = new InputError('ERR_INVALID_ARGUMENT', 'inner');
          await expect(
            tx.transaction(async (inner) => {
              await inner.putAgent(bob);
              expect(await inner.getAgent('bob')).toEqual(bob);
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect(await tx.getAgent('bob')).toBeUndefined();
          await tx.transaction(async (inner) => {
            await inner.putAgent(mallory);
          });
        });
        expect(await store.listAgents()).toEqual([alice, mallory]);
      });

      it('rolls back a committed nested transaction with its enclosing one', async () => {
        const boom = new InputError('ERR_INVALID_ARGUMENT', 'outer');
        await expect(
          store.transaction(async (tx) => {
            await tx.putAgent(alice);
            await tx.transaction(async (inner) => {
              await inner.putAgent(bob);
              await inner.transaction((innermost) => innermost.putAgent(mallory));
            });
            expect(await tx.listAgents()).toEqual([alice, bob, mallory]);
            throw boom;
          }),
        ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
        expect(await store.listAgents()).toEqual([]);
      });

      it('refuses the parent transaction while a nested one is open, and close() on a transaction', async () => {
        await store.transaction(async (tx) => {
          await expect(tx.close()).rejects.toMatchObject({ code: 'ERR_STORE' });
          await tx.transaction(async (inner) => {
            await expect(tx.putAgent(bob)).rejects.toMatchObject({ code: 'ERR_STORE' });
            await expect(tx.transaction(() => Promise.resolve())).rejects.toMatchObject({ code: 'ERR_STORE' });
            await inner.putAgent(alice);
          });
          await tx.putAgent(mallory);
        });
        expect(await store.listAgents()).toEqual([alice, mallory]);
      });

      it('rolls back everything when fn returns before its nested transaction ends', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let nested: Promise<void> | undefined;
        await expect(
          store.transaction(async (tx) => {
            await tx.putAgent(alice);
            nested = tx.transaction(async (inner) => {
              await inner.putAgent(bob);
              await gate;
              await inner.putAgent(mallory);
            });
            // A backend may take the savepoint asynchronously (PostgreSQL): the nested transaction may fail before the gate opens.
            nested.catch(() => undefined);
          }),
        ).rejects.toMatchObject({ code: 'ERR_STORE' });
        release();
        await expect(nested).rejects.toMatchObject({ code: 'ERR_STORE' });
        expect(await store.listAgents()).toEqual([]);
      });

      it('refuses to use a transaction store after the transaction ended', async () => {
        let leaked: Store | undefined;
        await store.transaction((tx) => {
          leaked = tx;
          return Promise.resolve();
        });
        if (leaked === undefined) throw new Error('transaction did not run');
        await expect(leaked.putAgent(alice)).rejects.toMatchObject({ code: 'ERR_STORE' });
        await expect(leaked.getAgent('alice')).rejects.toMatchObject({ code: 'ERR_STORE' });
        expect(await store.getAgent('alice')).toBeUndefined();
      });

      ifSingleWriter('keeps an outside write out of a transaction that rolls back', async () => {
        const boom = new InputError('ERR_INVALID_ARGUMENT', 'boom');
        let bobAtStart: AgentRecord | undefined;
        let bobAtEnd: AgentRecord | undefined;
        const txDone = store.transaction(async (tx) => {
          bobAtStart = await tx.getAgent('bob');
          await tx.putAgent(alice);
          await ticks();
          bobAtEnd = await tx.getAgent('bob');
          throw boom;
        });
        const outside = store.putAgent(bob);
        const [txResult, outsideResult] = await Promise.allSettled([txDone, outside]);
        expect(txResult).toEqual({ status: 'rejected', reason: boom });
        expect(outsideResult).toEqual({ status: 'fulfilled', value: undefined });
        // The outside write landed wholly before or wholly after, never in between.
        expect(bobAtEnd).toEqual(bobAtStart);
        expect(await store.listAgents()).toEqual([bob]);
      });

      ifSingleWriter('keeps an outside write out of a transaction that commits', async () => {
        let seenAtStart: AgentRecord[] = [];
        let seenAtEnd: AgentRecord[] = [];
        const txDone = store.transaction(async (tx) => {
          seenAtStart = await tx.listAgents();
          await tx.putAgent(alice);
          await ticks();
          await tx.putAgent(mallory);
          seenAtEnd = await tx.listAgents();
        });
        const outside = Promise.all([store.putAgent(bob), store.getAgent('alice')]);
        const [, [, aliceSeenOutside]] = await Promise.all([txDone, outside]);
        const bobBefore = seenAtStart.some((a) => a.name === 'bob');
        expect(seenAtEnd.some((a) => a.name === 'bob')).toBe(bobBefore);
        // Outside, alice was either not yet written or already committed.
        if (aliceSeenOutside !== undefined) expect(aliceSeenOutside).toEqual(alice);
        expect(await store.listAgents()).toEqual([alice, bob, mallory]);
      });

      it('serializes a transaction and a conflicting outside write: exactly one wins', async () => {
        const txDone = store.transaction(async (tx) => {
          await ticks(2);
          await tx.putAgent(alice);
          await ticks(2);
        });
        const outside = store.putAgent({ ...mallory, name: 'alice' });
        const results = await Promise.allSettled([txDone, outside]);
        const rejected = results.filter((r) => r.status === 'rejected');
        expect(rejected).toHaveLength(1);
        expect(rejected[0]).toMatchObject({ reason: { code: 'ERR_CONFLICT' } });
        const stored = await store.getAgent('alice');
        expect(stored).toEqual(results[0].status === 'fulfilled' ? alice : { ...mallory, name: 'alice' });
      });

      ifSingleWriter('runs concurrent transactions one at a time', async () => {
        const order: string[] = [];
        const run = (name: string, agent: AgentRecord) =>
          store.transaction(async (tx) => {
            order.push(`${name}:begin`);
            await ticks(2);
            await tx.putAgent(agent);
            order.push(`${name}:end`);
          });
        await Promise.all([run('a', alice), run('b', bob), run('m', mallory)]);
        for (let i = 0; i < order.length; i += 2) {
          const entry = order[i] ?? '';
          expect(order[i + 1]).toBe(entry.replace(':begin', ':end'));
        }
        expect(await store.listAgents()).toEqual([alice, bob, mallory]);
      });

      ifConcurrent('runs concurrent transactions side by side, each committing or rolling back whole', async () => {
        const boom = new InputError('ERR_INVALID_ARGUMENT', 'boom');
        const run = (agent: AgentRecord, fail: boolean) =>
          store.transaction(async (tx) => {
            await tx.putAgent(agent);
            await ticks(2);
            await tx.putKey(key(agent.did, 1, agent.createdAt));
            if (fail) throw boom;
          });
        const outside = store.putAgent({ ...bob, name: 'bob2', did: `${bob.did}2` });
        const results = await Promise.allSettled([run(alice, false), run(bob, true), run(mallory, false), outside]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect((await store.listAgents()).map((a) => a.name)).toEqual(['alice', 'bob2', 'mallory']);
        expect((await store.listKeys()).map((k) => k.controller).sort()).toEqual([alice.did, mallory.did].sort());
      });

      ifConcurrent('keeps a rolled-back transaction from undoing an outside write', async () => {
        const boom = new InputError('ERR_INVALID_ARGUMENT', 'boom');
        const txDone = store.transaction(async (tx) => {
          await tx.putAgent(alice);
          await ticks();
          throw boom;
        });
        const outside = store.putAgent(bob);
        const [txResult, outsideResult] = await Promise.allSettled([txDone, outside]);
        expect(txResult).toEqual({ status: 'rejected', reason: boom });
        expect(outsideResult).toEqual({ status: 'fulfilled', value: undefined });
        expect(await store.listAgents()).toEqual([bob]);
      });
    });

    describe('close', () => {
      it('is idempotent', async () => {
        await store.close();
        await store.close();
      });

      it('waits for an open transaction, which still commits', async () => {
        const txDone = store.transaction(async (tx) => {
          await ticks();
          await tx.putAgent(alice);
        });
        const closed = store.close();
        await expect(txDone).resolves.toBeUndefined();
        await closed;
      });

      it('makes later calls reject with ERR_STORE', async () => {
        await store.close();
        await expect(store.getAgent('alice')).rejects.toMatchObject({ code: 'ERR_STORE' });
        await expect(store.putAgent(alice)).rejects.toMatchObject({ code: 'ERR_STORE' });
        await expect(store.transaction(() => Promise.resolve())).rejects.toMatchObject({ code: 'ERR_STORE' });
      });
    });
  });
}
