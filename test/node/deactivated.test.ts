// acme retires its agent alice: her did:web DID is deactivated at acme's node (410), in acme's own
// resolution (deactivated: true, no key), and what she signed before no longer verifies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { didSignature } from '../../src/did/signature.js';
import { decodeCompactJws, signCompactJws } from '../../src/lib/jws.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { retireAgent } from '../../src/node/retire.js';
import { signerFor } from '../../src/node/signers.js';
import { createApp } from '../../src/server/app.js';

const OWNER = 'mailto:carol@acme.example';
let root: string;
let node: NodeContext;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'legate-deactivated-'));
  await initNode({ dataDir: join(root, 'acme'), domain: 'acme.example' });
  node = await openNode({ dataDir: join(root, 'acme') });
});
afterEach(async () => {
  await node.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a retired agent’s DID', () => {
  it('is served with its key while active, then as 410 ERR_DID_DEACTIVATED; resolves deactivated; her signatures fail', async () => {
    const agent = await createAgent(node, { name: 'alice', owner: OWNER });
    const app = createApp({ node, onUnexpectedError: () => undefined });
    const signer = await signerFor(node, agent.did);
    const token = decodeCompactJws(await signCompactJws({ iss: agent.did }, signer, { typ: 'JWT' }));
    const check = { did: agent.did, relationship: 'authentication', party: 'sender', didClaim: 'iss', what: 'message signature' } as const;

    const before = await app.request('/agents/alice/did.json');
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ id: agent.did, verificationMethod: [{ id: signer.kid }] });
    expect((await didSignature(token, node.resolver, check)).errors).toEqual([]);

    await retireAgent(node, 'alice');

    const after = await app.request('/agents/alice/did.json');
    expect(after.status).toBe(410);
    expect(after.headers.get('content-type')).toBe('application/problem+json');
    expect(await after.json()).toMatchObject({ status: 410, code: 'ERR_DID_DEACTIVATED' });

    const resolved = await node.resolver.resolve(agent.did);
    expect(resolved.didDocumentMetadata).toEqual({ deactivated: true });
    expect(resolved.didResolutionMetadata.error).toBeUndefined();
    expect(resolved.didDocument).toEqual({ '@context': 'https://www.w3.org/ns/did/v1', id: agent.did });

    expect((await didSignature(token, node.resolver, check)).errors.map((e) => e.code)).toEqual(['ERR_DID_DEACTIVATED']);
    // Other agents are untouched, and an unknown one is still 404.
    await createAgent(node, { name: 'bob', owner: OWNER });
    expect((await app.request('/agents/bob/did.json')).status).toBe(200);
    expect((await app.request('/agents/nobody/did.json')).status).toBe(404);
  });
});

describe('the agents service’s kept lookup by DID', () => {
  it('answers from memory while nothing changed, and sees alice retired at once', async () => {
    const agent = await createAgent(node, { name: 'alice', owner: OWNER });
    const first = await node.services.agents.byDid(agent.did);
    expect(first).toMatchObject({ name: 'alice', status: 'active' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(await node.services.agents.byDid(agent.did)).toBe(first);
    await retireAgent(node, 'alice');
    expect(await node.services.agents.byDid(agent.did)).toMatchObject({ name: 'alice', status: 'retired' });
    expect(await node.services.agents.byDid(`${node.organization.did}:agents:nobody`)).toBeUndefined();
  });
});
