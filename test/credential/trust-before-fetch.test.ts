// Trust before fetch (#13 item 2). A verifier that trusts only acme:
//   acme (trusted) -> alice                         looked up and status-checked
//   evil (did:web:evil.example, a stranger) -> evil  nothing it names is fetched
// Every network attempt (DID documents, status lists) goes through one spying fetch.
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import type { TrustCheck, VerifyCredentialOptions } from '../../src/credential/verify-jwt.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { createDidResolver } from '../../src/did/resolver.js';
import { VerificationError } from '../../src/errors/index.js';
import { createPresentation } from '../../src/presentation/create.js';
import { verifyPresentation } from '../../src/presentation/verify.js';
import { createStatusChecker } from '../../src/status/check.js';
import { statusEntry } from '../../src/status/entry.js';
import { acme, alice, aliceSubject, bob, evil, frozenClock, mallory } from '../fixtures.js';
import { signedList } from '../status/helpers.js';

const ACME_LIST = 'https://acme.example/status/r-1';
// A probing URL (a documentation address, RFC 5737); the spy below answers every fetch, so nothing is contacted.
const EVIL_LIST = 'https://evil.example/status?probe=192.0.2.1:22';

/** A credential acme issues alice, with a revocation entry in acme's list. */
async function acmeCredential(): Promise<string> {
  const { jwt } = await issueCapabilityCredential({
    issuer: acme.did,
    signer: acme.signer,
    subject: aliceSubject(),
    credentialStatus: [statusEntry(ACME_LIST, 7, 'revocation')],
    clock: frozenClock(),
  });
  return jwt;
}

/** Trusts acme for everything, nobody else for anything: one ERR_UNTRUSTED_ISSUER per capability, as the registry answers. */
const acmeOnly: TrustCheck = (issuer, capabilities) =>
  Promise.resolve(
    issuer === acme.did
      ? []
      : capabilities.map((c) => new VerificationError('ERR_UNTRUSTED_ISSUER', `${issuer} is not trusted for ${c.action}:${c.resource}`, { claim: `${c.action}:${c.resource}` })),
  );

/** A verifier whose every network attempt is recorded: acme's documents are local, acme's list is served, the rest 404s. */
async function spyingVerifier(options: { trust?: TrustCheck } = { trust: acmeOnly }) {
  const fetched: string[] = [];
  const list = await signedList({ url: ACME_LIST });
  const fetch = (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : input.toString();
    fetched.push(url);
    return Promise.resolve(url === ACME_LIST ? new Response(list, { headers: { 'content-type': 'application/vc+jwt' } }) : new Response('not found', { status: 404 }));
  };
  const known = new Map([acme, alice, bob].map((p) => [p.did, p.document]));
  const resolver = createDidResolver({ local: (did) => Promise.resolve(known.get(did)), fetch });
  const checker = createStatusChecker({ resolver, fetch, clock: frozenClock() });
  const verify: VerifyCredentialOptions = {
    resolver,
    clock: frozenClock(),
    status: (credential) => checker.statusErrors(credential),
    ...(options.trust === undefined ? {} : { trust: options.trust }),
  };
  return { verify, fetched };
}

const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const refund = { action: 'call', resource: 'billing:refund' };

async function strangerCredential(subject = evil.did) {
  return issueCapabilityCredential({
    issuer: evil.did,
    signer: evil.signer,
    subject: { id: subject, owner: 'mailto:x@evil.example', capabilities: [refund], delegation: { depth: 0, maxDepth: 2 } },
    credentialStatus: [statusEntry(EVIL_LIST, 7, 'revocation')],
    clock: frozenClock(),
  });
}

describe('trust before fetch: credentials', () => {
  it("a stranger's self-signed credential with a status URL: ERR_UNTRUSTED_ISSUER and no fetch at all", async () => {
    const { verify, fetched } = await spyingVerifier();
    const result = await verifyCapabilityCredential((await strangerCredential()).jwt, verify);
    expect(codes(result)).toEqual(['ERR_UNTRUSTED_ISSUER']);
    expect(result.verified).toBe(false);
    expect(fetched).toEqual([]);
  });

  it('without a trust policy the same credential is looked up, as before (the spy sees it)', async () => {
    const { verify, fetched } = await spyingVerifier({});
    const result = await verifyCapabilityCredential((await strangerCredential()).jwt, verify);
    expect(codes(result)).toEqual(['ERR_DID_UNRESOLVABLE']);
    expect(fetched).toEqual(['https://evil.example/.well-known/did.json']);
  });

  it('a trusted credential is verified and its status list fetched', async () => {
    const { verify, fetched } = await spyingVerifier();
    const jwt = await acmeCredential();
    expect((await verifyCapabilityCredential(jwt, verify)).errors).toEqual([]);
    expect(fetched).toEqual([ACME_LIST]);
  });

  it("a trusted issuer's credential with a bad signature: ERR_SIGNATURE_INVALID and no status fetch", async () => {
    const { verify, fetched } = await spyingVerifier();
    const jwt = await acmeCredential();
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    expect(codes(await verifyCapabilityCredential(tampered, verify))).toContain('ERR_SIGNATURE_INVALID');
    expect(fetched).toEqual([]);
  });

  it('a chain below a forged root naming a trusted issuer: the stranger it names is never resolved', async () => {
    const { verify, fetched } = await spyingVerifier();
    // evil signs a "root" that claims acme issued it, to evil; then delegates to mallory.
    const forged = await issueCapabilityCredential({
      issuer: acme.did,
      signer: { ...evil.signer, kid: `${acme.did}#key-1` },
      subject: { id: evil.did, owner: 'mailto:x@evil.example', capabilities: [refund], delegation: { depth: 0, maxDepth: 2 } },
      clock: frozenClock(),
    });
    const child = await delegateCapability({
      parent: forged.credential,
      signer: evil.signer,
      to: mallory.did,
      capabilities: [refund],
      credentialStatus: [statusEntry(EVIL_LIST, 3, 'revocation')],
      clock: frozenClock(),
    });
    const tokens = [forged.jwt, child.jwt];
    const chain = await verifyChain(tokens, verify);
    expect(chain.verified).toBe(false);
    expect(codes(chain)).toContain('ERR_SIGNATURE_INVALID');
    expect(codes(chain)).toContain('ERR_CHAIN_INVALID');
    expect(fetched).toEqual([]);
  });
});

describe('trust before fetch: presentations', () => {
  it("a did:web holder presenting a stranger's credentials is not resolved: ERR_UNTRUSTED_ISSUER, no fetch", async () => {
    const { verify, fetched } = await spyingVerifier();
    const presentation = await createPresentation({
      signer: evil.signer,
      credentials: [(await strangerCredential()).jwt],
      audience: bob.did,
      nonce: 'n-1',
      clock: frozenClock(),
    });
    const result = await verifyPresentation(presentation, { ...verify, audience: bob.did, nonce: 'n-1' });
    expect(codes(result)).toEqual(['ERR_UNTRUSTED_ISSUER']);
    expect(result.holderSigned).toBe(false);
    expect(fetched).toEqual([]);
  });

  it('a holder a trusted chain names is resolved and verified', async () => {
    const { verify, fetched } = await spyingVerifier();
    const { jwt } = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), clock: frozenClock() });
    const presentation = await createPresentation({ signer: alice.signer, credentials: [jwt], audience: bob.did, nonce: 'n-2', clock: frozenClock() });
    const result = await verifyPresentation(presentation, { ...verify, audience: bob.did, nonce: 'n-2' });
    expect(result.errors).toEqual([]);
    expect(result.holderSigned).toBe(true);
    expect(fetched).toEqual([]);
  });
});
