// Trust before fetch and per-message work bounds at a node (#13 items 2 and 3).
//   bank (did:web:bank.example) -> teller: the responder, trusting only bank
//   evil (did:web:evil.example): a stranger advertising self-signed credentials, status lists on its host
//   mallory (did:key): a stranger whose own DID resolves offline
// Every outbound request of the node goes through one spying fetch.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { createAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import type { Signer } from '../../src/keys/signer.js';
import { handleAceMessage } from '../../src/node/ace.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { verificationOptions } from '../../src/node/verify.js';
import { createPresentation } from '../../src/presentation/create.js';
import { statusEntry } from '../../src/status/entry.js';
import { evil, mallory, NOW, thrown } from '../fixtures.js';

const refund = { action: 'call', resource: 'billing:refund' };

let node: NodeContext;
let teller: string;
let fetched: string[];

async function open(verifier?: NodeContext['verifier']) {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-tbf-')), 'bank');
  await initNode({ dataDir, domain: 'bank.example', clock: () => NOW });
  fetched = [];
  // evil's host answers with its DID document, as an attacker's would: before #13 one advertise of 8 credentials made 17 requests.
  const fetch = (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : input.toString();
    fetched.push(url);
    if (url === 'https://evil.example/.well-known/did.json') return Promise.resolve(Response.json(evil.document));
    return Promise.resolve(new Response('not found', { status: 404 }));
  };
  node = await openNode({ dataDir, clock: () => NOW, fetch: fetch, ...(verifier === undefined ? {} : { verifier }) });
  teller = (await createAgent(node, { name: 'teller', owner: 'mailto:tess@bank.example' })).did;
  await issueToAgent(node, { agent: 'teller', capabilities: [{ action: 'read', resource: 'ledger:*' }] });
}

/** A stranger's advertise to teller: its presentation of its own credentials, their status lists on its host. */
async function strangerAdvertise(sender: Signer, count = 1) {
  const holder = sender.kid.split('#')[0]!;
  const credentials = [];
  for (let i = 0; i < count; i++) {
    const issued = await issueCapabilityCredential({
      issuer: evil.did,
      signer: evil.signer,
      subject: { id: holder, owner: 'mailto:x@evil.example', capabilities: [refund] },
      credentialStatus: [statusEntry(`https://evil.example/s/${i}?port=6379`, 1, 'revocation'), statusEntry(`https://127.0.0.1:9/s/${i}`, 1, 'suspension')],
      clock: () => NOW,
    });
    credentials.push(issued.jwt);
  }
  const nonce = createNonce();
  const presentation = await createPresentation({ signer: sender, credentials, audience: teller, nonce, clock: () => NOW });
  return createAdvertise({ signer: sender, audience: teller, presentation, nonce, intents: [refund], clock: () => NOW });
}

describe('trust before fetch at a node', () => {
  beforeEach(() => open());
  afterEach(() => node.close());

  it('an unauthenticated advertise from a did:web stranger: ERR_UNTRUSTED_ISSUER and zero fetches', async () => {
    const advertise = await strangerAdvertise(evil.signer, 8);
    expect((await thrown(() => handleAceMessage(node, advertise.token))).code).toBe('ERR_UNTRUSTED_ISSUER');
    expect(fetched).toEqual([]);
  });

  it('a did:key stranger with untrusted credentials: acknowledged with every intent rejected, zero fetches', async () => {
    const advertise = await strangerAdvertise(mallory.signer, 4);
    const outcome = await handleAceMessage(node, advertise.token);
    expect(outcome.type === 'advertise' && outcome.handling.rejected.map((r) => r.code)).toEqual(['ERR_UNTRUSTED_ISSUER']);
    expect(outcome.type === 'advertise' && outcome.handling.session).toBeUndefined();
    expect(fetched).toEqual([]);
  });

  it("the node's own credentials and a delegation below them verify, with no fetch either", async () => {
    const parent = await issueToAgent(node, { agent: 'teller', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    const child = await delegateFromAgent(node, { from: 'teller', credential: parent.id, to: mallory.did, capability: refund });
    const chain = await verifyChain([parent.jwt, child.jwt], verificationOptions(node));
    expect(chain.errors).toEqual([]);
    expect(fetched).toEqual([]);
  });
});

describe('per-message work budget at a node', () => {
  afterEach(() => node.close());

  it('each message gets a fresh budget: a chain over the DID limit is ERR_WORK_LIMIT, the next message starts again', async () => {
    await open({ workLimits: { resolutions: 2 } });
    const parent = await issueToAgent(node, { agent: 'teller', capabilities: [refund], delegation: { depth: 0, maxDepth: 2 } });
    const child = await delegateFromAgent(node, { from: 'teller', credential: parent.id, to: mallory.did, capability: refund, maxDepth: 2 });
    // bank and teller: two distinct DIDs, within the limit, for every message.
    expect((await verifyChain([parent.jwt, child.jwt], verificationOptions(node))).errors).toEqual([]);
    expect((await verifyChain([parent.jwt, child.jwt], verificationOptions(node))).errors).toEqual([]);
    const grandchild = await issueCapabilityCredential({
      issuer: mallory.did,
      signer: mallory.signer,
      subject: { id: evil.did, owner: child.credential.credentialSubject.owner, capabilities: [refund], delegation: { parent: child.id, depth: 2, maxDepth: 2 } },
      clock: () => NOW,
    });
    const error = await thrown(() => verifyChain([parent.jwt, child.jwt, grandchild.jwt], verificationOptions(node)));
    expect(error.code).toBe('ERR_WORK_LIMIT');
    expect(error.claim).toBe('resolutions');
  });

  it('an advertise over the signature limit is refused with ERR_WORK_LIMIT', async () => {
    await open({ workLimits: { signatures: 3 } });
    const parent = await issueToAgent(node, { agent: 'teller', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    const nonce = createNonce();
    const credentials = [parent.jwt, (await issueToAgent(node, { agent: 'teller', capabilities: [refund] })).jwt, (await issueToAgent(node, { agent: 'teller', capabilities: [refund] })).jwt];
    const tellerSigner = await node.keys.signer((await node.store.getAgent('teller'))!.kid);
    const presentation = await createPresentation({ signer: tellerSigner, credentials, audience: teller, nonce, clock: () => NOW });
    const advertise = await createAdvertise({ signer: tellerSigner, audience: teller, presentation, nonce, intents: [refund], clock: () => NOW });
    // Three credentials, the presentation and the message: five signatures.
    expect((await thrown(() => handleAceMessage(node, advertise.token))).code).toBe('ERR_WORK_LIMIT');
  });
});
