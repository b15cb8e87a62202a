// Verifier-side maximum status age (#13 item 4), with an injected clock.
// acme publishes its revocation list r-1 with a one-year ttl; the verifier decides how old a list it accepts.
import { describe, expect, it } from 'vitest';
import { subjectNarrows } from '../../src/capability/attenuate.js';
import { CAPABILITY_SCHEMA_FILE, schemaErrors } from '../../src/credential/schema.js';
import { createStatusChecker, type StatusCheckerOptions } from '../../src/status/check.js';
import { maxStatusAgeOf } from '../../src/status/max-age.js';
import { MAX_STATUS_TTL_MS } from '../../src/status/list-credential.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { acme, frozenClock, personaResolver } from '../fixtures.js';
import { codes, credentialWith, listServer, movableClock, REVOCATION_URL, revocationEntry, signedList, type Route } from './helpers.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

async function setup(options: Partial<StatusCheckerOptions> = {}, route: Partial<Route> = {}) {
  const time = movableClock();
  const server = listServer({ [REVOCATION_URL]: { body: await signedList({ ttlMs: MAX_STATUS_TTL_MS }), ...route } });
  const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock: time.clock, ...options });
  return { checker, server, time };
}

/** A credential of acme's with entry 42 in r-1, for one capability with these constraints. */
function credential(capability: Record<string, unknown> = { action: 'read', resource: 'crm:notes' }) {
  return { ...credentialWith([revocationEntry(42)]), credentialSubject: { id: 'did:example:x', capabilities: [capability] } };
}

describe('maximum status age', () => {
  it("caps an issuer's one-year ttl at the verifier's default five minutes: the revocation shows on refetch", async () => {
    const { checker, server, time } = await setup();
    expect(await checker.statusErrors(credential())).toEqual([]);
    server.routes[REVOCATION_URL] = { body: await signedList({ ttlMs: MAX_STATUS_TTL_MS, set: [42] }) };
    time.advance(4 * MINUTE);
    expect(await checker.statusErrors(credential())).toEqual([]);
    expect(server.requests).toHaveLength(1);
    time.advance(1 * MINUTE + SECOND);
    expect(codes(await checker.statusErrors(credential()))).toEqual(['ERR_REVOKED']);
    expect(server.requests).toHaveLength(2);
  });

  it('takes its own bound from maxStatusAgeSeconds', async () => {
    const { checker, server, time } = await setup({ maxStatusAgeSeconds: 60 });
    await checker.check(credential());
    time.advance(61 * SECOND);
    await checker.check(credential());
    expect(server.requests).toHaveLength(2);
  });

  it('a list that cannot be refreshed once too old is ERR_STATUS_UNAVAILABLE (fail closed)', async () => {
    const { checker, server, time } = await setup();
    expect(await checker.statusErrors(credential())).toEqual([]);
    server.routes[REVOCATION_URL] = { body: 'down', status: 503 };
    time.advance(5 * MINUTE + SECOND);
    expect(codes(await checker.statusErrors(credential()))).toEqual(['ERR_STATUS_UNAVAILABLE']);
  });

  it("a capability's maxStatusAge of 30 s forces a refetch that a plain capability does not need", async () => {
    const { checker, server, time } = await setup();
    const risky = credential({ action: 'call', resource: 'billing:refund', constraints: { maxStatusAge: 'PT30S' } });
    await checker.check(risky);
    time.advance(31 * SECOND);
    expect((await checker.check(credential()))[0]!.source).toBe('cache');
    expect(server.requests).toHaveLength(1);
    expect((await checker.check(risky))[0]!.source).toBe('network');
    expect(server.requests).toHaveLength(2);
  });

  it('shared constraints of a credential apply as well', () => {
    const shared = { ...credential(), credentialSubject: { id: 'did:example:x', capabilities: [{ action: 'read', resource: 'crm:notes' }], constraints: { maxStatusAge: 'PT10S' } } };
    expect(maxStatusAgeOf(shared, [], 300 * SECOND)).toBe(10 * SECOND);
  });

  it("the verifier's policy demands fresher status by capability pattern; the strictest applicable age wins", async () => {
    const statusAgePolicy = [
      { action: 'call', resource: 'billing:*', maxStatusAge: 30 },
      { action: '*', resource: 'billing:refund', maxStatusAge: 'PT20S' },
    ];
    const { checker, server, time } = await setup({ statusAgePolicy });
    const refund = credential({ action: 'call', resource: 'billing:refund' });
    await checker.check(refund);
    time.advance(21 * SECOND);
    expect((await checker.check(credential()))[0]!.source).toBe('cache');
    expect((await checker.check(refund))[0]!.source).toBe('network');
    expect(server.requests).toHaveLength(2);
    expect(maxStatusAgeOf(refund, statusAgePolicy, 300 * SECOND)).toBe(20 * SECOND);
    // A capability constraint stricter than the policy wins over it.
    expect(maxStatusAgeOf(credential({ action: 'call', resource: 'billing:refund', constraints: { maxStatusAge: 'PT5S' } }), statusAgePolicy, 300 * SECOND)).toBe(5 * SECOND);
  });

  it('a per-lookup maxAgeSeconds only tightens', async () => {
    const { checker, server, time } = await setup();
    await checker.check(credential());
    time.advance(11 * SECOND);
    await checker.check(credential(), { maxAgeSeconds: 3600 });
    expect(server.requests).toHaveLength(1);
    await checker.check(credential(), { maxAgeSeconds: 10 });
    expect(server.requests).toHaveLength(2);
  });

  it('refuses a malformed policy at creation', () => {
    expect(() => createStatusChecker({ resolver: personaResolver(), statusAgePolicy: [{ action: '*', resource: '*', maxStatusAge: 'soon' }] })).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED' }) as Error,
    );
    expect(() => createStatusChecker({ resolver: personaResolver(), maxStatusAgeSeconds: -1 })).toThrow(RangeError);
  });

  it('maxStatusAge is an ISO 8601 duration in the schema, and a child may not loosen it', async () => {
    const subject = (maxStatusAge: string) => ({ id: acme.did, owner: 'mailto:o@acme.example', capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxStatusAge } }] });
    const { credential: issued } = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: subject('PT30S'), clock: frozenClock() });
    expect(schemaErrors(CAPABILITY_SCHEMA_FILE, issued)).toEqual([]);
    const seconds = structuredClone(issued) as unknown as { credentialSubject: { capabilities: { constraints: Record<string, unknown> }[] } };
    seconds.credentialSubject.capabilities[0]!.constraints.maxStatusAge = 30;
    expect(codes(schemaErrors(CAPABILITY_SCHEMA_FILE, seconds))).toEqual(['ERR_SCHEMA']);
    expect(subjectNarrows(subject('PT1M'), subject('PT30S')).ok).toBe(true);
    expect(subjectNarrows(subject('PT30S'), subject('PT1M')).ok).toBe(false);
    expect(subjectNarrows(subject('PT30S'), { ...subject('PT30S'), capabilities: [{ action: 'call', resource: 'billing:refund', constraints: {} }] }).ok).toBe(false);
  });
});
