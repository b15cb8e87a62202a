// A node decodes a signed action once (node/actions reads who sent it, then verifies that decoding). The
// verifier's bound still holds for it: an action the node can read (128 KiB) but longer than a signed action may
// be (64 KiB) is refused ERR_INPUT_TOO_LARGE, as verifySignedAction refuses it on its own. alice acts at teller.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ACTION_LENGTH } from '../../src/action/types.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { handleAction, MAX_ACTION_LENGTH as NODE_READ_LENGTH } from '../../src/node/actions.js';
import { accredit } from '../../src/node/registry.js';
import { NOW } from '../fixtures.js';
import { handshakeWith, openVerifier, type Verifier } from '../helpers/verifier.js';

const clock = () => new Date(NOW.getTime());
const REFUND = { action: 'call', resource: 'billing:refund' };
let v: Verifier;

beforeEach(async () => {
  v = await openVerifier(clock);
});
afterEach(() => v.node.close());

describe('a signed action decoded once by the node', () => {
  it('longer than a signed action may be, though the node reads it: ERR_INPUT_TOO_LARGE, nothing decided', async () => {
    const issuer = generateEphemeralSigner();
    await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:refund'] });
    const alice = generateEphemeralSigner();
    const root = await issueCapabilityCredential({ issuer: issuer.did, signer: issuer, subject: { id: alice.did, owner: 'mailto:carol@helpdesk.example', capabilities: [REFUND] }, clock });
    const session = await handshakeWith(v, alice, [root.jwt], [REFUND], clock);
    const iat = Math.floor(NOW.getTime() / 1000);
    const payload = { iss: alice.did, aud: v.teller, jti: 'urn:uuid:0190a5e4-0000-7000-8000-000000000001', iat, session: session.token, ...REFUND, params: { note: 'x'.repeat(MAX_ACTION_LENGTH) } };
    const token = await signCompactJws(payload, alice, { typ: 'action+jwt' });
    expect(token.length).toBeGreaterThan(MAX_ACTION_LENGTH);
    expect(token.length).toBeLessThanOrEqual(NODE_READ_LENGTH);
    await expect(handleAction(v.node, token)).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', claim: 'token' });
  });
});
