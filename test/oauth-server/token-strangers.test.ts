// Trust before fetch, work bounds and nothing stored for strangers at the token endpoint (#13's rules, #15 item 2).
//   bank (did:web:bank.example): the authorization server, trusting acme (did:key) only
//   evil (did:web:evil.example): a stranger presenting self-issued credentials, status lists on its host
// Every outbound request of the bank goes through one spying fetch.
import { beforeEach, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { dpopKeyOfSigner } from '../../src/oauth/dpop.js';
import { statusEntry } from '../../src/status/entry.js';
import { evil } from '../fixtures.js';
import { freshNonce, openBank, partner, post, settableClock, tokenRequest, type Bank } from './helpers.js';

let fetched: string[];
const spy = (input: string | URL | Request) => {
  const url = input instanceof Request ? input.url : input.toString();
  fetched.push(url);
  if (url === 'https://evil.example/.well-known/did.json') return Promise.resolve(Response.json(evil.document));
  return Promise.resolve(new Response('not found', { status: 404 }));
};

describe('token endpoint and strangers', () => {
  let bank: Bank;
  beforeEach(async () => {
    fetched = [];
    bank = await openBank({}, settableClock(), { fetch: spy });
  });

  it('a did:web stranger’s chain: refused ERR_UNTRUSTED_ISSUER with zero fetches, nothing stored (the same request is refused the same way)', async () => {
    const credentials: string[] = [];
    for (let i = 0; i < 8; i++) {
      const issued = await issueCapabilityCredential({
        issuer: evil.did,
        signer: evil.signer,
        subject: { id: evil.did, owner: 'mailto:x@evil.example', capabilities: [{ action: 'call', resource: 'billing:refund' }] },
        credentialStatus: [statusEntry(`https://evil.example/s/${i}`, 1, 'revocation')],
        clock: bank.clock,
      });
      credentials.push(issued.jwt);
    }
    const { form, headers } = await tokenRequest(bank, { holder: evil.signer, credentials, key: dpopKeyOfSigner(evil.signer), nonce: await freshNonce(bank.app) });
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await post(bank, form, headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_scope', rejected: [{ action: 'call', resource: 'billing:refund', code: 'ERR_UNTRUSTED_ISSUER' }] });
    }
    expect(fetched).toEqual([]);
  });

  it('a trusted chain whose status list is out of reach: temporarily_unavailable (503), the item listed with its code', async () => {
    const { generateEphemeralSigner } = await import('../../src/keys/signer.js');
    const { accredit } = await import('../../src/node/registry.js');
    const [acme, alice] = [generateEphemeralSigner(), generateEphemeralSigner()];
    await accredit(bank.node, { issuer: acme.did, capabilities: ['call:billing:*'] });
    const root = await issueCapabilityCredential({
      issuer: acme.did,
      signer: acme,
      subject: { id: alice.did, owner: 'mailto:carol@acme.example', capabilities: [{ action: 'call', resource: 'billing:refund' }] },
      credentialStatus: [statusEntry('https://status.acme.example/r-1', 7, 'revocation')],
      clock: bank.clock,
    });
    const { form, headers } = await tokenRequest(bank, { holder: alice, credentials: [root.jwt], key: dpopKeyOfSigner(alice), nonce: await freshNonce(bank.app) });
    const res = await post(bank, form, headers);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'temporarily_unavailable', code: 'ERR_STATUS_UNAVAILABLE', rejected: [{ action: 'call', resource: 'billing:refund', code: 'ERR_STATUS_UNAVAILABLE' }] });
    expect(fetched).toEqual(['https://status.acme.example/r-1']);
  });

  it('bounds the work of one request: past the signature budget, ERR_WORK_LIMIT', async () => {
    const tight = await openBank({}, settableClock(), { verifier: { workLimits: { signatures: 2 } } });
    const p = await partner(tight);
    const { form, headers } = await tokenRequest(tight, { holder: p.bob, credentials: [p.root, p.child], key: dpopKeyOfSigner(p.bob), nonce: await freshNonce(tight.app) });
    const res = await post(tight, form, headers);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'ERR_WORK_LIMIT' });
    await tight.node.close();
  });
});
