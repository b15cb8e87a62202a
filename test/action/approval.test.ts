// carol (alice's owner, a did:key) approves one action of alice at bob; mallory is no approver.
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { issueApproval, verifyApproval, type VerifyApprovalOptions } from '../../src/action/approval.js';
import { actionHash } from '../../src/action/hash.js';
import { authorize } from '../../src/capability/authorize.js';
import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../../src/did/key.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import { signerFromKeyObject } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { alice, bob, frozenClock, mallory, NOW } from '../fixtures.js';
import { worldResolver } from '../handshake/fixtures.js';

const carol = (() => {
  const secretKey = new Uint8Array(32).fill(21);
  const publicKey = ed25519.getPublicKey(secretKey);
  const did = didKeyFromPublicKey(publicKey);
  return { did, signer: signerFromKeyObject(didKeyVerificationMethodId(did), publicKey, privateKeyObject(secretKey, publicKey)) };
})();

const closure = { iss: alice.did, aud: bob.did, action: 'close', resource: 'billing:account', params: { account: 'A-7' } };
const hash = actionHash(closure);
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const at = (offsetMs: number) => frozenClock(new Date(NOW.getTime() + offsetMs));

const approve = (signer = carol.signer, lifetimeSeconds?: number) =>
  issueApproval({ signer, actionHash: hash, action: 'close', resource: 'billing:account', agent: alice.did, audience: bob.did, clock: frozenClock(), ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }) });
const verify = (jwt: string, extra: Partial<VerifyApprovalOptions> = {}) =>
  verifyApproval(jwt, { resolver: worldResolver(), clock: frozenClock(), expectedHash: hash, approvers: [carol.did], audience: bob.did, ...extra });

describe('approval credentials', () => {
  it("verifies the owner's approval of this very action, and lets authorize() allow it", async () => {
    const { jwt, credential } = await approve();
    expect(credential.type).toEqual(['VerifiableCredential', 'ApprovalCredential']);
    expect(credential.credentialSubject).toMatchObject({ id: alice.did, actionHash: hash, action: 'close', resource: 'billing:account' });
    expect(Date.parse(credential.validUntil) - Date.parse(credential.validFrom)).toBe(600_000);
    const result = await verify(jwt);
    expect(result.errors).toEqual([]);
    const subject = { id: alice.did, owner: carol.did, capabilities: [{ action: 'close', resource: 'billing:*', constraints: { requireApproval: true } }] };
    const request = { action: 'close', resource: 'billing:account' };
    expect(authorize(request, [subject], { clock: frozenClock() }).decision).toBe('approval_required');
    expect(authorize(request, [subject], { clock: frozenClock(), approved: result.verified }).decision).toBe('allow');
  });

  it('refuses an approval of another action', async () => {
    const { jwt } = await approve();
    const other = actionHash({ ...closure, params: { account: 'B-9' } });
    expect(codes(await verify(jwt, { expectedHash: other }))).toEqual(['ERR_APPROVAL_MISMATCH']);
  });

  it('refuses an expired approval', async () => {
    const { jwt } = await approve(carol.signer, 60);
    expect((await verify(jwt, { clock: at(110_000) })).errors).toEqual([]);
    expect(codes(await verify(jwt, { clock: at(121_000) }))).toEqual(['ERR_EXPIRED']);
  });

  it('refuses an approval by someone not allowed to approve', async () => {
    const { jwt } = await approve(mallory.signer);
    expect(codes(await verify(jwt))).toEqual(['ERR_UNTRUSTED_ISSUER']);
  });

  it('accepts an approval once when given a replay cache', async () => {
    const { jwt } = await approve();
    const replay = new MemoryReplayCache({ clock: frozenClock() });
    expect((await verify(jwt, { replay })).verified).toBe(true);
    expect(codes(await verify(jwt, { replay }))).toEqual(['ERR_REPLAY']);
  });

  it('refuses a tampered approval and one for another verifier', async () => {
    const { jwt } = await approve();
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { credentialSubject: Record<string, unknown> };
    payload.credentialSubject.actionHash = actionHash({ ...closure, action: 'delete' });
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(codes(await verify(tampered, { expectedHash: payload.credentialSubject.actionHash as string }))).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(codes(await verify(jwt, { audience: 'did:web:other.example' }))).toEqual(['ERR_AUDIENCE']);
  });
});
