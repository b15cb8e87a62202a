// The resolver's own cache (lib/cache): a failing DID is answered from the
// cache for the cooldown and asked again after it (injected clock);
// concurrent resolutions share one fetch, key lookups included; the cache is
// bounded; two resolvers share nothing. And the key lookup is an explicit
// input: verifiers use a resolver's `resolveKey` when it carries one, and a
// work budget keeps it.
//   alice and bob (did:web:*.example) publish documents; mallory's is missing.
import type { DIDDocument } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { createDidResolver, type DidResolverOptions, type KeyResolvable } from '../../src/did/index.js';
import { didSignature, type DidSignatureCheck } from '../../src/did/signature.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { WorkBudget } from '../../src/lib/work-budget.js';

const ALICE = 'did:web:alice.example';
const BOB = 'did:web:bob.example';
const MALLORY = 'did:web:mallory.example';
const aliceSigner = generateEphemeralSigner();
const bobSigner = generateEphemeralSigner();
const documents: Record<string, DIDDocument> = {
  'alice.example': buildOrganizationDidDocument({ did: ALICE, keys: [{ kid: `${ALICE}#key-1`, publicKey: aliceSigner.publicKey }] }),
  'bob.example': buildOrganizationDidDocument({ did: BOB, keys: [{ kid: `${BOB}#key-1`, publicKey: bobSigner.publicKey }] }),
};

function frozenClock(start = Date.parse('2025-06-01T00:00:00Z')) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

/** A resolver over a fetch that serves alice's and bob's documents (404 for anyone else) and counts requests per host. */
function servedResolver(options: DidResolverOptions = {}, gate?: Promise<void>) {
  const fetches: string[] = [];
  const resolver = createDidResolver({
    ...options,
    fetch: async (url) => {
      const host = new URL(url).host;
      fetches.push(host);
      if (gate !== undefined) await gate;
      const doc = documents[host];
      return doc === undefined ? new Response('gone fishing', { status: 404 }) : new Response(JSON.stringify(doc), { headers: { 'content-type': 'application/did+json' } });
    },
  });
  return { resolver, fetches };
}

const data = new TextEncoder().encode('eyJhbGciOiJFZERTQSJ9.e30');
const signedBy = async (signer: { sign(data: Uint8Array): Promise<Uint8Array> }, kid: string) => ({ header: { kid }, signingInput: data, signature: await signer.sign(data) });
const checkOf = (did: string): DidSignatureCheck => ({ did, relationship: 'assertionMethod', party: 'issuer', didClaim: 'issuer', what: 'signature' });
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

describe('failure cooldown', () => {
  it('a failing DID is not fetched again within the cooldown, by resolve or by key lookup, and is after it', async () => {
    const { clock, advance } = frozenClock();
    const { resolver, fetches } = servedResolver({ clock, cacheCooldownMs: 10_000 });
    expect((await resolver.resolve(MALLORY)).didResolutionMetadata.error).toBe('notFound');
    advance(9_999);
    expect((await resolver.resolve(`${MALLORY}#key-1`)).didResolutionMetadata.error).toBe('notFound');
    const byMallory = await didSignature(await signedBy(aliceSigner, `${MALLORY}#key-1`), resolver, checkOf(MALLORY));
    expect(codes(byMallory)).toEqual(['ERR_DID_UNRESOLVABLE']);
    expect(byMallory.errors[0]).toMatchObject({ reason: 'notFound' });
    expect(fetches).toEqual(['mallory.example']);
    advance(1);
    expect((await resolver.resolve(MALLORY)).didResolutionMetadata.error).toBe('notFound');
    expect(fetches).toEqual(['mallory.example', 'mallory.example']);
  });

  it('a failure does not hold back other DIDs, and a success is kept for the TTL, not the cooldown', async () => {
    const { clock, advance } = frozenClock();
    const { resolver, fetches } = servedResolver({ clock, cacheCooldownMs: 1_000, cacheTtlMs: 60_000 });
    await resolver.resolve(MALLORY);
    expect((await resolver.resolve(ALICE)).didDocument?.id).toBe(ALICE);
    advance(1_000);
    expect((await resolver.resolve(ALICE)).didDocument?.id).toBe(ALICE);
    expect(fetches).toEqual(['mallory.example', 'alice.example']);
  });
});

describe('in-flight de-duplication', () => {
  it('two concurrent resolutions of one DID, and a key lookup beside them, make one fetch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { resolver, fetches } = servedResolver({}, gate);
    const pending = Promise.all([
      resolver.resolve(ALICE),
      resolver.resolve(`${ALICE}#key-1`),
      didSignature(await signedBy(aliceSigner, `${ALICE}#key-1`), resolver, checkOf(ALICE)),
    ]);
    release();
    const [first, second, signature] = await pending;
    expect(first.didDocument).toEqual(documents['alice.example']);
    expect(second.didDocument).toEqual(documents['alice.example']);
    expect(codes(signature)).toEqual([]);
    expect(fetches).toEqual(['alice.example']);
  });
});

describe('bounded cache', () => {
  it('keeps at most cacheMaxEntries DIDs, failures included, evicting the least recently used', async () => {
    const { resolver, fetches } = servedResolver({ cacheMaxEntries: 2 });
    await resolver.resolve(ALICE);
    await resolver.resolve(MALLORY);
    await resolver.resolve(BOB); // alice, the least recently used, is evicted
    await resolver.resolve(MALLORY);
    await resolver.resolve(BOB);
    expect(fetches).toEqual(['alice.example', 'mallory.example', 'bob.example']);
    await resolver.resolve(ALICE);
    expect(fetches).toEqual(['alice.example', 'mallory.example', 'bob.example', 'alice.example']);
  });
});

describe('two resolvers', () => {
  it('share no cache: neither a document nor a failure one resolved is seen by the other', async () => {
    const one = servedResolver();
    const two = servedResolver();
    await one.resolver.resolve(ALICE);
    await one.resolver.resolve(MALLORY);
    await two.resolver.resolve(ALICE);
    await two.resolver.resolve(MALLORY);
    expect(one.fetches).toEqual(['alice.example', 'mallory.example']);
    expect(two.fetches).toEqual(['alice.example', 'mallory.example']);
  });
});

describe('the key lookup is an explicit input', () => {
  it('a resolver carrying resolveKey is asked through it, not resolve', async () => {
    const { resolver } = servedResolver();
    const asked: string[] = [];
    const carrier: KeyResolvable = {
      resolve: () => Promise.reject(new Error('resolve must not be called')),
      resolveKey: (did, kid, relationship) => {
        asked.push(`${relationship} ${kid}`);
        return resolver.resolveKey(did, kid, relationship);
      },
    };
    expect(codes(await didSignature(await signedBy(aliceSigner, `${ALICE}#key-1`), carrier, checkOf(ALICE)))).toEqual([]);
    expect(asked).toEqual([`assertionMethod ${ALICE}#key-1`]);
  });

  it('a resolver without one is resolved and searched, with the same answers', async () => {
    const { resolver } = servedResolver();
    const plain: KeyResolvable = { resolve: (did) => resolver.resolve(did) };
    expect(codes(await didSignature(await signedBy(aliceSigner, `${ALICE}#key-1`), plain, checkOf(ALICE)))).toEqual([]);
    expect(codes(await didSignature(await signedBy(bobSigner, `${ALICE}#key-1`), plain, checkOf(ALICE)))).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(codes(await didSignature(await signedBy(aliceSigner, `${MALLORY}#key-1`), plain, checkOf(MALLORY)))).toEqual(['ERR_DID_UNRESOLVABLE']);
  });

  it('a work budget keeps the lookup and charges it as a resolution: past the limit it is ERR_WORK_LIMIT, with no fetch', async () => {
    const { resolver, fetches } = servedResolver();
    const budget = new WorkBudget({ resolutions: 1 });
    const budgeted = budget.resolver(resolver);
    expect(typeof budgeted.resolveKey).toBe('function');
    expect(codes(await didSignature(await signedBy(aliceSigner, `${ALICE}#key-1`), budgeted, checkOf(ALICE)))).toEqual([]);
    expect(codes(await didSignature(await signedBy(aliceSigner, `${ALICE}#key-1`), budgeted, checkOf(ALICE)))).toEqual([]);
    await expect(didSignature(await signedBy(bobSigner, `${BOB}#key-1`), budgeted, checkOf(BOB))).rejects.toMatchObject({ code: 'ERR_WORK_LIMIT' });
    expect(fetches).toEqual(['alice.example']);
  });
});
