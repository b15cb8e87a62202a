// A credential that continues another's lineage (a renewal, a reassignment) continues its usage: budgets and
// rate limits count both under one key at every verifier (issue #17 items 3 and 4).
//   issuer (did:key, accredited by bank) -> alice: a first credential, then one continuing its lineage
//   bank (did:web:bank.example) -> teller decides refunds under each, at an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { Capability } from '../../src/credential/types.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { accredit } from '../../src/node/registry.js';
import { NOW } from '../fixtures.js';
import { actWith, handshakeWith, openVerifier, type Verifier } from '../helpers/verifier.js';

const REFUND = { action: 'call', resource: 'billing:refund' };
const LIMITED: Capability = { ...REFUND, constraints: { budget: { value: 100, currency: 'USD', period: 'PT1H' }, rateLimit: { count: 3, period: 'PT1H' } } };
const usd = (value: number) => ({ value, currency: 'USD' });

let now: Date;
const clock = () => new Date(now.getTime());
let v: Verifier;
const issuer = generateEphemeralSigner();
const alice = generateEphemeralSigner();

beforeAll(async () => {
  now = new Date(NOW.getTime());
  v = await openVerifier(clock);
  await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:refund'] });
});
afterAll(() => v.node.close());

const issue = (lineage?: string, capabilities: Capability[] = [LIMITED]) =>
  issueCapabilityCredential({ issuer: issuer.did, signer: issuer, subject: { id: alice.did, owner: 'mailto:carol@helpdesk.example', capabilities, ...(lineage === undefined ? {} : { lineage }) }, clock });

async function spend(jwt: string, amounts: number[]): Promise<{ decision: string; codes: string[] }[]> {
  const { token } = await handshakeWith(v, alice, [jwt], [REFUND], clock);
  const out = [];
  for (const value of amounts) {
    const d = await actWith(v, alice, token, { ...REFUND, amount: usd(value) }, clock);
    out.push({ decision: d.decision, codes: d.reasons.map((r) => r.code) });
  }
  return out;
}

describe('lineage: usage carries over to the credential that continues another', () => {
  it('a renewed credential finds the budget its predecessor spent, and the rate count', async () => {
    const first = await issue();
    expect(await spend(first.jwt, [60])).toEqual([{ decision: 'allow', codes: [] }]);
    const renewed = await issue(first.credential.id);
    expect(renewed.credential.credentialSubject.lineage).toBe(first.credential.id);
    // 60 of 100 spent under the first: 30 more fit, 20 more do not.
    expect(await spend(renewed.jwt, [30, 20])).toEqual([
      { decision: 'allow', codes: [] },
      { decision: 'deny', codes: ['ERR_BUDGET_EXCEEDED'] },
    ]);
    // The predecessor counts the successor's use too: one lineage, one budget, whichever credential is shown.
    expect(await spend(first.jwt, [10])).toEqual([{ decision: 'allow', codes: [] }]);
    // 100 spent in three uses this hour, across both: the budget and the rate limit (3) are both reached.
    expect(await spend(renewed.jwt, [0])).toEqual([{ decision: 'deny', codes: ['ERR_RATE_LIMITED'] }]);
    expect(await spend(renewed.jwt, [1])).toEqual([{ decision: 'deny', codes: ['ERR_BUDGET_EXCEEDED', 'ERR_RATE_LIMITED'] }]);
  });

  it('a credential without a lineage starts its own budget', async () => {
    now = new Date(now.getTime() + 2 * 3_600_000);
    const first = await issue();
    expect(await spend(first.jwt, [90])).toEqual([{ decision: 'allow', codes: [] }]);
    const fresh = await issue();
    expect(await spend(fresh.jwt, [90])).toEqual([{ decision: 'allow', codes: [] }]);
  });

  it('refuses a lineage that is not a URI, with ERR_SCHEMA', async () => {
    await expect(issue('not a uri')).rejects.toMatchObject({ code: 'ERR_SCHEMA' });
  });
});
