// Trust before fetch for signed actions (#13 item 2, security review): POST /actions is open to anyone, so
// an action's iss (a did:web names a host) must not be resolved before a session this node issued names it.
//   bank (did:web:bank.example) -> teller: the verifier's agent
//   evil (did:web:evil.example): a stranger whose host answers with its DID document
//   gone (did:web:gone.example): a stranger whose host answers 404
// Every outbound request of the node goes through one spying fetch; nothing leaves the process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSignedAction } from '../../src/action/create.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { LegateError } from '../../src/errors/index.js';
import { signerFromKeyObject, type Signer } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { epochSeconds } from '../../src/lib/clock.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { handleAction } from '../../src/node/actions.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { NOW } from '../fixtures.js';

function webSigner(did: string, fill: number): Signer {
  const secretKey = new Uint8Array(32).fill(fill);
  const publicKey = ed25519.getPublicKey(secretKey);
  return signerFromKeyObject(`${did}#key-1`, publicKey, privateKeyObject(secretKey, publicKey));
}

const evil = webSigner('did:web:evil.example', 99);
const gone = webSigner('did:web:gone.example', 98);
const evilDocument = buildOrganizationDidDocument({ did: 'did:web:evil.example', keys: [{ kid: evil.kid, publicKey: evil.publicKey }] });

let node: NodeContext;
let teller: string;
let fetched: string[];

beforeEach(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-atbf-')), 'bank');
  await initNode({ dataDir, domain: 'bank.example', clock: () => NOW });
  fetched = [];
  const fetch = (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : input.toString();
    fetched.push(url);
    if (url === 'https://evil.example/.well-known/did.json') return Promise.resolve(Response.json(evilDocument));
    return Promise.resolve(new Response('not found', { status: 404 }));
  };
  node = await openNode({ dataDir, clock: () => NOW, fetch });
  teller = (await createAgent(node, { name: 'teller', owner: 'mailto:tess@bank.example' })).did;
  await issueToAgent(node, { agent: 'teller', capabilities: [{ action: 'read', resource: 'ledger:*' }] });
});
afterEach(() => node.close());

/** A stranger's action with a session token of its own making: what anyone can POST to /actions. */
async function strangerAction(signer: Signer): Promise<string> {
  const did = signer.kid.split('#')[0]!;
  const iat = epochSeconds(NOW);
  const session = await signCompactJws(
    { iss: did, sub: 'mailto:owner@stranger.example', act: { sub: did }, aud: teller, jti: 'urn:uuid:00000000-0000-4000-8000-000000000001', iat, exp: iat + 300, capabilities: [{ action: 'read', resource: 'ledger:*', credential: 'urn:uuid:00000000-0000-4000-8000-000000000002' }], cnf: { kid: signer.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(signer.publicKey).toString('base64url') } } },
    signer,
    { typ: 'session+jwt' },
  );
  return (await createSignedAction({ signer, audience: teller, session, action: 'read', resource: 'ledger:main', clock: () => NOW })).token;
}

async function refusal(promise: Promise<unknown>): Promise<LegateError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LegateError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('signed actions: trust before fetch', () => {
  it("a stranger's action with a did:web iss is refused as ERR_UNTRUSTED_ISSUER (its session) with zero fetches", async () => {
    const error = await refusal(handleAction(node, await strangerAction(evil)));
    expect(error.code).toBe('ERR_UNTRUSTED_ISSUER');
    expect(error.claim).toBe('session.iss');
    expect(fetched).toEqual([]);
  });

  it('the reply is the same whether the named host serves a DID document or answers 404', async () => {
    const served = await refusal(handleAction(node, await strangerAction(evil)));
    const missing = await refusal(handleAction(node, await strangerAction(gone)));
    expect([served.code, served.message]).toEqual([missing.code, missing.message]);
    expect(missing.code).toBe('ERR_UNTRUSTED_ISSUER');
    expect(fetched).toEqual([]);
  });
});
