import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentDidFromDomain,
  buildAgentDidDocument,
  buildOrganizationDidDocument,
  createDidResolver,
  didKeyFromPublicKey,
  findVerificationMethod,
  orgDidFromDomain,
} from '../../src/did/index.js';
import type { DIDDocument, FetchLike, VerificationMethod } from '../../src/did/index.js';
import { ed25519FromVerificationMethod } from '../../src/lib/multikey.js';

// Fixed personas: alice's organization and its agent bob publish documents;
// mallory serves documents that are not hers, oversized or malformed.
const aliceKey = ed25519.getPublicKey(new Uint8Array(32).fill(0xa1));
const bobKey = ed25519.getPublicKey(new Uint8Array(32).fill(0xb0));
const malloryKey = ed25519.getPublicKey(new Uint8Array(32).fill(0x3a));

function orgDocument(did: string, publicKey: Uint8Array = aliceKey): DIDDocument {
  return buildOrganizationDidDocument({ did, keys: [{ kid: `${did}#key-1`, publicKey }] });
}

function agentDocument(did: string, controller: string, endpoint: string): DIDDocument {
  return buildAgentDidDocument({ did, controller, key: { kid: `${did}#key-1`, publicKey: bobKey }, serviceEndpoint: endpoint });
}

function json(value: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(value), { status: 200, headers: { 'content-type': 'application/did+json' }, ...init });
}

/** A fetch that records every URL it is asked for and answers with `handler`. */
function countingFetch(handler: (url: string) => Response | Promise<Response>): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  const fetch: FetchLike = async (url) => {
    calls.push(url);
    return handler(url);
  };
  return { fetch, calls };
}

const ALICE = 'did:web:alice.example';
const MALLORY = 'did:web:mallory.example';

describe('did:web against a real HTTP server on 127.0.0.1', () => {
  let server: Server;
  let port: number;
  let requests: string[];
  const documents = new Map<string, DIDDocument>();

  beforeAll(async () => {
    requests = [];
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push(req.url ?? '');
      if (req.url === '/moved/did.json') {
        res.writeHead(302, { location: '/.well-known/did.json' }).end();
        return;
      }
      const document = documents.get(req.url ?? '');
      if (document === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify(document));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const org = orgDidFromDomain(`127.0.0.1:${port}`);
    documents.set('/.well-known/did.json', orgDocument(org));
    const bob = agentDidFromDomain(`localhost:${port}`, 'bob');
    documents.set('/agents/bob/did.json', agentDocument(bob, orgDidFromDomain(`localhost:${port}`), `http://localhost:${port}/ace`));
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  it('resolves the organization at did:web:127.0.0.1%3A<port> over http when opted in', async () => {
    const did = `did:web:127.0.0.1%3A${port}`;
    const result = await createDidResolver({ allowHttpLoopback: true }).resolve(did);
    expect(result.didResolutionMetadata).toEqual({ contentType: 'application/did+json' });
    expect(result.didDocument).toEqual(documents.get('/.well-known/did.json'));
    const method = findVerificationMethod(result.didDocument!, `${did}#key-1`, 'assertionMethod');
    expect(ed25519FromVerificationMethod(method)).toEqual(aliceKey);
  });

  it('resolves an agent at did:web:localhost%3A<port>:agents:bob', async () => {
    const did = `did:web:localhost%3A${port}:agents:bob`;
    const result = await createDidResolver({ allowHttpLoopback: true }).resolve(did);
    expect(result.didResolutionMetadata.error).toBeUndefined();
    expect(result.didDocument?.id).toBe(did);
    expect(result.didDocument?.controller).toBe(`did:web:localhost%3A${port}`);
    expect(result.didDocument?.service?.[0]?.serviceEndpoint).toBe(`http://localhost:${port}/ace`);
  });

  it('reports notFound for a 404', async () => {
    const result = await createDidResolver({ allowHttpLoopback: true }).resolve(`did:web:127.0.0.1%3A${port}:agents:mallory`);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('notFound');
  });

  it('does not follow redirects', async () => {
    const before = requests.length;
    const result = await createDidResolver({ allowHttpLoopback: true }).resolve(`did:web:127.0.0.1%3A${port}:moved`);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('notFound');
    expect(requests.slice(before)).toEqual(['/moved/did.json']);
  });

  it('without the opt-in, speaks https only: the http server never sees a request', async () => {
    const before = requests.length;
    const result = await createDidResolver({ timeoutMs: 500 }).resolve(`did:web:127.0.0.1%3A${port}`);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBeDefined();
    expect(requests.length).toBe(before);
  });
});

describe('did:web with an injected fetch', () => {
  const aliceDoc = orgDocument(ALICE);

  it('fetches https://<host>/.well-known/did.json without following redirects', async () => {
    const inits: RequestInit[] = [];
    const fetch: FetchLike = (_url, init) => {
      inits.push(init);
      return Promise.resolve(json(aliceDoc));
    };
    const result = await createDidResolver({ fetch }).resolve(ALICE);
    expect(result.didDocument).toEqual(aliceDoc);
    // `manual`: a redirect comes back as a 3xx, which the client refuses rather than follows.
    expect(inits[0]?.redirect).toBe('manual');
    expect(inits[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('notFound on 404', async () => {
    const { fetch } = countingFetch(() => new Response('gone', { status: 404 }));
    const result = await createDidResolver({ fetch }).resolve(ALICE);
    expect(result).toEqual({
      didResolutionMetadata: { error: 'notFound', message: expect.any(String) as string },
      didDocument: null,
      didDocumentMetadata: {},
    });
  });

  it('deactivated on 410: deactivated: true in the document metadata, no verification method', async () => {
    const { fetch } = countingFetch(() => new Response('gone', { status: 410 }));
    const result = await createDidResolver({ fetch }).resolve(ALICE);
    expect(result).toEqual({
      didResolutionMetadata: { contentType: 'application/did+json' },
      didDocument: { '@context': 'https://www.w3.org/ns/did/v1', id: ALICE },
      didDocumentMetadata: { deactivated: true },
    });
  });

  it('an error for other statuses and for network failures', async () => {
    const { fetch: failing } = countingFetch(() => new Response('oops', { status: 500 }));
    expect((await createDidResolver({ fetch: failing }).resolve(ALICE)).didResolutionMetadata.error).toBe('notFound');
    const throwing: FetchLike = () => Promise.reject(new TypeError('fetch failed'));
    const result = await createDidResolver({ fetch: throwing }).resolve(ALICE);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('notFound');
  });

  it('refuses a document whose id is not the DID (mallory serves alice’s document)', async () => {
    const { fetch } = countingFetch(() => json(aliceDoc));
    const result = await createDidResolver({ fetch }).resolve(MALLORY);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('invalidDidDocument');
    expect(result.didResolutionMetadata.message).toMatch(/id does not match/);
  });

  it('refuses a document without a string id, or that is not an object', async () => {
    for (const body of [[aliceDoc], 'did:web:mallory.example', { ...orgDocument(MALLORY), id: 42 }, null]) {
      const { fetch } = countingFetch(() => json(body));
      const result = await createDidResolver({ fetch }).resolve(MALLORY);
      expect(result.didResolutionMetadata.error).toBe('invalidDidDocument');
    }
  });

  it('refuses an oversized body announced by Content-Length without reading it', async () => {
    let pulled = 0;
    const { fetch } = countingFetch(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulled++;
              controller.enqueue(new Uint8Array(1024));
            },
          }),
          { status: 200, headers: { 'content-length': String(300 * 1024) } },
        ),
    );
    const result = await createDidResolver({ fetch }).resolve(MALLORY);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('invalidDidDocument');
    expect(result.didResolutionMetadata.message).toMatch(/larger than 262144 bytes/);
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('refuses an oversized body without Content-Length, counting bytes and stopping', async () => {
    let pulled = 0;
    let cancelled = false;
    const { fetch } = countingFetch(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulled++;
              controller.enqueue(new TextEncoder().encode(' '.repeat(16 * 1024)));
            },
            cancel() {
              cancelled = true;
            },
          }),
          { status: 200 },
        ),
    );
    const result = await createDidResolver({ fetch, maxResponseBytes: 64 * 1024 }).resolve(MALLORY);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('invalidDidDocument');
    expect(result.didResolutionMetadata.message).toMatch(/larger than 65536 bytes/);
    expect(pulled).toBeLessThan(10);
    expect(cancelled).toBe(true);
  });

  it('refuses a body that lies about its Content-Length', async () => {
    const big = JSON.stringify({ ...orgDocument(MALLORY), padding: 'x'.repeat(300 * 1024) });
    const { fetch } = countingFetch(() => new Response(big, { status: 200, headers: { 'content-length': '100' } }));
    const result = await createDidResolver({ fetch }).resolve(MALLORY);
    expect(result.didResolutionMetadata.error).toBe('invalidDidDocument');
  });

  it('reports malformed JSON, deep nesting and bad UTF-8 as invalidDidDocument', async () => {
    const bodies: ConstructorParameters<typeof Response>[0][] = [
      '{"id": "did:web:mallory.example",',
      `{"id":"did:web:mallory.example","x":${'['.repeat(100)}${']'.repeat(100)}}`,
      Uint8Array.of(0x7b, 0xff, 0x7d),
      '',
    ];
    for (const body of bodies) {
      const { fetch } = countingFetch(() => new Response(body, { status: 200 }));
      const result = await createDidResolver({ fetch }).resolve(MALLORY);
      expect(result.didDocument).toBeNull();
      expect(result.didResolutionMetadata.error).toBe('invalidDidDocument');
      expect((result.didResolutionMetadata.message as string).length).toBeLessThan(200);
    }
  });

  it('times out a fetch that never answers, and a body that stalls', async () => {
    const never: FetchLike = () => new Promise<Response>(() => undefined);
    const r1 = await createDidResolver({ fetch: never, timeoutMs: 50 }).resolve(ALICE);
    expect(r1.didResolutionMetadata.error).toBe('notFound');
    expect(r1.didResolutionMetadata.message).toMatch(/timed out after 50 ms/);

    const stalled: FetchLike = () =>
      Promise.resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"id":'));
            },
          }),
          { status: 200 },
        ),
      );
    const r2 = await createDidResolver({ fetch: stalled, timeoutMs: 50 }).resolve(ALICE);
    expect(r2.didResolutionMetadata.error).toBe('notFound');
    expect(r2.didResolutionMetadata.message).toMatch(/timed out/);
  });

  it('never contacts loopback without the opt-in, not even over https: the address policy refuses it first', async () => {
    const { fetch, calls } = countingFetch(() => new Response('no', { status: 404 }));
    const resolver = createDidResolver({ fetch });
    for (const did of ['did:web:127.0.0.1%3A7401', 'did:web:localhost%3A7401:agents:bob']) {
      const result = await resolver.resolve(did);
      expect(result.didResolutionMetadata).toMatchObject({ error: 'notFound', code: 'ERR_ADDRESS_NOT_ALLOWED' });
    }
    expect(calls).toEqual([]);
  });

  it('never fetches over http for a non-loopback host, even with the opt-in', async () => {
    const { fetch, calls } = countingFetch(() => new Response('no', { status: 404 }));
    const resolver = createDidResolver({ fetch, allowHttpLoopback: true });
    await resolver.resolve('did:web:mallory.example%3A80');
    await resolver.resolve('did:web:localhost.mallory.example');
    expect(calls).toEqual(['https://mallory.example:80/.well-known/did.json', 'https://localhost.mallory.example/.well-known/did.json']);
  });

  it('makes no request for an invalid did:web', async () => {
    const { fetch, calls } = countingFetch(() => json(aliceDoc));
    const resolver = createDidResolver({ fetch });
    for (const did of ['did:web:alice.example:..:x', 'did:web:alice.example%2Fx', 'did:web:1.2.3', 'did:web:alice.example%3A0']) {
      const result = await resolver.resolve(did);
      expect(result.didResolutionMetadata.error).toBe('invalidDid');
    }
    expect(calls).toHaveLength(0);
  });
});

describe('cache', () => {
  const aliceDoc = orgDocument(ALICE);

  function frozenClock(start = Date.parse('2025-06-01T00:00:00Z')): { clock: () => Date; advance: (ms: number) => void } {
    let now = start;
    return { clock: () => new Date(now), advance: (ms) => (now += ms) };
  }

  it('serves a hit within the TTL and refetches after it', async () => {
    const { clock, advance } = frozenClock();
    const { fetch, calls } = countingFetch(() => json(aliceDoc));
    const resolver = createDidResolver({ fetch, clock, cacheTtlMs: 60_000 });
    expect((await resolver.resolve(ALICE)).didDocument).toEqual(aliceDoc);
    advance(59_999);
    expect((await resolver.resolve(ALICE)).didDocument).toEqual(aliceDoc);
    expect(calls).toHaveLength(1);
    advance(1);
    expect((await resolver.resolve(ALICE)).didDocument).toEqual(aliceDoc);
    expect(calls).toHaveLength(2);
  });

  it('defaults to a 5 minute TTL', async () => {
    const { clock, advance } = frozenClock();
    const { fetch, calls } = countingFetch(() => json(aliceDoc));
    const resolver = createDidResolver({ fetch, clock });
    await resolver.resolve(ALICE);
    advance(5 * 60 * 1000 - 1);
    await resolver.resolve(ALICE);
    expect(calls).toHaveLength(1);
    advance(1);
    await resolver.resolve(ALICE);
    expect(calls).toHaveLength(2);
  });

  it('keeps a failure for the cooldown only (default 30 s), then asks again', async () => {
    const { clock, advance } = frozenClock();
    const { fetch, calls } = countingFetch(() => new Response('no', { status: 404 }));
    const resolver = createDidResolver({ fetch, clock });
    expect((await resolver.resolve(ALICE)).didResolutionMetadata.error).toBe('notFound');
    advance(30_000 - 1);
    expect((await resolver.resolve(ALICE)).didResolutionMetadata.error).toBe('notFound');
    expect(calls).toHaveLength(1);
    advance(1);
    await resolver.resolve(ALICE);
    expect(calls).toHaveLength(2);
  });

  it('cacheCooldownMs 0 asks again after every failure', async () => {
    const { fetch, calls } = countingFetch(() => new Response('no', { status: 404 }));
    const resolver = createDidResolver({ fetch, cacheCooldownMs: 0 });
    await resolver.resolve(ALICE);
    await resolver.resolve(ALICE);
    expect(calls).toHaveLength(2);
  });

  it('caches per DID; a DID URL shares its DID’s entry', async () => {
    const { fetch, calls } = countingFetch((url) => json(url.includes('mallory') ? orgDocument(MALLORY, malloryKey) : aliceDoc));
    const resolver = createDidResolver({ fetch });
    await resolver.resolve(ALICE);
    await resolver.resolve(`${ALICE}#key-1`);
    expect((await resolver.resolve(MALLORY)).didDocument?.id).toBe(MALLORY);
    expect(calls).toHaveLength(2);
  });

  it('callers cannot corrupt the cache by mutating a result', async () => {
    const { fetch } = countingFetch(() => json(aliceDoc));
    const resolver = createDidResolver({ fetch });
    const first = await resolver.resolve(ALICE);
    first.didDocument!.assertionMethod = ['did:web:mallory.example#key-1'];
    expect((await resolver.resolve(ALICE)).didDocument).toEqual(aliceDoc);
  });

  it('concurrent resolutions of one DID share a single fetch', async () => {
    const { fetch, calls } = countingFetch(() => json(aliceDoc));
    const resolver = createDidResolver({ fetch });
    const results = await Promise.all([resolver.resolve(ALICE), resolver.resolve(ALICE), resolver.resolve(ALICE)]);
    expect(calls).toHaveLength(1);
    for (const result of results) expect(result.didDocument).toEqual(aliceDoc);
  });

  it('cacheTtlMs 0 disables caching', async () => {
    const { fetch, calls } = countingFetch(() => json(aliceDoc));
    const resolver = createDidResolver({ fetch, cacheTtlMs: 0 });
    await resolver.resolve(ALICE);
    await resolver.resolve(ALICE);
    expect(calls).toHaveLength(2);
  });
});

describe('local', () => {
  const aliceDoc = orgDocument(ALICE);

  it('is consulted first, before any fetch', async () => {
    const { fetch, calls } = countingFetch(() => json(orgDocument(ALICE, malloryKey)));
    const asked: string[] = [];
    const resolver = createDidResolver({
      fetch,
      local: (did) => {
        asked.push(did);
        return Promise.resolve(did === ALICE ? aliceDoc : undefined);
      },
    });
    expect((await resolver.resolve(ALICE)).didDocument).toEqual(aliceDoc);
    expect((await resolver.resolve(`${ALICE}#key-1`)).didDocument).toEqual(aliceDoc);
    expect(calls).toHaveLength(0);
    expect(asked).toEqual([ALICE, ALICE]);
  });

  it('falls through to the network when it returns undefined', async () => {
    const { fetch, calls } = countingFetch(() => json(orgDocument(MALLORY, malloryKey)));
    const resolver = createDidResolver({ fetch, local: () => Promise.resolve(undefined) });
    expect((await resolver.resolve(MALLORY)).didDocument?.id).toBe(MALLORY);
    expect(calls).toHaveLength(1);
  });

  it('answers for any method, even ones the resolver does not support', async () => {
    const did = 'did:example:bob';
    const resolver = createDidResolver({ local: (d) => Promise.resolve(d === did ? { id: did } : undefined) });
    expect((await resolver.resolve(did)).didDocument).toEqual({ id: did });
    const key = didKeyFromPublicKey(bobKey);
    const own = { id: key, verificationMethod: [] };
    expect((await createDidResolver({ local: () => Promise.resolve(own) }).resolve(key)).didDocument).toEqual(own);
  });

  it('is not cached: a rotated local document shows at once', async () => {
    let doc = aliceDoc;
    const resolver = createDidResolver({ local: () => Promise.resolve(doc) });
    await resolver.resolve(ALICE);
    doc = orgDocument(ALICE, bobKey);
    expect((await resolver.resolve(ALICE)).didDocument).toEqual(doc);
  });

  it('a failing or inconsistent local lookup is error data', async () => {
    const throwing = createDidResolver({ local: () => Promise.reject(new Error('store down')) });
    expect((await throwing.resolve(ALICE)).didResolutionMetadata.error).toBe('internalError');
    const wrong = createDidResolver({ local: () => Promise.resolve(orgDocument(MALLORY)) });
    const result = await wrong.resolve(ALICE);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('invalidDidDocument');
  });
});

describe('resolution failures are data', () => {
  const resolver = createDidResolver({ fetch: () => Promise.reject(new Error('no network in this test')) });

  it('unsupported methods → methodNotSupported', async () => {
    for (const did of ['did:example:alice', 'did:ethr:0xb0b', 'did:constructor:mallory', 'did:tostring:mallory']) {
      const result = await resolver.resolve(did);
      expect(result).toEqual({
        didResolutionMetadata: { error: 'methodNotSupported', message: expect.any(String) as string },
        didDocument: null,
        didDocumentMetadata: {},
      });
    }
  });

  it('invalid DIDs → invalidDid, with short messages', async () => {
    for (const did of ['', 'alice', 'did:', 'did:web', 'DID:web:alice.example', 'did:web:', `did:web:${'a'.repeat(100_000)}`, 'did:key:z6Mk bob']) {
      const result = await resolver.resolve(did);
      expect(result.didDocument).toBeNull();
      expect(result.didResolutionMetadata.error).toBe('invalidDid');
      expect((result.didResolutionMetadata.message as string).length).toBeLessThan(200);
    }
  });

  it('non-string input → invalidDid, no throw', async () => {
    const inputs: unknown[] = [undefined, null, 42, {}, ['did:web:alice.example']];
    for (const input of inputs) {
      const result = await resolver.resolve(input as string);
      expect(result.didResolutionMetadata.error).toBe('invalidDid');
    }
  });

  it('a did:key resolves offline', async () => {
    const did = didKeyFromPublicKey(bobKey);
    const result = await resolver.resolve(did);
    expect(result.didDocument?.id).toBe(did);
  });
});

describe('options', () => {
  it('rejects invalid options at creation', () => {
    expect(() => createDidResolver({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createDidResolver({ maxResponseBytes: -1 })).toThrow(RangeError);
    expect(() => createDidResolver({ cacheTtlMs: 1.5 })).toThrow(RangeError);
    expect(() => createDidResolver({ cacheMaxEntries: -1 })).toThrow(RangeError);
    expect(() => createDidResolver({ fetch: 'fetch' as unknown as FetchLike })).toThrow(TypeError);
  });
});

describe('findVerificationMethod', () => {
  const did = ALICE;
  const key1: VerificationMethod = { id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: 'z6Mk1' };
  const key2: VerificationMethod = { id: `${did}#key-2`, type: 'Multikey', controller: did, publicKeyMultibase: 'z6Mk2' };
  const embedded: VerificationMethod = { id: `${did}#key-3`, type: 'Multikey', controller: did, publicKeyMultibase: 'z6Mk3' };
  const doc: DIDDocument = {
    id: did,
    verificationMethod: [key1, key2],
    assertionMethod: [`${did}#key-1`, embedded],
    authentication: ['#key-2'],
  };

  it('finds a referenced method by full id or relative #frag', () => {
    expect(findVerificationMethod(doc, `${did}#key-1`, 'assertionMethod')).toBe(key1);
    expect(findVerificationMethod(doc, '#key-1', 'assertionMethod')).toBe(key1);
  });

  it('resolves relative references in the document', () => {
    expect(findVerificationMethod(doc, `${did}#key-2`, 'authentication')).toBe(key2);
    const relative: DIDDocument = { id: did, verificationMethod: [{ ...key1, id: '#key-1' }], assertionMethod: ['#key-1'] };
    expect(findVerificationMethod(relative, `${did}#key-1`, 'assertionMethod')?.publicKeyMultibase).toBe('z6Mk1');
  });

  it('finds an embedded method', () => {
    expect(findVerificationMethod(doc, `${did}#key-3`, 'assertionMethod')).toBe(embedded);
    expect(findVerificationMethod(doc, '#key-3', 'assertionMethod')).toBe(embedded);
  });

  it('returns undefined when the key is not authorized for the relationship', () => {
    expect(findVerificationMethod(doc, `${did}#key-2`, 'assertionMethod')).toBeUndefined();
    expect(findVerificationMethod(doc, `${did}#key-1`, 'authentication')).toBeUndefined();
    expect(findVerificationMethod(doc, `${did}#key-3`, 'authentication')).toBeUndefined();
    expect(findVerificationMethod(doc, `${did}#key-9`, 'assertionMethod')).toBeUndefined();
  });

  it('never returns a method of another DID', () => {
    const hostile: DIDDocument = {
      id: did,
      verificationMethod: [key1, { ...key1, id: `${MALLORY}#key-1`, controller: MALLORY }],
      assertionMethod: [`${MALLORY}#key-1`, { ...embedded, id: `${MALLORY}#key-3` }],
    };
    expect(findVerificationMethod(hostile, `${MALLORY}#key-1`, 'assertionMethod')).toBeUndefined();
    expect(findVerificationMethod(hostile, `${MALLORY}#key-3`, 'assertionMethod')).toBeUndefined();
    expect(findVerificationMethod(doc, `${did}:agents:bob#key-1`, 'assertionMethod')).toBeUndefined();
  });

  it('refuses ambiguous and dangling ids', () => {
    const duplicate: DIDDocument = { id: did, verificationMethod: [key1, { ...key1, publicKeyMultibase: 'z6MkX' }], assertionMethod: [key1.id] };
    expect(findVerificationMethod(duplicate, key1.id, 'assertionMethod')).toBeUndefined();
    const shadowed: DIDDocument = { id: did, verificationMethod: [key1], assertionMethod: [{ ...key1, publicKeyMultibase: 'z6MkX' }] };
    expect(findVerificationMethod(shadowed, key1.id, 'assertionMethod')).toBeUndefined();
    const dangling: DIDDocument = { id: did, verificationMethod: [key2], assertionMethod: [key1.id] };
    expect(findVerificationMethod(dangling, key1.id, 'assertionMethod')).toBeUndefined();
  });

  it('tolerates malformed documents and kids', () => {
    const bad = [
      { id: did, verificationMethod: 'nope', assertionMethod: [key1.id] },
      { id: did, verificationMethod: [key1], assertionMethod: key1.id },
      { id: did, verificationMethod: [null, 42, key1], assertionMethod: [null, 7, key1.id] },
      { verificationMethod: [key1], assertionMethod: [key1.id] },
      null,
    ] as unknown as DIDDocument[];
    expect(findVerificationMethod(bad[0]!, key1.id, 'assertionMethod')).toBeUndefined();
    expect(findVerificationMethod(bad[1]!, key1.id, 'assertionMethod')).toBeUndefined();
    expect(findVerificationMethod(bad[2]!, key1.id, 'assertionMethod')).toBe(key1);
    expect(findVerificationMethod(bad[3]!, key1.id, 'assertionMethod')).toBeUndefined();
    expect(findVerificationMethod(bad[4]!, key1.id, 'assertionMethod')).toBeUndefined();
    for (const kid of ['', '#', did, `${did}#`, 42 as unknown as string]) {
      expect(findVerificationMethod(doc, kid, 'assertionMethod')).toBeUndefined();
    }
    expect(findVerificationMethod(doc, key1.id, 'capabilityInvocation' as 'assertionMethod')).toBeUndefined();
  });
});
