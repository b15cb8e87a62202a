// A node's own DID documents kept under its store's change stamp (did/resolver `localStamp`): acme answers for
// itself and its agent alice from `local` (counted). While the stamp holds, local is asked once per DID and the key
// imported once; a new stamp (a key rotated in, alice retired) is seen on the next lookup. What local does not know
// (mallory) falls through every time, and no stamp keeps nothing.
import type { DIDDocument } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../src/did/index.js';
import { buildAgentDidDocument, buildOrganizationDidDocument } from '../../src/did/web.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';

const ACME = 'did:web:acme.example';
const ALICE = `${ACME}:agents:alice`;
const BOB = `${ACME}:agents:bob`;
const first = generateEphemeralSigner();
const second = generateEphemeralSigner();
/** The key a lookup found, if any. */
const keyOf = (lookup: Awaited<ReturnType<ReturnType<typeof createDidResolver>['resolveKey']>>) => ('key' in lookup ? lookup.key : undefined);
const agentDocument = (did: string, publicKey: Uint8Array): DIDDocument =>
  buildAgentDidDocument({ did, controller: ACME, key: { kid: `${did}#key-1`, publicKey }, serviceEndpoint: 'https://acme.example/ace' });
const documentWith = (...keys: { kid: string; publicKey: Uint8Array }[]): DIDDocument => buildOrganizationDidDocument({ did: ACME, keys });

function localNode() {
  const state = { stamp: '1' as string | undefined, stampReads: 0, acme: documentWith({ kid: `${ACME}#key-1`, publicKey: first.publicKey }), aliceRetired: false, bobCreated: false, asked: [] as string[] };
  const resolver = createDidResolver({
    local: (did) => {
      state.asked.push(did);
      if (did === ACME) return Promise.resolve(state.acme);
      if (did === ALICE) return Promise.resolve(state.aliceRetired ? 'deactivated' : agentDocument(ALICE, first.publicKey));
      if (did === BOB && state.bobCreated) return Promise.resolve(agentDocument(BOB, second.publicKey));
      return Promise.resolve(undefined);
    },
    localStamp: () => {
      state.stampReads++;
      return state.stamp;
    },
    fetch: () => Promise.resolve(new Response('', { status: 404 })),
  });
  return { state, resolver };
}

describe('local documents kept under a change stamp', () => {
  it('asks local once per DID while the stamp holds, imports the key once, and hands out copies', async () => {
    const { state, resolver } = localNode();
    const one = await resolver.resolveKey(ACME, `${ACME}#key-1`, 'assertionMethod');
    const two = await resolver.resolveKey(ACME, `${ACME}#key-1`, 'assertionMethod');
    expect(keyOf(one)?.key).toBeTruthy();
    expect(keyOf(two)).toBe(keyOf(one));
    const resolved = await resolver.resolve(ACME);
    resolved.didDocument!.verificationMethod = [];
    expect((await resolver.resolve(ACME)).didDocument!.verificationMethod).toHaveLength(1);
    expect(state.asked).toEqual([ACME]);
  });

  it('sees a new stamp on the next lookup: a key rotated in verifies, a retired agent is deactivated', async () => {
    const { state, resolver } = localNode();
    expect(await resolver.resolveKey(ACME, `${ACME}#key-2`, 'assertionMethod')).toEqual({ key: undefined });
    const alive = await resolver.resolve(ALICE);
    expect(alive.didResolutionMetadata.error).toBeUndefined();
    expect(alive.didDocumentMetadata.deactivated).toBeUndefined();
    state.acme = documentWith({ kid: `${ACME}#key-1`, publicKey: first.publicKey }, { kid: `${ACME}#key-2`, publicKey: second.publicKey });
    state.aliceRetired = true;
    // Unchanged stamp: what was kept still answers (the store said nothing changed).
    expect(await resolver.resolveKey(ACME, `${ACME}#key-2`, 'assertionMethod')).toEqual({ key: undefined });
    state.stamp = '2';
    const rotated = await resolver.resolveKey(ACME, `${ACME}#key-2`, 'assertionMethod');
    expect(keyOf(rotated)?.publicKey).toEqual(second.publicKey);
    expect((await resolver.resolve(ALICE)).didDocumentMetadata.deactivated).toBe(true);
    expect(await resolver.resolveKey(ALICE, `${ALICE}#key-1`, 'authentication')).toEqual({ unresolved: 'deactivated' });
    expect(state.asked.filter((d) => d === ALICE)).toHaveLength(2);
  });

  it('asks local every time for a DID it does not know (the stamp read only the first time), and keeps nothing without a stamp', async () => {
    const { state, resolver } = localNode();
    for (let i = 0; i < 3; i++) expect((await resolver.resolve('did:web:mallory.example')).didResolutionMetadata.error).toBe('notFound');
    expect(state.asked).toEqual(['did:web:mallory.example', 'did:web:mallory.example', 'did:web:mallory.example']);
    expect(state.stampReads).toBe(1);
    // bob unknown, then created: answered at once, kept from the lookup after.
    expect((await resolver.resolve(BOB)).didResolutionMetadata.error).toBe('notFound');
    state.bobCreated = true;
    state.stamp = '2';
    for (let i = 0; i < 3; i++) expect(keyOf(await resolver.resolveKey(BOB, `${BOB}#key-1`, 'authentication'))?.publicKey).toEqual(second.publicKey);
    expect(state.asked.filter((d) => d === BOB)).toHaveLength(3);
    state.asked.length = 0;
    state.stamp = undefined;
    for (let i = 0; i < 2; i++) await resolver.resolveKey(ACME, `${ACME}#key-1`, 'assertionMethod');
    expect(state.asked.filter((d) => d === ACME)).toHaveLength(2);
  });

  it('keeps at most 256 local DIDs, and remembers at most 1,024 as not local', async () => {
    const agents = Array.from({ length: 257 }, (_, i) => `${ACME}:agents:a${i}`);
    const asked: string[] = [];
    let stampReads = 0;
    const resolver = createDidResolver({
      local: (did) => {
        asked.push(did);
        return Promise.resolve(agents.includes(did) ? agentDocument(did, first.publicKey) : undefined);
      },
      localStamp: () => (stampReads++, 'one'),
      fetch: () => Promise.resolve(new Response('', { status: 404 })),
    });
    for (const did of agents) await resolver.resolve(did);
    asked.length = 0;
    await resolver.resolve(agents[256]!);
    await resolver.resolve(agents[0]!);
    expect(asked).toEqual([agents[0]]);

    const strangers = Array.from({ length: 1025 }, (_, i) => `did:web:stranger-${i}.example`);
    for (const did of strangers.slice(0, 1024)) await resolver.resolve(did);
    stampReads = 0;
    await resolver.resolve(strangers[0]!);
    await resolver.resolve(strangers[0]!);
    expect(stampReads).toBe(0);
    // The 1,025th forgets them all at once (they are only a shortcut): the first reads the stamp again.
    await resolver.resolve(strangers[1024]!);
    await resolver.resolve(strangers[0]!);
    expect(stampReads).toBe(2);
  });
});
