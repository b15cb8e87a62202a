// node/decide, the engine behind POST /actions and AuthZEN: usage is read, recorded and logged in one
// transaction, so a log callback that fails leaves no usage behind; revocations after the grant count.
//   issuer (did:key, accredited by bank) -> agent (100 USD/day);  bank -> teller decides
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { sessionChains } from '../../src/node/ace.js';
import { decideAndRecord, liveChains, type ChainsInput } from '../../src/node/decide.js';
import { accredit } from '../../src/node/registry.js';
import { verificationOptions } from '../../src/node/verify.js';
import type { SessionClaims } from '../../src/session/types.js';
import { NOW } from '../fixtures.js';
import { handshakeWith, openVerifier, type Verifier } from '../helpers/verifier.js';

const clock = () => new Date(NOW.getTime());
const REFUND = { action: 'call', resource: 'billing:refund' };
let v: Verifier;
let input: ChainsInput;

beforeEach(async () => {
  v = await openVerifier(clock);
  const issuer = generateEphemeralSigner();
  const agent = generateEphemeralSigner();
  await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:refund'] });
  const root = await issueCapabilityCredential({
    issuer: issuer.did,
    signer: issuer,
    subject: { id: agent.did, owner: 'mailto:carol@helpdesk.example', capabilities: [{ ...REFUND, constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } }] },
    clock,
  });
  const session = await handshakeWith(v, agent, [root.jwt], [REFUND], clock);
  const claims = decodeCompactJws(session.token).payload as unknown as SessionClaims;
  input = { capabilities: claims.capabilities, chains: await sessionChains(v.node, claims.jti), request: { ...REFUND, amount: { value: 60, currency: 'USD' } } };
});
afterEach(() => v.node.close());

const decide = async (log: () => Promise<void> = () => Promise.resolve()) => {
  const { live, reasons } = await liveChains(input, verificationOptions(v.node));
  return decideAndRecord(v.node, { request: input.request, live, reasons, verifier: v.teller, approval: { approved: false, reasons: [] }, log });
};

describe('decideAndRecord', () => {
  it('records usage with the decision: a second 60 of a 100 budget is refused', async () => {
    expect((await decide()).decision).toBe('allow');
    expect((await decide()).reasons.map((r) => r.code)).toEqual(['ERR_BUDGET_EXCEEDED']);
  });

  it('rolls the usage back when the log callback fails inside the transaction', async () => {
    await expect(decide(() => Promise.reject(new Error('log failed')))).rejects.toThrow('log failed');
    expect((await decide()).decision).toBe('allow');
  });

  it('explains a missing chain with the stored chains gone: ERR_NOT_AUTHORIZED', async () => {
    input = { ...input, chains: undefined };
    expect((await decide()).reasons.map((r) => r.code)).toEqual(['ERR_NOT_AUTHORIZED']);
  });
});
