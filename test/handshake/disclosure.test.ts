// What bob (B) shows alice (A) in his acknowledge: his presentation (credentials and chains) only when he
// grants her something. acme -> alice and bob; globex -> alice is distrusted by bob.
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerifyCredentialOptions } from '../../src/credential/verify-jwt.js';
import { createAcknowledge, handleAcknowledge } from '../../src/handshake/acknowledge.js';
import { createAdvertise, handleAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import type { Intent } from '../../src/handshake/types.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createPresentation } from '../../src/presentation/create.js';
import { alice, bob, frozenClock } from '../fixtures.js';
import { credentials, DELETE, distrustGlobex, NOTES, SCOPED_READ, worldResolver } from './fixtures.js';

let creds: Awaited<ReturnType<typeof credentials>>;
beforeAll(async () => {
  creds = await credentials();
});

const verify = (): VerifyCredentialOptions => ({ resolver: worldResolver(), clock: frozenClock(), status: distrustGlobex });
const replay = () => new MemoryReplayCache({ clock: frozenClock() });

async function exchange(intents: Intent[]) {
  const nonce = createNonce();
  const presentation = await createPresentation({ signer: alice.signer, credentials: [creds.aliceAcme.jwt, creds.aliceGlobex.jwt], audience: bob.did, nonce, clock: frozenClock() });
  const adv = await createAdvertise({ signer: alice.signer, audience: bob.did, presentation, nonce, intents, clock: frozenClock() });
  const atBob = await handleAdvertise(adv.token, { signer: bob.signer, credentials: [creds.bobAcme.jwt], verify: verify(), replay: replay() });
  expect(atBob.ok).toBe(true);
  const ack = atBob.acknowledge!;
  const atAlice = await handleAcknowledge(ack.token, { signer: alice.signer, advertise: adv.payload, verify: verify(), replay: replay() });
  return { adv, atBob, ack, atAlice };
}

describe('what an acknowledge discloses', () => {
  it('nothing trusted: no presentation, no session; alice accepts it with an empty verdict', async () => {
    // write crm:notes rests on globex (distrusted), delete is covered by nothing.
    const { ack, atAlice } = await exchange([NOTES, DELETE]);
    expect(ack.payload.trusted).toEqual([]);
    expect(ack.payload.rejected.map((r) => r.code)).toEqual(['ERR_UNTRUSTED_ISSUER', 'ERR_NOT_AUTHORIZED']);
    expect(ack.payload).not.toHaveProperty('presentation');
    expect(ack.payload).not.toHaveProperty('session');
    // Nothing of bob's credential rides in the signed message.
    const text = JSON.stringify(decodeCompactJws(ack.token).payload);
    expect(text).not.toContain(creds.bobAcme.id);
    expect(text).not.toContain(creds.bobAcme.jwt.split('.')[1]);
    expect(atAlice).toMatchObject({ ok: true, errors: [], trusted: [], verdict: { trusted: [], rejected: [] } });
    expect(atAlice.session).toBeUndefined();
  });

  it('something trusted: bob presents his credentials, and alice verifies them into a verdict', async () => {
    const { ack, atAlice } = await exchange([SCOPED_READ, DELETE]);
    expect(ack.payload.trusted).toHaveLength(1);
    expect(typeof ack.payload.presentation).toBe('string');
    expect(atAlice.ok).toBe(true);
    expect(atAlice.verdict.trusted.map((t) => t.credential)).toEqual([creds.bobAcme.id]);
  });

  it('alice refuses an acknowledge that trusts something without bob’s presentation (ERR_MALFORMED), and a session never comes without one (ERR_SCHEMA)', async () => {
    const { adv } = await exchange([DELETE]);
    const base = { signer: bob.signer, audience: alice.did, inReplyTo: adv.payload.id, nonce: adv.payload.nonce, rejected: [], clock: frozenClock() };
    const trusting = await createAcknowledge({ ...base, trusted: [{ ...SCOPED_READ, credential: creds.aliceAcme.id }] });
    const refused = await handleAcknowledge(trusting.token, { signer: alice.signer, advertise: adv.payload, verify: verify(), replay: replay() });
    expect(refused.ok).toBe(false);
    expect(refused.errors.map((e) => e.code)).toEqual(['ERR_MALFORMED']);
    await expect(createAcknowledge({ ...base, trusted: [], session: 'a.b.c' })).rejects.toMatchObject({ code: 'ERR_SCHEMA' });
  });
});
