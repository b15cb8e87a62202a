// The offline document loader: every context Legate uses, nothing fetched, ever.

import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalize } from '../../src/data-integrity/index.js';
import { builtInContextUrls, createDocumentLoader, LEGATE_CONTEXT_URL, STATUS_LIST_CONTEXT_URL } from '../../src/lib/document-loader.js';

/** Fails the test on any network use: fetch, or any TCP socket (what http, https and undici all end in). */
function forbidNetwork() {
  const fetch = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('fetch must not be called'));
  const connect = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => {
    throw new Error('no sockets');
  });
  return () => {
    expect(fetch).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('offline document loader', () => {
  it('holds VC v1/v2, Data Integrity, Multikey, Bitstring Status List and Legate contexts', async () => {
    const urls = builtInContextUrls();
    for (const url of [
      'https://www.w3.org/ns/credentials/v2',
      'https://www.w3.org/2018/credentials/v1',
      'https://w3id.org/security/data-integrity/v1',
      'https://w3id.org/security/data-integrity/v2',
      'https://w3id.org/security/multikey/v1',
      STATUS_LIST_CONTEXT_URL,
      LEGATE_CONTEXT_URL,
    ]) {
      expect(urls).toContain(url);
      const loaded = await createDocumentLoader()(url);
      expect(loaded).toMatchObject({ documentUrl: url, tag: 'static' });
      expect(loaded.document['@context']).toBeTypeOf('object');
    }
    // Issuer-dependent terms would define any term and so defeat safe mode.
    expect(urls).not.toContain('https://www.w3.org/ns/credentials/undefined-terms/v2');
  });

  it('answers an unknown URL with ERR_MALFORMED (unknown-context) and never fetches it', async () => {
    const checkNoNetwork = forbidNetwork();
    await expect(createDocumentLoader()('https://example.com/contexts/v1')).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'unknown-context', claim: '@context' });
    // Through jsonld too, for a context named inside a known one.
    const document = { '@context': ['https://www.w3.org/ns/credentials/v2', 'https://example.com/contexts/v1'], id: 'urn:x:1' };
    await expect(canonicalize(document)).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'unknown-context' });
    const withExtra = {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://example.com/nested/v1'],
      id: 'urn:x:1',
    };
    const extra = { 'https://example.com/nested/v1': { '@context': ['https://example.com/elsewhere/v1'] } };
    await expect(canonicalize(withExtra, { contexts: extra })).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'unknown-context' });
    checkNoNetwork();
  });

  it('adds a caller’s contexts for that loader only, never replacing a built-in one', async () => {
    const url = 'https://example.com/mine/v1';
    const mine = { '@context': { nickname: 'https://example.com/mine#nickname' } };
    const loader = createDocumentLoader({ [url]: mine, [LEGATE_CONTEXT_URL]: { '@context': { owner: 'https://evil.example/owner' } } });
    expect((await loader(url)).document).toEqual(mine);
    expect((await loader(url)).tag).toBeUndefined();
    expect(JSON.stringify((await loader(LEGATE_CONTEXT_URL)).document)).toContain('https://legate.dev/ns#owner');
    await expect(createDocumentLoader()(url)).rejects.toMatchObject({ code: 'ERR_MALFORMED' });
    expect(() => createDocumentLoader({ [url]: 'not a context' })).toThrow(TypeError);

    // An extra context used once is not remembered by jsonld's shared cache.
    const document = { '@context': ['https://www.w3.org/ns/credentials/v2', url], id: 'urn:x:2', nickname: 'n' };
    expect(await canonicalize(document, { contexts: { [url]: mine } })).toContain('https://example.com/mine#nickname');
    await expect(canonicalize(document)).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'unknown-context' });
  });

  it('gives each load its own copy, so nothing can change a built-in context', async () => {
    const loader = createDocumentLoader();
    const first = await loader(LEGATE_CONTEXT_URL);
    (first.document['@context'] as Record<string, unknown>).owner = 'https://evil.example/owner';
    expect(JSON.stringify((await loader(LEGATE_CONTEXT_URL)).document)).not.toContain('evil.example');
  });
});

describe("Legate's context", () => {
  it('defines every term of the credentials Legate issues (safe-mode canonicalization succeeds)', async () => {
    const trustList = {
      '@context': ['https://www.w3.org/ns/credentials/v2', LEGATE_CONTEXT_URL],
      id: 'https://acme.example/registry/trust-list',
      type: ['VerifiableCredential', 'TrustListCredential'],
      issuer: 'did:web:acme.example',
      validFrom: '2026-03-01T00:00:00Z',
      credentialSubject: {
        id: 'did:web:acme.example',
        type: 'TrustList',
        version: 3,
        accredits: [{ issuer: 'did:web:bank.example', capabilities: ['call:billing:*'], maxDelegationDepth: 1, validFrom: '2026-03-01T00:00:00Z', validUntil: '2027-03-01T00:00:00Z' }],
        recognizes: [{ url: 'https://bank.example/registry/trust-list', issuer: 'did:web:bank.example', hops: 1, capabilities: ['read:*'], validUntil: '2027-03-01T00:00:00Z' }],
      },
    };
    const approval = {
      '@context': ['https://www.w3.org/ns/credentials/v2', LEGATE_CONTEXT_URL],
      id: 'urn:uuid:1',
      type: ['VerifiableCredential', 'ApprovalCredential'],
      issuer: 'did:web:acme.example:agents:carol',
      validFrom: '2026-03-01T00:00:00Z',
      validUntil: '2026-03-01T00:05:00Z',
      credentialSchema: { id: 'https://legate.dev/schemas/approval-credential/1.0.0.json', type: 'JsonSchema' },
      credentialSubject: { actionHash: 'a'.repeat(43), action: 'close', resource: 'billing:account', scope: 's', audience: 'did:web:bank.example' },
    };
    const capability = {
      '@context': ['https://www.w3.org/ns/credentials/v2', LEGATE_CONTEXT_URL],
      id: 'urn:uuid:2',
      type: ['VerifiableCredential', 'AgentCapabilityCredential'],
      issuer: { id: 'did:web:acme.example', name: 'Acme' },
      validFrom: '2026-03-01T00:00:00Z',
      credentialStatus: [{ id: 'https://acme.example/status/r-1#7', type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: 'https://acme.example/status/r-1' }],
      credentialSubject: {
        id: 'did:key:z6Mk',
        owner: 'mailto:carol@acme.example',
        agent: { name: 'alice', version: '2.3' },
        capabilities: [
          {
            action: 'call',
            resource: 'billing:refund',
            scope: 'tickets',
            constraints: {
              maxAmount: { value: 100.5, currency: 'USD' },
              budget: { value: 500, currency: 'USD', period: 'P1M' },
              timeWindow: { days: ['Mon', 'Fri'], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' },
              rateLimit: { count: 10, period: 'PT1M' },
              requireApproval: true,
              audience: ['did:web:bank.example'],
            },
          },
        ],
        constraints: { maxAmount: { value: 1000, currency: 'USD' } },
        delegation: { parent: 'urn:uuid:0', depth: 1, maxDepth: 2 },
      },
    };
    for (const document of [trustList, approval, capability]) {
      const nquads = await canonicalize(document);
      expect(nquads).toContain('https://legate.dev/ns#');
    }
    const capabilityNquads = await canonicalize(capability);
    expect(capabilityNquads).toContain('<https://legate.dev/ns#parentCredential> <urn:uuid:0>');
    expect(capabilityNquads).toContain('<https://legate.dev/ns#audience> <did:web:bank.example>');
    expect(capabilityNquads).toContain('"P1M"^^<http://www.w3.org/2001/XMLSchema#duration>');
  });

  it('protects its terms: a later context cannot redefine them', async () => {
    const url = 'https://example.com/override/v1';
    const document = { '@context': ['https://www.w3.org/ns/credentials/v2', LEGATE_CONTEXT_URL, url], id: 'urn:x:3', owner: 'mailto:x@example.com' };
    await expect(canonicalize(document, { contexts: { [url]: { '@context': { owner: 'https://evil.example/owner' } } } })).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
      reason: 'jsonld',
    });
  });
});
