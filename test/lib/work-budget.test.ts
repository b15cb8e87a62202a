// Per-message work budget (#13 item 3): each bound refuses with ERR_WORK_LIMIT, naming its kind.
//   acme -> alice -> mallory (did:key): a three-link chain, three DIDs, three signatures
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { DEFAULT_WORK_LIMITS, WorkBudget } from '../../src/lib/work-budget.js';
import { createStatusChecker } from '../../src/status/check.js';
import { createList, MIN_LIST_BITS } from '../../src/status/bitstring.js';
import { acme, alice, bob, frozenClock, mallory, personaResolver, thrown } from '../fixtures.js';
import { credentialWith, listServer, REVOCATION_URL, revocationEntry, signedList, SUSPENSION_URL, suspensionEntry } from '../status/helpers.js';

const refund = { action: 'call', resource: 'billing:refund' };

async function chain() {
  const root = await issueCapabilityCredential({
    issuer: acme.did,
    signer: acme.signer,
    subject: { id: alice.did, owner: alice.owner, capabilities: [refund], delegation: { depth: 0, maxDepth: 2 } },
    clock: frozenClock(),
  });
  const child = await delegateCapability({ parent: root.credential, signer: alice.signer, to: bob.did, capabilities: [refund], clock: frozenClock() });
  const grandchild = await delegateCapability({ parent: child.credential, signer: bob.signer, to: mallory.did, capabilities: [refund], clock: frozenClock() });
  return [root.jwt, child.jwt, grandchild.jwt];
}

function budgeted(budget: WorkBudget) {
  return { resolver: budget.resolver(personaResolver()), clock: frozenClock(), budget };
}

describe('WorkBudget', () => {
  it('has the documented defaults and refuses bad limits', () => {
    expect(DEFAULT_WORK_LIMITS).toEqual({ resolutions: 40, statusLists: 32, inflatedBytes: 16 * 1024 * 1024, signatures: 64 });
    expect(() => new WorkBudget({ signatures: -1 })).toThrow(RangeError);
    expect(() => new WorkBudget({ resolutions: 1.5 })).toThrow(RangeError);
  });

  it('charges repeats of one key once, and refuses past the limit without charging', () => {
    const budget = new WorkBudget({ statusLists: 1 });
    budget.chargeOnce('statusLists', 'a');
    budget.chargeOnce('statusLists', 'a');
    expect(budget.spent('statusLists')).toBe(1);
    expect(() => budget.chargeOnce('statusLists', 'b')).toThrow(expect.objectContaining({ code: 'ERR_WORK_LIMIT', claim: 'statusLists' }) as Error);
    expect(budget.spent('statusLists')).toBe(1);
  });

  it('a chain within the budget verifies; the counts are its distinct DIDs and its signatures', async () => {
    const budget = new WorkBudget();
    expect((await verifyChain(await chain(), budgeted(budget))).errors).toEqual([]);
    expect(budget.spent('resolutions')).toBe(3);
    expect(budget.spent('signatures')).toBe(3);
  });

  it('resolutions: a chain needing more distinct DIDs than allowed is ERR_WORK_LIMIT', async () => {
    const error = await thrown(async () => verifyChain(await chain(), budgeted(new WorkBudget({ resolutions: 2 }))));
    expect([error.code, error.claim]).toEqual(['ERR_WORK_LIMIT', 'resolutions']);
  });

  it('signatures: a chain of more links than signatures allowed is ERR_WORK_LIMIT', async () => {
    const error = await thrown(async () => verifyChain(await chain(), budgeted(new WorkBudget({ signatures: 2 }))));
    expect([error.code, error.claim]).toEqual(['ERR_WORK_LIMIT', 'signatures']);
  });

  it('status lists: more distinct lists than allowed is ERR_WORK_LIMIT, charged before any fetch', async () => {
    const server = listServer({ [REVOCATION_URL]: { body: await signedList() }, [SUSPENSION_URL]: { body: await signedList({ url: SUSPENSION_URL, purpose: 'suspension' }) } });
    const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock: frozenClock() });
    const credential = credentialWith([revocationEntry(1), suspensionEntry(1)]);
    const error = await thrown(() => checker.statusErrors(credential, { budget: new WorkBudget({ statusLists: 1 }) }));
    expect([error.code, error.claim]).toEqual(['ERR_WORK_LIMIT', 'statusLists']);
    expect(server.requests).toEqual([]);
    // Two lists are allowed when the budget says so.
    expect(await checker.statusErrors(credential, { budget: new WorkBudget({ statusLists: 2 }) })).toEqual([]);
    // Both lists are cached now, and answered without waiting for a load: a refusal is still a rejected promise, never a throw.
    for (const call of [() => checker.statusErrors(credential, { budget: new WorkBudget({ statusLists: 1 }) }), () => checker.check(credential, { budget: new WorkBudget({ statusLists: 1 }) })]) {
      let pending: Promise<unknown> | undefined;
      expect(() => (pending = call())).not.toThrow();
      await expect(pending).rejects.toMatchObject({ code: 'ERR_WORK_LIMIT', claim: 'statusLists' });
    }
    expect(server.requests).toHaveLength(2);
  });

  it('inflated bytes: a list inflating past the budget is ERR_WORK_LIMIT; a cached one costs nothing', async () => {
    const server = listServer({ [REVOCATION_URL]: { body: await signedList({ bits: createList(MIN_LIST_BITS * 2) }) } });
    const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock: frozenClock() });
    const credential = credentialWith([revocationEntry(1)]);
    const error = await thrown(() => checker.statusErrors(credential, { budget: new WorkBudget({ inflatedBytes: MIN_LIST_BITS / 8 }) }));
    expect([error.code, error.claim]).toEqual(['ERR_WORK_LIMIT', 'inflatedBytes']);
    // The list was fetched and cached; read from the cache it inflates nothing.
    const budget = new WorkBudget({ inflatedBytes: 0 });
    expect(await checker.statusErrors(credential, { budget })).toEqual([]);
    expect(budget.spent('inflatedBytes')).toBe(0);
  });
});
