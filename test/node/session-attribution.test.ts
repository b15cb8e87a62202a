// Session tokens in the reading of access tokens (issue #15 item 3, RFC 8693 §4.1), end to end at one verifier:
//   issuer (did:key, accredited by bank) -> agent -> sub-agent, owner carol
// bank -> teller issues each holder its session and records each action with the chain, current actor first.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/audit/read.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { accredit } from '../../src/node/registry.js';
import { NOW } from '../fixtures.js';
import { actWith, handshakeWith, openVerifier, type Verifier } from '../helpers/verifier.js';

const clock = () => new Date(NOW.getTime());
const REFUND = { action: 'call', resource: 'billing:refund' };
const CAROL = 'mailto:carol@helpdesk.example';
let v: Verifier;

beforeEach(async () => {
  v = await openVerifier(clock);
});
afterEach(() => v.node.close());

async function actionEntries() {
  const entries = [];
  for await (const e of readAudit(v.node.store)) if (e.type === 'action') entries.push(e);
  return entries;
}

describe('session attribution: sub = owner, act = current actor, nested = prior actors', () => {
  it('names carol as sub and the holder as the outermost act, and audits the chain current actor first, owner last', async () => {
    const issuer = generateEphemeralSigner();
    await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:refund'], maxDelegationDepth: 3 });
    const agent = generateEphemeralSigner();
    const sub = generateEphemeralSigner();
    const root = await issueCapabilityCredential({ issuer: issuer.did, signer: issuer, subject: { id: agent.did, owner: CAROL, capabilities: [REFUND], delegation: { depth: 0, maxDepth: 3 } }, clock });
    const child = await delegateCapability({ parent: root.credential, signer: agent, to: sub.did, capabilities: [REFUND], clock });

    const agentSession = await handshakeWith(v, agent, [root.jwt], [REFUND], clock);
    const subSession = await handshakeWith(v, sub, [child.jwt, root.jwt], [REFUND], clock);
    const claimsOf = (token: string) => decodeCompactJws(token).payload;
    expect(claimsOf(agentSession.token)).toMatchObject({ sub: CAROL, act: { sub: agent.did } });
    expect(claimsOf(agentSession.token).act).toEqual({ sub: agent.did });
    expect(claimsOf(subSession.token)).toMatchObject({ sub: CAROL, act: { sub: sub.did, act: { sub: agent.did } } });
    expect(claimsOf(subSession.token).act).toEqual({ sub: sub.did, act: { sub: agent.did } });

    expect(await actWith(v, sub, subSession.token, REFUND, clock)).toMatchObject({ decision: 'allow', attribution: [sub.did, agent.did, CAROL] });
    expect(await actWith(v, agent, agentSession.token, REFUND, clock)).toMatchObject({ decision: 'allow', attribution: [agent.did, CAROL] });
    const [bySub, byAgent] = await actionEntries();
    expect(bySub).toMatchObject({ decision: 'allow', agent: sub.did, owner: CAROL, chain: [sub.did, agent.did, CAROL] });
    expect(byAgent).toMatchObject({ decision: 'allow', agent: agent.did, owner: CAROL, chain: [agent.did, CAROL] });

    // The agent cannot act under its sub-agent's session: the session's agent is the sub-agent, bound to its key.
    await expect(actWith(v, agent, subSession.token, REFUND, clock)).rejects.toMatchObject({ code: 'ERR_HOLDER_BINDING' });
  });
});
