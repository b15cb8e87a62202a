// acme -> alice: alice's credential carries entries in acme's revocation list
// (r-1) and suspension list (s-1), served by an in-memory server behind an
// injected fetch; mallory forges a credential to make the agent fetch.
import { describe, expect, it } from 'vitest';
import type { Capability } from '../../src/credential/types.js';
import { acme, alice, mallory } from '../fixtures.js';
import { listServer, REVOCATION_URL, revocationEntry, signedList, SUSPENSION_URL, suspensionEntry, type Route } from '../status/helpers.js';
import { tamper } from '../registry/fixtures.js';
import { codes, jwtOf, legateAgent, overJson } from './helpers.js';

const subject = { id: alice.did, owner: alice.owner, capabilities: [{ action: 'call', resource: 'billing:refund' } satisfies Capability] };

function setup(routes: Record<string, Route>, onUnavailable: 'fail' | 'ignore' = 'fail') {
  const server = listServer(routes);
  const agent = legateAgent({ plugin: { checkStatus: true, status: { fetch: server.fetch, onUnavailable } } });
  const issue = (index: number) =>
    agent.legateIssueCapabilityCredential({ issuer: acme.did, subject, credentialStatus: [revocationEntry(index), suspensionEntry(index)] });
  return { agent, server, issue };
}

const lists = async (revoked: number[], suspended: number[] = []) => ({
  [REVOCATION_URL]: { body: await signedList({ set: revoked }) },
  [SUSPENSION_URL]: { body: await signedList({ url: SUSPENSION_URL, purpose: 'suspension', set: suspended }) },
});

describe('status through a Veramo agent', () => {
  it('reports a revoked credential: ERR_REVOKED in verification and a revoked outcome in the status check', async () => {
    const { agent, issue } = setup(await lists([94023], [5]));
    const jwt = jwtOf(await issue(94023));
    const verification = await agent.legateVerifyCapabilityCredential({ credential: jwt });
    expect(verification.verified).toBe(false);
    expect(verification.errors).toEqual([{ code: 'ERR_REVOKED', message: 'credential is revoked', claim: 'credentialStatus' }]);

    const report = await agent.legateCheckCredentialStatus({ credential: jwt });
    expect(report).toEqual({
      checked: true,
      ok: false,
      results: [
        { outcome: 'revoked', purpose: 'revocation', index: 94023, list: REVOCATION_URL, error: { code: 'ERR_REVOKED', message: 'credential is revoked', claim: 'credentialStatus' } },
        { outcome: 'ok', purpose: 'suspension', index: 94023, list: SUSPENSION_URL },
      ],
      errors: [],
    });
    expect(overJson(report)).toEqual(report);
  });

  it('passes a credential whose bits are clear, and reports a suspended one: ERR_SUSPENDED', async () => {
    const { agent, issue } = setup(await lists([1], [5]));
    const good = await issue(2);
    expect(await agent.legateVerifyCapabilityCredential({ credential: jwtOf(good) })).toMatchObject({ verified: true, errors: [] });
    expect(await agent.legateCheckCredentialStatus({ credential: jwtOf(good) })).toMatchObject({ checked: true, ok: true });
    const suspended = await issue(5);
    expect(codes(await agent.legateVerifyCapabilityCredential({ credential: jwtOf(suspended) }))).toEqual(['ERR_SUSPENDED']);
    expect((await agent.legateCheckCredentialStatus({ credential: jwtOf(suspended) })).results.map((r) => r.outcome)).toEqual(['ok', 'suspended']);
  });

  it('fails closed on an unavailable list, unless the plugin says to ignore it', async () => {
    const { agent, issue } = setup({ [REVOCATION_URL]: { body: await signedList() } });
    const jwt = jwtOf(await issue(3));
    expect(codes(await agent.legateVerifyCapabilityCredential({ credential: jwt }))).toEqual(['ERR_STATUS_UNAVAILABLE']);
    const report = await agent.legateCheckCredentialStatus({ credential: jwt });
    expect(report).toMatchObject({ checked: true, ok: false, results: [{ outcome: 'ok' }, { outcome: 'unavailable', error: { code: 'ERR_STATUS_UNAVAILABLE' } }] });

    const lenient = setup({ [REVOCATION_URL]: { body: await signedList() } }, 'ignore');
    const other = await lenient.issue(3);
    expect((await lenient.agent.legateVerifyCapabilityCredential({ credential: jwtOf(other) })).errors).toEqual([]);
    expect(await lenient.agent.legateCheckCredentialStatus({ credential: jwtOf(other) })).toMatchObject({ checked: true, ok: true });
  });

  it('fetches no list for a credential its issuer did not sign', async () => {
    const { agent, server, issue } = setup(await lists([]));
    const jwt = jwtOf(await issue(9));
    const redirected = tamper(jwt, (p) => {
      p.credentialStatus = [revocationEntry(9, 'https://mallory.example/status/1')];
    });
    const report = await agent.legateCheckCredentialStatus({ credential: redirected });
    expect(report).toEqual({ checked: false, ok: false, results: [], errors: [{ code: 'ERR_SIGNATURE_INVALID', message: 'signature does not verify', claim: 'signature' }] });
    const forged = await legateAgent({ plugin: { signers: [mallory.signer] } }).legateIssueCapabilityCredential({
      issuer: mallory.did,
      subject,
      credentialStatus: [revocationEntry(9, 'https://mallory.example/status/1')],
    });
    // mallory's own credential is signed, so its lists are hers to name: they are fetched, and fail.
    expect((await agent.legateCheckCredentialStatus({ credential: jwtOf(forged) })).results[0]).toMatchObject({ outcome: 'unavailable' });
    expect(server.requests.map((r) => r.url)).toEqual(['https://mallory.example/status/1']);
  });
});
