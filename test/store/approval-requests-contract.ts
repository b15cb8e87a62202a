/**
 * @module test/store/approval-requests-contract
 *
 * The approval inbox part of the store contract, run by `storeContract` for
 * every backend: a request is stored within its agent's bound of pending
 * ones, listed newest first by status and agent, decided once (two deciders
 * racing: one wins), and swept (pending past expiry marked, old ones gone).
 */

import { describe, expect, it } from 'vitest';

import type { ApprovalRequestRecord } from '../../src/store/ports/approval-requests.js';
import type { Store } from '../../src/store/types.js';

const AGENT = 'did:web:helpdesk.example:agents:customer-support';
const CAROL = 'did:key:z6MkCarol';
const TELLER = 'did:web:bank.example:agents:teller';

function request(n: number, agent = 'customer-support'): ApprovalRequestRecord {
  return {
    id: `urn:uuid:request-${n}`,
    agent,
    peer: TELLER,
    request: { action: 'close', resource: 'billing:account_closure', amount: { value: n, currency: 'USD' }, params: { note: 'é ✓' } },
    actionHash: `hash-${n}`,
    attribution: [AGENT, CAROL],
    accepts: ["the agent's owner"],
    status: 'pending',
    createdAt: `2026-03-02T10:0${n}:00.000Z`,
    expiresAt: `2026-03-02T11:0${n}:00.000Z`,
  };
}

export function approvalRequestsContract(store: () => Store): void {
  describe('approval requests', () => {
    it("stores requests within the agent's bound of pending ones, and lists them newest first", async () => {
      expect(await store().putApprovalRequest(request(1), 2)).toBe(true);
      expect(await store().putApprovalRequest(request(2), 2)).toBe(true);
      expect(await store().putApprovalRequest(request(3), 2)).toBe(false);
      expect(await store().putApprovalRequest(request(4, 'other'), 2)).toBe(true);
      expect((await store().listApprovalRequests({ limit: 10 })).map((r) => r.id)).toEqual(['urn:uuid:request-4', 'urn:uuid:request-2', 'urn:uuid:request-1']);
      expect(await store().listApprovalRequests({ agent: 'customer-support', status: 'pending', limit: 1 })).toEqual([request(2)]);
      expect(await store().getApprovalRequest('urn:uuid:request-1')).toEqual(request(1));
    });

    it('decides a request once, even when two deciders race', async () => {
      await store().putApprovalRequest(request(1), 10);
      const decided = await Promise.all([
        store().decideApprovalRequest('urn:uuid:request-1', 'pending', { status: 'approved', decidedBy: CAROL, decidedAt: '2026-03-02T10:05:00.000Z', approval: 'jwt' }),
        store().decideApprovalRequest('urn:uuid:request-1', 'pending', { status: 'denied', decidedBy: CAROL, decidedAt: '2026-03-02T10:05:00.000Z', reason: 'no' }),
      ]);
      expect(decided.sort()).toEqual([false, true]);
      const after = (await store().getApprovalRequest('urn:uuid:request-1'))!;
      expect(['approved', 'denied']).toContain(after.status);
      expect(after.decidedBy).toBe(CAROL);
      // A pending slot is freed by the decision.
      expect(await store().putApprovalRequest(request(2), 1)).toBe(true);
    });

    it('marks pending requests past their expiry expired, and forgets ended ones', async () => {
      await store().putApprovalRequest(request(1), 10);
      await store().putApprovalRequest(request(2), 10);
      await store().decideApprovalRequest('urn:uuid:request-2', 'pending', { status: 'denied' });
      expect(await store().sweepApprovalRequests('2026-03-02T11:01:30.000Z', '2026-03-02T00:00:00.000Z')).toEqual([1, 0]);
      expect((await store().getApprovalRequest('urn:uuid:request-1'))?.status).toBe('expired');
      expect(await store().sweepApprovalRequests('2026-04-02T00:00:00.000Z', '2026-04-01T00:00:00.000Z')).toEqual([0, 2]);
    });
  });
}
