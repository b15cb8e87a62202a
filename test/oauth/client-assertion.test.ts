import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { KeyResolvable } from '../../src/did/verification-key.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import { createClientAssertion, verifyClientAssertion, type VerifyClientAssertionOptions } from '../../src/oauth/client-assertion.js';
import { NOW, acme, alice, bob, frozenClock, mallory, personaResolver, thrown } from '../fixtures.js';

// bob (a resource server's client DID, registered at acme's node) authenticates with private_key_jwt.
const issuer = 'https://acme.example';
const introspection = `${issuer}/oauth/introspect`;
const clock = frozenClock();
const later = (seconds: number) => frozenClock(new Date(NOW.getTime() + seconds * 1000));
const iat = Math.floor(NOW.getTime() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A resolver whose lookups are counted, to show which refusals come before any resolution. */
function spiedResolver() {
  const inner = personaResolver();
  const resolver = {
    resolve: vi.fn((did: string) => inner.resolve(did)),
    resolveKey: vi.fn((...args: Parameters<NonNullable<KeyResolvable['resolveKey']>>) => inner.resolveKey(...args)),
  };
  return { resolver: resolver as unknown as KeyResolvable, calls: () => resolver.resolve.mock.calls.length + resolver.resolveKey.mock.calls.length };
}

function options(overrides: Partial<VerifyClientAssertionOptions> = {}): VerifyClientAssertionOptions {
  return { allowed: [bob.did], audiences: [issuer, introspection], resolver: personaResolver(), clock, ...overrides };
}

async function forge(header: Record<string, unknown>, claims: Record<string, unknown>, signer = bob.signer): Promise<string> {
  const input = `${b64({ alg: 'EdDSA', kid: signer.kid, typ: 'JWT', ...header })}.${b64({ iss: bob.did, sub: bob.did, aud: issuer, jti: 'j-1', iat, exp: iat + 60, ...claims })}`;
  return `${input}.${Buffer.from(await signer.sign(Buffer.from(input))).toString('base64url')}`;
}

async function reason(assertion: string | undefined, overrides: Partial<VerifyClientAssertionOptions> = {}) {
  const error = await thrown(() => verifyClientAssertion(assertion, options(overrides)));
  expect(error.code).toBe('ERR_INVALID_CLIENT');
  return error.reason;
}

describe('private_key_jwt client assertions (RFC 7523)', () => {
  it('authenticates a registered client, for the issuer or the endpoint URL', async () => {
    for (const audience of [issuer, introspection]) {
      const assertion = await createClientAssertion({ signer: bob.signer, clientId: bob.did, audience, clock });
      await expect(verifyClientAssertion(assertion, options())).resolves.toEqual({ clientId: bob.did });
    }
    // What stock clients write: typ JWT, aud as an array.
    await expect(verifyClientAssertion(await forge({}, { aud: [introspection] }), options())).resolves.toEqual({ clientId: bob.did });
    await expect(verifyClientAssertion(await forge({ typ: undefined }, {}), options())).resolves.toEqual({ clientId: bob.did });
  });

  it('refuses a client not registered here without resolving its DID', async () => {
    const { resolver, calls } = spiedResolver();
    const assertion = await createClientAssertion({ signer: mallory.signer, clientId: mallory.did, audience: issuer, clock });
    expect(await reason(assertion, { resolver })).toBe('client');
    expect(await reason(await forge({}, { sub: alice.did }), { resolver })).toBe('client');
    expect(calls()).toBe(0);
  });

  it('refuses alg tricks before resolving', async () => {
    const { resolver, calls } = spiedResolver();
    const none = `${b64({ alg: 'none' })}.${b64({ iss: bob.did, sub: bob.did, aud: issuer, jti: 'j', exp: iat + 60 })}.`;
    const hsInput = `${b64({ alg: 'HS256', kid: bob.signer.kid })}.${b64({ iss: bob.did, sub: bob.did, aud: issuer, jti: 'j', exp: iat + 60 })}`;
    const hs256 = `${hsInput}.${createHmac('sha256', Buffer.from(bob.signer.publicKey)).update(hsInput).digest('base64url')}`;
    expect(await reason(none, { resolver })).toBe('alg');
    expect(await reason(hs256, { resolver })).toBe('alg');
    expect(await reason(await forge({ typ: 'at+jwt' }, {}), { resolver })).toBe('typ');
    expect(calls()).toBe(0);
  });

  it('refuses another audience, an expired, overlong or future assertion, and a missing jti', async () => {
    expect(await reason(await createClientAssertion({ signer: bob.signer, clientId: bob.did, audience: 'https://bank.example', clock }))).toBe('aud');
    const assertion = await createClientAssertion({ signer: bob.signer, clientId: bob.did, audience: issuer, clock });
    await expect(verifyClientAssertion(assertion, options({ clock: later(119) }))).resolves.toBeDefined();
    expect(await reason(assertion, { clock: later(121) })).toBe('exp');
    expect(await reason(await forge({}, { exp: iat + 3600 }))).toBe('lifetime');
    expect(await reason(await forge({}, { exp: undefined }))).toBe('exp');
    expect(await reason(await forge({}, { iat: iat + 120 }))).toBe('iat');
    expect(await reason(await forge({}, { jti: undefined }))).toBe('jti');
    expect((await thrown(() => createClientAssertion({ signer: bob.signer, clientId: bob.did, audience: issuer, lifetimeSeconds: 600 }))).code).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it("refuses a signature by a key that is not the client's", async () => {
    expect(await reason(await forge({}, {}, alice.signer))).toBe('kid');
    expect(await reason(await forge({ kid: bob.signer.kid }, {}, alice.signer))).toBe('signature');
    // acme's key is an assertion key of acme, not an authentication key of bob.
    expect(await reason(await forge({ kid: acme.signer.kid }, {}, acme.signer))).toBe('kid');
  });

  it('refuses a replayed jti', async () => {
    const replay = new MemoryReplayCache({ clock });
    const assertion = await createClientAssertion({ signer: bob.signer, clientId: bob.did, audience: issuer, clock });
    await expect(verifyClientAssertion(assertion, options({ replay }))).resolves.toEqual({ clientId: bob.did });
    expect(await reason(assertion, { replay })).toBe('replay');
  });

  it('refuses a missing or malformed assertion', async () => {
    expect(await reason(undefined)).toBe('missing');
    expect(await reason('a.b')).toBe('malformed');
    expect(await reason('x'.repeat(9000))).toBe('malformed');
    expect(await reason(await forge({ crit: ['exp'] }, {}))).toBe('malformed');
  });
});
