// acme -> alice (A) advertises to bob (B); globex -> alice is distrusted; mallory attacks both sides.
import { beforeAll, describe, expect, it } from 'vitest';
import { createSignedAction } from '../../src/action/create.js';
import { verifySignedAction } from '../../src/action/verify.js';
import { authorize } from '../../src/capability/authorize.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { VerifyCredentialOptions } from '../../src/credential/verify-jwt.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { createAcknowledge, handleAcknowledge, type AcknowledgeContext } from '../../src/handshake/acknowledge.js';
import { createAdvertise, handleAdvertise, type AdvertiseContext } from '../../src/handshake/advertise.js';
import { createConfirm, handleConfirm } from '../../src/handshake/confirm.js';
import { createNonce } from '../../src/handshake/message.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import type { AdvertisePayload, Intent } from '../../src/handshake/types.js';
import type { Signer } from '../../src/keys/signer.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { issueSessionToken } from '../../src/session/issue.js';
import { sessionSubjects } from '../../src/session/types.js';
import { createPresentation } from '../../src/presentation/create.js';
import { acme, alice, bob, frozenClock, mallory, NOW } from '../fixtures.js';
import { credentials, DELETE, distrustGlobex, globex, NOTES, REFUND, SCOPED_READ, statusHook, worldResolver } from './fixtures.js';

type Creds = Awaited<ReturnType<typeof credentials>>;
let creds: Creds;
beforeAll(async () => {
  creds = await credentials();
});

const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const at = (offsetMs: number) => frozenClock(new Date(NOW.getTime() + offsetMs));

function verifyOptions(extra: Partial<VerifyCredentialOptions> = {}): VerifyCredentialOptions {
  return { resolver: worldResolver(), clock: frozenClock(), status: distrustGlobex, ...extra };
}

function bobContext(extra: Partial<AdvertiseContext> = {}): AdvertiseContext {
  return { signer: bob.signer, credentials: [creds.bobAcme.jwt], verify: verifyOptions(), replay: new MemoryReplayCache({ clock: frozenClock() }), ...extra };
}

function aliceContext(advertise: AdvertisePayload, extra: Partial<AcknowledgeContext> = {}): AcknowledgeContext {
  return { signer: alice.signer, advertise, verify: verifyOptions(), replay: new MemoryReplayCache({ clock: frozenClock() }), ...extra };
}

interface AdvertiseSpec {
  signer?: Signer;
  credentials?: string[];
  intents?: Intent[];
  audience?: string;
  presentationAudience?: string;
  clock?: () => Date;
}

async function advertise(spec: AdvertiseSpec = {}) {
  const signer = spec.signer ?? alice.signer;
  const clock = spec.clock ?? frozenClock();
  const nonce = createNonce();
  const presentation = await createPresentation({
    signer,
    credentials: spec.credentials ?? [creds.aliceAcme.jwt, creds.aliceGlobex.jwt],
    audience: spec.presentationAudience ?? spec.audience ?? bob.did,
    nonce,
    clock,
  });
  return createAdvertise({ signer, audience: spec.audience ?? bob.did, presentation, nonce, intents: spec.intents ?? [SCOPED_READ, NOTES, DELETE], clock });
}

describe('ACE handshake', () => {
  it('runs alice ↔ bob end to end: one intent trusted, one from a distrusted issuer, one uncovered', async () => {
    const adv = await advertise();
    const atBob = await handleAdvertise(adv.token, bobContext());
    expect(atBob.errors).toEqual([]);
    expect(atBob.ok).toBe(true);
    expect(atBob.trusted).toEqual([{ ...SCOPED_READ, credential: creds.aliceAcme.id }]);
    expect(atBob.rejected.map((r) => [r.action, r.code])).toEqual([
      ['write', 'ERR_UNTRUSTED_ISSUER'],
      ['delete', 'ERR_NOT_AUTHORIZED'],
    ]);
    expect(atBob.rejected[0]!.credential).toBe(creds.aliceGlobex.id);
    expect(atBob.session?.claims).toMatchObject({ iss: bob.did, sub: alice.owner, act: { sub: alice.did }, aud: bob.did, cnf: { kid: alice.signer.kid } });

    const ack = atBob.acknowledge!;
    expect(ack.payload).toMatchObject({ type: 'acknowledge', iss: bob.did, aud: alice.did, nonce: adv.payload.nonce, inReplyTo: adv.payload.id });
    const atAlice = await handleAcknowledge(ack.token, aliceContext(adv.payload));
    expect(atAlice.errors).toEqual([]);
    expect(atAlice.ok).toBe(true);
    expect(atAlice.session?.claims.capabilities).toEqual([{ ...SCOPED_READ, credential: creds.aliceAcme.id }]);
    expect(atAlice.session?.claims.act).toEqual({ sub: alice.did });
    expect(atAlice.session?.claims.sub).toBe(alice.owner);
    expect(atAlice.verdict).toEqual({ trusted: [{ action: 'read', resource: 'inventory:*', credential: creds.bobAcme.id }], rejected: [] });

    const confirm = await createConfirm({ signer: alice.signer, audience: bob.did, inReplyTo: ack.payload.id, nonce: ack.payload.challenge, verdict: atAlice.verdict, clock: frozenClock() });
    const replay = new MemoryReplayCache({ clock: frozenClock() });
    const confirmed = await handleConfirm(confirm.token, { acknowledge: ack.payload, verify: verifyOptions(), replay });
    expect(confirmed.errors).toEqual([]);
    expect(confirmed.verdict?.trusted).toHaveLength(1);
    expect(codes(await handleConfirm(confirm.token, { acknowledge: ack.payload, verify: verifyOptions(), replay }))).toEqual(['ERR_REPLAY']);
    // A node keeps only what a confirm is checked against (node/ace): id, issuer, audience and challenge.
    const { id, iss, aud, challenge } = ack.payload;
    const kept = await handleConfirm(confirm.token, { acknowledge: { id, iss, aud, challenge }, verify: verifyOptions(), replay: new MemoryReplayCache({ clock: frozenClock() }) });
    expect(kept).toMatchObject({ ok: true, errors: [] });
    const other = await handleConfirm(confirm.token, { acknowledge: { id, iss, aud: mallory.did, challenge }, verify: verifyOptions(), replay: new MemoryReplayCache({ clock: frozenClock() }) });
    expect(codes(other)).toEqual(['ERR_KID_INVALID']);
    await expect(handleConfirm(confirm.token, { acknowledge: { id, iss, challenge } as never, verify: verifyOptions(), replay })).rejects.toThrow(TypeError);
  });

  it('rejects intents of a revoked chain with ERR_REVOKED and issues no session when nothing is trusted', async () => {
    const revoked = statusHook('ERR_REVOKED', (credential) => credential.id === creds.aliceAcme.id);
    const adv = await advertise({ intents: [SCOPED_READ, REFUND] });
    const atBob = await handleAdvertise(adv.token, bobContext({ verify: verifyOptions({ status: revoked }) }));
    expect(atBob.ok).toBe(true);
    expect(atBob.trusted).toEqual([]);
    expect(atBob.rejected.map((r) => r.code)).toEqual(['ERR_REVOKED', 'ERR_REVOKED']);
    expect(atBob.session).toBeUndefined();
    expect(atBob.acknowledge?.payload.session).toBeUndefined();
    const atAlice = await handleAcknowledge(atBob.acknowledge!.token, aliceContext(adv.payload));
    expect(atAlice.ok).toBe(true);
    expect(atAlice.session).toBeUndefined();
  });

  it('trusts a pattern intent a capability contains, and keeps the capability constraints in the session', async () => {
    const adv = await advertise({ intents: [REFUND, { action: 'read', resource: 'crm:*' }] });
    const atBob = await handleAdvertise(adv.token, bobContext());
    expect(atBob.trusted.map((t) => t.resource)).toEqual(['billing:refund']);
    expect(atBob.rejected.map((r) => r.code)).toEqual(['ERR_NOT_AUTHORIZED']);
    expect(atBob.session?.claims.capabilities[0]).toMatchObject({ ...REFUND, constraints: { maxAmount: { value: 100, currency: 'USD' } } });
    // The session never outlives the credential it rests on (a day), nor its own default 300 s.
    expect(atBob.session!.claims.exp - atBob.session!.claims.iat).toBe(300);
  });

  it("carries a sub-agent's delegation chain as nested act claims: sub-agent outermost, owner in sub", async () => {
    // acme -> alice -> sub
    const sub = generateEphemeralSigner();
    const child = await delegateCapability({ parent: creds.aliceAcme.credential, signer: alice.signer, to: sub.did, capabilities: [{ ...REFUND, constraints: { maxAmount: { value: 20, currency: 'USD' } } }], clock: frozenClock() });
    const adv = await advertise({ signer: sub, credentials: [child.jwt, creds.aliceAcme.jwt], intents: [REFUND] });
    const atBob = await handleAdvertise(adv.token, bobContext());
    expect(atBob.errors).toEqual([]);
    expect(atBob.session?.claims).toMatchObject({ sub: alice.owner, act: { sub: sub.did, act: { sub: alice.did } }, cnf: { kid: sub.kid } });
    expect(atBob.session?.claims.act.act?.act).toBeUndefined();
    const atSub = await handleAcknowledge(atBob.acknowledge!.token, aliceContext(adv.payload, { signer: sub }));
    expect(atSub.errors).toEqual([]);
  });

  it('refuses a replayed advertise', async () => {
    const adv = await advertise();
    const context = bobContext();
    expect((await handleAdvertise(adv.token, context)).ok).toBe(true);
    expect(codes(await handleAdvertise(adv.token, context))).toEqual(['ERR_REPLAY']);
  });

  it('refuses a new advertise that reuses a nonce', async () => {
    const first = await advertise();
    const context = bobContext();
    await handleAdvertise(first.token, context);
    const again = await createAdvertise({ signer: alice.signer, audience: bob.did, presentation: first.payload.presentation, nonce: first.payload.nonce, intents: [SCOPED_READ], clock: frozenClock() });
    expect(codes(await handleAdvertise(again.token, context))).toEqual(['ERR_REPLAY']);
  });

  it('refuses stale and future-dated advertises', async () => {
    const adv = await advertise();
    expect(codes(await handleAdvertise(adv.token, bobContext({ verify: verifyOptions({ clock: at(10 * 60_000) }) })))).toEqual(['ERR_EXPIRED']);
    expect(codes(await handleAdvertise(adv.token, bobContext({ verify: verifyOptions({ clock: at(-10 * 60_000) }) })))).toEqual(['ERR_NOT_YET_VALID']);
    // Within max age (120 s) plus skew (60 s) it is fresh.
    expect((await handleAdvertise(adv.token, bobContext({ verify: verifyOptions({ clock: at(170_000) }) }))).errors).toEqual([]);
  });

  it('refuses an advertise addressed to another party, and a presentation addressed to another party', async () => {
    const elsewhere = await advertise({ audience: 'did:web:other.example' });
    expect(codes(await handleAdvertise(elsewhere.token, bobContext()))).toEqual(['ERR_AUDIENCE']);
    const misaddressed = await advertise({ presentationAudience: 'did:web:other.example' });
    expect(codes(await handleAdvertise(misaddressed.token, bobContext()))).toEqual(['ERR_AUDIENCE']);
  });

  it("refuses mallory signing an advertise in alice's name", async () => {
    const impostor = { ...mallory.signer, kid: alice.signer.kid };
    const forged = await advertise({ signer: impostor });
    expect(codes(await handleAdvertise(forged.token, bobContext()))).toEqual(['ERR_SIGNATURE_INVALID']);
    // iss alice, but signed with mallory's own key id.
    const { payload } = await advertise();
    const token = await signCompactJws({ ...payload, id: 'urn:uuid:forged-1' }, mallory.signer, { typ: 'ace+jwt' });
    expect(codes(await handleAdvertise(token, bobContext()))).toEqual(['ERR_KID_INVALID']);
  });

  it("refuses mallory presenting alice's credentials", async () => {
    // A captured presentation of alice, wrapped in mallory's own advertise.
    const captured = await advertise();
    const wrapped = await createAdvertise({ signer: mallory.signer, audience: bob.did, presentation: captured.payload.presentation, nonce: captured.payload.nonce, intents: [SCOPED_READ], clock: frozenClock() });
    expect(codes(await handleAdvertise(wrapped.token, bobContext()))).toEqual(['ERR_HOLDER_BINDING']);
    // Alice's credential JWTs in mallory's own presentation: nothing is trusted.
    const own = await advertise({ signer: mallory.signer, credentials: [creds.aliceAcme.jwt], intents: [SCOPED_READ] });
    const result = await handleAdvertise(own.token, bobContext());
    expect(result.trusted).toEqual([]);
    expect(result.rejected.map((r) => r.code)).toEqual(['ERR_HOLDER_BINDING']);
    expect(result.session).toBeUndefined();
  });

  it('refuses oversized messages', async () => {
    expect(codes(await handleAdvertise('a'.repeat(256 * 1024 + 1), bobContext()))).toEqual(['ERR_INPUT_TOO_LARGE']);
    const intents = Array.from({ length: 33 }, (_, i) => ({ action: 'read', resource: `crm:r${i}` }));
    await expect(advertise({ intents })).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    const { payload } = await advertise();
    const token = await signCompactJws({ ...payload, intents }, alice.signer, { typ: 'ace+jwt' });
    expect(codes(await handleAdvertise(token, bobContext()))).toEqual(['ERR_INPUT_TOO_LARGE']);
  });

  it('refuses malformed messages', async () => {
    expect(codes(await handleAdvertise('not-a-jws', bobContext()))).toEqual(['ERR_MALFORMED']);
    expect(codes(await handleAdvertise(42 as unknown as string, bobContext()))).toEqual(['ERR_MALFORMED']);
    const { payload } = await advertise();
    const noIntents = await signCompactJws({ ...payload, intents: undefined, extra: 1 }, alice.signer, { typ: 'ace+jwt' });
    expect(codes(await handleAdvertise(noIntents, bobContext()))).toEqual(['ERR_SCHEMA']);
    const wrongType = await signCompactJws({ ...payload, type: 'confirm' }, alice.signer, { typ: 'ace+jwt' });
    expect(codes(await handleAdvertise(wrongType, bobContext()))).toEqual(['ERR_SCHEMA']);
    const wrongTyp = await signCompactJws(payload as unknown as Record<string, unknown>, alice.signer, { typ: 'JWT' });
    expect(codes(await handleAdvertise(wrongTyp, bobContext()))).toEqual(['ERR_MALFORMED']);
    const [, p] = (await advertise()).token.split('.') as [string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'ace+jwt' })).toString('base64url')}.${p}.`;
    expect(codes(await handleAdvertise(none, bobContext()))).toEqual(['ERR_ALG_NOT_ALLOWED']);
    await expect(advertise({ intents: [{ action: 'read', resource: 'crm::x' }] })).rejects.toMatchObject({ code: 'ERR_SCHEMA' });
  });

  it('alice refuses an acknowledge with another nonce, for another advertise, or from another party', async () => {
    const adv = await advertise();
    const presentation = await createPresentation({ signer: bob.signer, credentials: [creds.bobAcme.jwt], audience: alice.did, nonce: adv.payload.nonce, clock: frozenClock() });
    const ack = (over: { nonce?: string; inReplyTo?: string; signer?: Signer }) =>
      createAcknowledge({ signer: over.signer ?? bob.signer, audience: alice.did, inReplyTo: over.inReplyTo ?? adv.payload.id, nonce: over.nonce ?? adv.payload.nonce, trusted: [], rejected: [], presentation, clock: frozenClock() });
    const wrongNonce = await ack({ nonce: createNonce() });
    expect(codes(await handleAcknowledge(wrongNonce.token, aliceContext(adv.payload)))).toEqual(['ERR_NONCE']);
    const wrongReply = await ack({ inReplyTo: 'urn:uuid:another-advertise' });
    expect(codes(await handleAcknowledge(wrongReply.token, aliceContext(adv.payload)))).toEqual(['ERR_NONCE']);
    const fromMallory = await ack({ signer: mallory.signer });
    expect(codes(await handleAcknowledge(fromMallory.token, aliceContext(adv.payload)))).toEqual(['ERR_KID_INVALID']);
    const good = await ack({});
    const context = aliceContext(adv.payload);
    expect((await handleAcknowledge(good.token, context)).errors).toEqual([]);
    expect(codes(await handleAcknowledge(good.token, context))).toEqual(['ERR_REPLAY']);
  });

  it('alice refuses a session whose agent (act.sub) is not her, even when its owner (sub) is her DID', async () => {
    const adv = await advertise({ intents: [SCOPED_READ] });
    const trusted = [{ ...SCOPED_READ, credential: creds.aliceAcme.id }];
    const presentation = await createPresentation({ signer: bob.signer, credentials: [creds.bobAcme.jwt], audience: alice.did, nonce: adv.payload.nonce, clock: frozenClock() });
    // The old reading (sub = the agent) would have taken this session as alice's: sub names her, act names mallory.
    const { token: session } = await issueSessionToken({
      signer: bob.signer,
      subject: mallory.did,
      owner: alice.did,
      audience: bob.did,
      holderKey: { kid: alice.signer.kid.replace(alice.did, mallory.did), publicKey: alice.signer.publicKey },
      capabilities: trusted,
      clock: frozenClock(),
    });
    const ack = await createAcknowledge({ signer: bob.signer, audience: alice.did, inReplyTo: adv.payload.id, nonce: adv.payload.nonce, trusted, rejected: [], presentation, session, clock: frozenClock() });
    const result = await handleAcknowledge(ack.token, aliceContext(adv.payload));
    expect(codes(result)).toEqual(['ERR_HOLDER_BINDING', 'ERR_KEY_BINDING']);
    expect(result.errors.find((e) => e.code === 'ERR_HOLDER_BINDING')?.claim).toBe('session.act');
  });

  it("alice refuses a session bound to another key, and rejects bob's capabilities from a distrusted issuer", async () => {
    const adv = await advertise({ intents: [SCOPED_READ] });
    const atBob = await handleAdvertise(adv.token, bobContext());
    const sub = generateEphemeralSigner();
    // Someone else's key claiming alice's DID: the session is not bound to it.
    const result = await handleAcknowledge(atBob.acknowledge!.token, aliceContext(adv.payload, { signer: { ...sub, kid: alice.signer.kid } }));
    expect(codes(result)).toEqual(['ERR_KEY_BINDING']);

    const distrustAcme = statusHook('ERR_UNTRUSTED_ISSUER', (credential) => credential.id === creds.bobAcme.id);
    const adv2 = await advertise({ intents: [SCOPED_READ] });
    const atBob2 = await handleAdvertise(adv2.token, bobContext());
    const atAlice = await handleAcknowledge(atBob2.acknowledge!.token, aliceContext(adv2.payload, { verify: verifyOptions({ status: distrustAcme }) }));
    expect(atAlice.ok).toBe(true);
    expect(atAlice.verdict.rejected.map((r) => r.code)).toEqual(['ERR_UNTRUSTED_ISSUER']);
  });

  it('bob refuses a confirm that does not answer his challenge', async () => {
    const adv = await advertise();
    const ack = (await handleAdvertise(adv.token, bobContext())).acknowledge!;
    const verdict = { trusted: [], rejected: [] };
    const wrong = await createConfirm({ signer: alice.signer, audience: bob.did, inReplyTo: ack.payload.id, nonce: createNonce(), verdict, clock: frozenClock() });
    const context = { acknowledge: ack.payload, verify: verifyOptions(), replay: new MemoryReplayCache({ clock: frozenClock() }) };
    expect(codes(await handleConfirm(wrong.token, context))).toEqual(['ERR_NONCE']);
    const byMallory = await createConfirm({ signer: mallory.signer, audience: bob.did, inReplyTo: ack.payload.id, nonce: ack.payload.challenge, verdict, clock: frozenClock() });
    expect(codes(await handleConfirm(byMallory.token, context))).toEqual(['ERR_KID_INVALID']);
  });

  it("issues the session with bob's organization key, which alice accepts as bob's controller, and the session drives signed actions", async () => {
    const adv = await advertise({ intents: [REFUND] });
    const atBob = await handleAdvertise(adv.token, bobContext({ sessionSigner: acme.signer, sessionLifetimeSeconds: 120 }));
    expect(atBob.session?.claims).toMatchObject({ iss: acme.did, aud: bob.did });
    expect(atBob.session!.claims.exp - atBob.session!.claims.iat).toBe(120);
    const atAlice = await handleAcknowledge(atBob.acknowledge!.token, aliceContext(adv.payload));
    expect(atAlice.errors).toEqual([]);
    expect(codes(await handleAcknowledge(atBob.acknowledge!.token, aliceContext(adv.payload, { sessionIssuers: [bob.did] })))).toEqual(['ERR_UNTRUSTED_ISSUER']);

    const session = atAlice.session!.token;
    const action = await createSignedAction({ signer: alice.signer, audience: bob.did, session, action: 'call', resource: 'billing:refund', params: { amount: { value: 80, currency: 'USD' } }, clock: frozenClock() });
    const replay = new MemoryReplayCache({ clock: frozenClock() });
    const verified = await verifySignedAction(action.token, { resolver: worldResolver(), audience: bob.did, sessionIssuers: [bob.did, acme.did], replay, clock: frozenClock() });
    expect(verified.errors).toEqual([]);
    const request = { action: 'call', resource: 'billing:refund', amount: { value: 120, currency: 'USD' } };
    expect(authorize(request, sessionSubjects(verified.session!), { clock: frozenClock() }).reasons.map((r) => r.code)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('never lets a session outlive the credential it rests on', async () => {
    const shortLived = await issueCapabilityCredential({
      issuer: acme.did,
      signer: acme.signer,
      subject: { id: alice.did, owner: alice.owner, capabilities: [REFUND] },
      validUntil: new Date(NOW.getTime() + 100_000),
      clock: frozenClock(),
    });
    const adv = await advertise({ credentials: [shortLived.jwt], intents: [REFUND] });
    const atBob = await handleAdvertise(adv.token, bobContext());
    expect(atBob.session!.claims.exp - atBob.session!.claims.iat).toBe(100);
    // Accepted within the skew but already past its end: no session can rest on it.
    const late = await advertise({ credentials: [shortLived.jwt], intents: [REFUND], clock: at(130_000) });
    const atBobLate = await handleAdvertise(late.token, bobContext({ verify: verifyOptions({ clock: at(130_000) }) }));
    expect(atBobLate.rejected.map((r) => r.code)).toEqual(['ERR_EXPIRED']);
    expect(atBobLate.session).toBeUndefined();
  });

  it('accepts globex credentials when no hook distrusts them', async () => {
    const adv = await advertise({ intents: [NOTES] });
    const atBob = await handleAdvertise(adv.token, bobContext({ verify: { resolver: worldResolver(), clock: frozenClock() } }));
    expect(atBob.trusted).toEqual([{ ...NOTES, credential: creds.aliceGlobex.id }]);
    expect(globex.did).toBe('did:web:globex.example');
  });
});
