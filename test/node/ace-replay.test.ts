// An ACE message's one-time keys commit with what it leaves (node/ace): an accepted advertise's keys, session,
// acknowledge and audit entry in one transaction, never a claim of its own; its replay is refused ERR_REPLAY at
// verification (a read), before its presentation is verified again. An advertise in which nothing was trusted
// still claims its keys. alice (accredited) and mallory (not) advertise to bank's teller.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { createAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { handleAceMessage } from '../../src/node/ace.js';
import { signerFor } from '../../src/node/signers.js';
import { accredit } from '../../src/node/registry.js';
import { createPresentation } from '../../src/presentation/create.js';
import { NOW } from '../fixtures.js';
import { openVerifier, type Verifier } from '../helpers/verifier.js';

const clock = () => new Date(NOW.getTime());
const REFUND = { action: 'call', resource: 'billing:refund' };
let v: Verifier;

beforeEach(async () => {
  v = await openVerifier(clock);
});
afterEach(() => v.node.close());

/** An advertise by a fresh agent holding a refund credential from `issuer`. */
async function advertiseFrom(issuer: ReturnType<typeof generateEphemeralSigner>) {
  const agent = generateEphemeralSigner();
  const root = await issueCapabilityCredential({ issuer: issuer.did, signer: issuer, subject: { id: agent.did, owner: 'mailto:carol@helpdesk.example', capabilities: [REFUND] }, clock });
  const nonce = createNonce();
  const presentation = await createPresentation({ signer: agent, credentials: [root.jwt], audience: v.teller, nonce, clock });
  return (await createAdvertise({ signer: agent, audience: v.teller, presentation, nonce, intents: [REFUND], clock })).token;
}

describe('an ACE message and its replay', () => {
  it('an accepted advertise commits its keys with its session; its replay is refused at verification', async () => {
    const alice = generateEphemeralSigner();
    await accredit(v.node, { issuer: alice.did, capabilities: ['call:billing:refund'] });
    const token = await advertiseFrom(alice);
    const alone = [vi.spyOn(v.node.store, 'claimOnce'), vi.spyOn(v.node.store, 'claimEach')];
    const outcome = await handleAceMessage(v.node, token);
    expect(outcome.type === 'advertise' && outcome.handling.session !== undefined).toBe(true);
    for (const spy of alone) expect(spy).not.toHaveBeenCalled();
    // The replay is refused before its presentation is verified again (no trust decision asked for).
    const trust = vi.spyOn(v.node.services.verifier.trustRegistry, 'trustErrors');
    await expect(handleAceMessage(v.node, token)).rejects.toMatchObject({ code: 'ERR_REPLAY', claim: 'id' });
    expect(trust).not.toHaveBeenCalled();
  });

  it('two copies of an advertise sent at once: one earns the session, the other is refused ERR_REPLAY when its claim meets the first', async () => {
    const alice = generateEphemeralSigner();
    await accredit(v.node, { issuer: alice.did, capabilities: ['call:billing:refund'] });
    const token = await advertiseFrom(alice);
    const outcomes = await Promise.allSettled([handleAceMessage(v.node, token), handleAceMessage(v.node, token)]);
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.value.type === 'advertise' && accepted[0]!.value.handling.session !== undefined).toBe(true);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o.reason as { code: string }).code)).toEqual(['ERR_REPLAY']);
  });

  it('an advertise in which nothing was trusted claims its keys all the same', async () => {
    const mallory = generateEphemeralSigner();
    const token = await advertiseFrom(mallory);
    const outcome = await handleAceMessage(v.node, token);
    expect(outcome.type === 'advertise' && outcome.handling.session === undefined).toBe(true);
    await expect(handleAceMessage(v.node, token)).rejects.toMatchObject({ code: 'ERR_REPLAY' });
  });

  it('the session token an accepted advertise issues is kept in the signature memo as validly signed by the teller (what its first action looks up)', async () => {
    const alice = generateEphemeralSigner();
    await accredit(v.node, { issuer: alice.did, capabilities: ['call:billing:refund'] });
    const outcome = await handleAceMessage(v.node, await advertiseFrom(alice));
    if (outcome.type !== 'advertise' || outcome.handling.session === undefined) throw new Error('no session');
    const { signingInput, signature } = decodeCompactJws(outcome.handling.session.token);
    const teller = await signerFor(v.node, v.teller);
    expect(v.node.signatureMemo.has(teller.publicKey, signingInput, signature)).toBe(true);
    // Only that signature: the same bytes under mallory's key are not.
    expect(v.node.signatureMemo.has(generateEphemeralSigner().publicKey, signingInput, signature)).toBe(false);
  });
});
