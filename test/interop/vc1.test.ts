/**
 * VCDM 1.1 JWT interop, both directions, against the real libraries:
 * did-jwt-vc and a Veramo agent write credentials Legate verifies; Legate
 * writes `jwt-vc1` credentials did-jwt-vc's and Veramo's `verifyCredential`
 * accept. Offline: did:web personas resolve from memory, did:key locally.
 */

import { createAgent, type ICredentialPlugin, type IDIDManager, type IKeyManager, type IResolver, type TAgent } from '@veramo/core';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { KeyDIDProvider } from '@veramo/did-provider-key';
import { DIDResolverPlugin } from '@veramo/did-resolver';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import type { Signer as DidJwtSigner } from 'did-jwt';
import { createVerifiableCredentialJwt, verifyCredential as didJwtVcVerify, type JwtCredentialPayload } from 'did-jwt-vc';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { VC_V1_CONTEXT } from '../../src/credential/jwt-vc1.js';
import { LEGATE_CONTEXT } from '../../src/credential/types.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import type { Signer } from '../../src/keys/signer.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { acme, alice, aliceSubject, bob, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';

type VeramoAgent = TAgent<IKeyManager & IDIDManager & IResolver & ICredentialPlugin>;

/** A did-jwt signer over a Legate signer: same key, did-jwt's calling convention. */
const didJwtSigner = (signer: Signer): DidJwtSigner => async (data) =>
  Buffer.from(await signer.sign(typeof data === 'string' ? new TextEncoder().encode(data) : data)).toString('base64url');

const nowSeconds = Math.floor(NOW.getTime() / 1000);
const codes = (result: { errors: { code: string }[] }) => result.errors.map((e) => e.code);
const verify = (jwt: string, clock = frozenClock()) => verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock });
const parts = (jwt: string) => jwt.split('.') as [string, string, string];
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

/** alice's capability credential as a did-jwt-vc user at acme would write it (VCDM 1.1, `vc` claim). */
function vc1Payload(overrides: Partial<JwtCredentialPayload> = {}): JwtCredentialPayload {
  const { id, ...claims } = aliceSubject();
  return {
    sub: id,
    jti: 'urn:uuid:7d7c2f1e-0000-4000-8000-000000000001',
    nbf: nowSeconds - 60,
    exp: nowSeconds + 30 * 86_400,
    vc: {
      '@context': [VC_V1_CONTEXT, LEGATE_CONTEXT],
      type: ['VerifiableCredential', 'AgentCapabilityCredential'],
      credentialSubject: claims,
    },
    ...overrides,
  };
}

const byAcme = (payload: JwtCredentialPayload) =>
  createVerifiableCredentialJwt(payload, { did: acme.did, signer: didJwtSigner(acme.signer), alg: 'EdDSA' });

describe('did-jwt-vc → Legate', () => {
  it('verifies a capability credential did-jwt-vc wrote, reading it as VCDM 2.0', async () => {
    const jwt = await byAcme(vc1Payload());
    expect(decode(parts(jwt)[0])).toEqual({ alg: 'EdDSA', typ: 'JWT' }); // no kid: did-jwt-vc names none
    const result = await verify(jwt);
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.format).toBe('jwt-vc1');
    expect(result.issuer).toBe(acme.did);
    expect(result.credential).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2', LEGATE_CONTEXT],
      id: 'urn:uuid:7d7c2f1e-0000-4000-8000-000000000001',
      issuer: acme.did,
      validFrom: '2026-03-02T09:59:00Z',
      validUntil: '2026-04-01T10:00:00Z',
      credentialSubject: { id: alice.did, owner: alice.owner },
    });
  });

  it('verifies one that names its key with a kid', async () => {
    const jwt = await signCompactJws(vc1Payload({ iss: acme.did }), acme.signer, { typ: 'JWT' });
    expect((await verify(jwt)).errors).toEqual([]);
  });

  it('rejects a tampered one with ERR_SIGNATURE_INVALID', async () => {
    const [h, p, s] = parts(await byAcme(vc1Payload()));
    const payload = decode(p) as unknown as JwtCredentialPayload;
    (payload.vc.credentialSubject as { capabilities: { action: string }[] }).capabilities[0]!.action = '*';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(codes(await verify(tampered))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it("rejects mallory's signature on a token naming acme as iss", async () => {
    const jwt = await createVerifiableCredentialJwt(vc1Payload({ iss: acme.did }), {
      did: acme.did,
      signer: didJwtSigner(mallory.signer),
      alg: 'EdDSA',
    });
    expect(codes(await verify(jwt))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('refuses any alg but EdDSA', async () => {
    const [, p, s] = parts(await byAcme(vc1Payload()));
    const header = Buffer.from(JSON.stringify({ alg: 'ES256K', typ: 'JWT' })).toString('base64url');
    expect(codes(await verify(`${header}.${p}.${s}`))).toEqual(['ERR_ALG_NOT_ALLOWED']);
  });

  it('reports registered claims that contradict the credential', async () => {
    const base = vc1Payload();
    const jwt = await byAcme({ ...base, vc: { ...base.vc, issuer: mallory.did, id: 'urn:uuid:other' } });
    const result = await verify(jwt);
    expect(result.verified).toBe(false);
    expect(result.errors.map((e) => [e.code, e.claim])).toEqual(expect.arrayContaining([['ERR_MALFORMED', 'iss'], ['ERR_MALFORMED', 'jti']]));
  });

  it('refuses registered dates that are not NumericDates, and sub without a single subject', async () => {
    const base = vc1Payload();
    const claimsOf = async (payload: Record<string, unknown>) =>
      (await verify(await signCompactJws({ ...payload, iss: acme.did }, acme.signer, { typ: 'JWT' }))).errors
        .filter((e) => e.code === 'ERR_MALFORMED')
        .map((e) => e.claim);
    expect(await claimsOf({ ...base, nbf: '2026-03-02' })).toContain('nbf');
    expect(await claimsOf({ ...base, exp: 1e13 })).toContain('exp'); // beyond the ECMAScript date range
    expect(await claimsOf({ ...base, vc: { ...base.vc, credentialSubject: [base.vc.credentialSubject] } })).toContain('sub');
  });

  it('requires the VCDM 1.1 base context in a vc claim', async () => {
    const base = vc1Payload();
    const jwt = await signCompactJws(
      { ...base, iss: acme.did, vc: { ...base.vc, '@context': [LEGATE_CONTEXT] } },
      acme.signer,
      { typ: 'JWT' },
    );
    expect(codes(await verify(jwt))).toContain('ERR_MALFORMED');
  });

  it('applies the validity window from nbf and exp', async () => {
    const jwt = await byAcme(vc1Payload());
    expect(codes(await verify(jwt, frozenClock(new Date('2026-05-01T00:00:00Z'))))).toEqual(['ERR_EXPIRED']);
    expect(codes(await verify(jwt, frozenClock(new Date('2026-03-01T00:00:00Z'))))).toEqual(['ERR_NOT_YET_VALID']);
  });

  it('holds it to the capability schema (an id, from jti, is required)', async () => {
    const { jti: _omitted, ...payload } = vc1Payload();
    const result = await verify(await byAcme(payload));
    expect(codes(result)).toEqual(['ERR_SCHEMA']);
  });

  it('verifies a chain whose root came from did-jwt-vc and whose link Legate delegated', async () => {
    const base = vc1Payload();
    const root = await byAcme({ ...base, vc: { ...base.vc, credentialSubject: { ...base.vc.credentialSubject, delegation: { depth: 0, maxDepth: 1 } } } });
    const parent = (await verify(root)).credential!;
    const child = await delegateCapability({
      parent,
      signer: alice.signer,
      to: bob.did,
      capabilities: [{ action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' }],
      clock: frozenClock(),
    });
    const chain = await verifyChain([child.jwt, root], { resolver: personaResolver(), clock: frozenClock() });
    expect(chain.errors).toEqual([]);
    expect(chain.verified).toBe(true);
  });
});

describe('Legate jwt-vc1 → did-jwt-vc', () => {
  it("did-jwt-vc's verifyCredential accepts a credential Legate issued in the 1.1 form", async () => {
    const issued = await issueCapabilityCredential({
      issuer: acme.did,
      signer: acme.signer,
      subject: aliceSubject(),
      validFor: 'P30D',
      clock: frozenClock(),
      format: 'jwt-vc1',
    });
    expect(decode(parts(issued.jwt)[0])).toEqual({ alg: 'EdDSA', kid: `${acme.did}#key-1`, typ: 'JWT' });
    const verified = await didJwtVcVerify(issued.jwt, personaResolver(), { policies: { now: nowSeconds } });
    expect(verified.issuer).toBe(acme.did);
    expect(verified.verifiableCredential.credentialSubject).toMatchObject({ id: alice.did, owner: alice.owner });
    expect(verified.verifiableCredential.id).toBe(issued.id);
    // And Legate reads back exactly the credential it issued.
    const own = await verify(issued.jwt);
    expect(own.errors).toEqual([]);
    expect(own.credential).toEqual(issued.credential);
  });

  it("did-jwt-vc refuses the token once tampered (its check, not ours)", async () => {
    const issued = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), clock: frozenClock(), format: 'jwt-vc1' });
    const [h, p, s] = parts(issued.jwt);
    const payload = decode(p);
    (payload.vc as { type: string[] }).type.push('Forged');
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    await expect(didJwtVcVerify(tampered, personaResolver(), { policies: { now: nowSeconds } })).rejects.toThrow(/signature/i);
  });
});

describe('Veramo ↔ Legate', () => {
  let agent: VeramoAgent;
  let veramoDid: string;

  beforeAll(async () => {
    agent = createAgent<IKeyManager & IDIDManager & IResolver & ICredentialPlugin>({
      plugins: [
        new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
        new DIDManager({ store: new MemoryDIDStore(), defaultProvider: 'did:key', providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) } }),
        new DIDResolverPlugin({ resolver: personaResolver() }),
        new CredentialPlugin([new CredentialProviderJWT()]),
      ],
    });
    veramoDid = (await agent.didManagerCreate({ provider: 'did:key', options: { keyType: 'Ed25519' } })).did;
  });

  it("Legate verifies a capability credential a Veramo agent issued from its own did:key", async () => {
    const { id, ...claims } = aliceSubject();
    const vc = await agent.createVerifiableCredential({
      proofFormat: 'jwt',
      credential: {
        '@context': [VC_V1_CONTEXT, LEGATE_CONTEXT],
        id: 'urn:uuid:7d7c2f1e-0000-4000-8000-000000000002',
        type: ['VerifiableCredential', 'AgentCapabilityCredential'],
        issuer: veramoDid,
        issuanceDate: '2026-03-02T09:00:00Z',
        credentialSubject: { id, ...claims },
      },
    });
    const jwt = (vc.proof as { jwt: string }).jwt;
    const result = await verify(jwt);
    expect(result.errors).toEqual([]);
    expect(result.format).toBe('jwt-vc1');
    expect(result.issuer).toBe(veramoDid);
    expect(result.credential?.credentialSubject.id).toBe(alice.did);

    const [h, p, s] = parts(jwt);
    const forged = decode(p);
    forged.sub = bob.did;
    expect(codes(await verify(`${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it("Veramo's verifyCredential accepts a credential Legate issued in the 1.1 form", async () => {
    const issued = await issueCapabilityCredential({
      issuer: acme.did,
      signer: acme.signer,
      subject: aliceSubject(),
      validFrom: new Date(Date.now() - 60_000), // Veramo checks against its own clock
      validFor: 'P1D',
      format: 'jwt-vc1',
    });
    const result = await agent.verifyCredential({ credential: issued.jwt });
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);

    const [h, p, s] = parts(issued.jwt);
    const payload = decode(p);
    payload.sub = bob.did;
    const tampered = await agent.verifyCredential({ credential: `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}` });
    expect(tampered.verified).toBe(false);
  });
});
