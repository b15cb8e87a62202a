// dpopFetch: DPoP for the MCP SDK's client transport (SEP-1932), against a fake server behind the injected fetch.
import { describe, expect, it } from 'vitest';
import { dpopFetch } from '../../src/mcp/dpop-fetch.js';
import { generateDpopKey, verifyDpopProof } from '../../src/oauth/dpop.js';

const URL_ = 'https://mcp.bank.example/mcp?session=1';
const key = generateDpopKey();

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  proof: string | null;
  body: string;
  other: string | null;
}

/** A server that wants nonce `n1` (then `n2` once `rotate` is set), as a resource server (401) or token endpoint (400). */
function server(options: { as?: 'rs' | 'token'; nonces?: string[] } = {}) {
  const seen: Seen[] = [];
  let current = 0;
  const nonces = options.nonces ?? ['n1'];
  const send = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    seen.push({
      url: String(url),
      method: init?.method ?? 'GET',
      authorization: headers.get('authorization'),
      proof: headers.get('dpop'),
      body: typeof init?.body === 'string' ? init.body : new TextDecoder().decode(init?.body as ArrayBuffer | undefined),
      other: headers.get('x-other'),
    });
    const proof = await verifyDpopProof(headers.get('dpop') ?? undefined, { htm: init?.method ?? 'GET', htu: String(url), accessToken: 'at-1', expectedJkt: key.jkt });
    const wanted = nonces[current]!;
    if (proof.nonce !== wanted) {
      if (options.as === 'token') return Response.json({ error: 'use_dpop_nonce' }, { status: 400, headers: { 'DPoP-Nonce': wanted } });
      return new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="fresh nonce"', 'DPoP-Nonce': wanted } });
    }
    return Response.json({ ok: true, nonce: proof.nonce });
  };
  return { seen, send, rotate: () => (current += 1) };
}

describe('dpopFetch', () => {
  it('sends Authorization: DPoP and a fresh proof bound to method, URL and token; retries once with the server’s nonce, then keeps it', async () => {
    const rs = server();
    const fetchWithDpop = dpopFetch({ token: 'at-1', key, fetch: rs.send });
    const response = await fetchWithDpop(URL_, { method: 'POST', body: '{"jsonrpc":"2.0"}', headers: { 'x-other': 'kept' } });
    expect(await response.json()).toEqual({ ok: true, nonce: 'n1' });
    expect(rs.seen).toHaveLength(2);
    for (const s of rs.seen) expect(s).toMatchObject({ authorization: 'DPoP at-1', method: 'POST', body: '{"jsonrpc":"2.0"}', other: 'kept' });
    // A new proof (new jti) for the retry, and for every request after it, with the kept nonce from the start.
    await fetchWithDpop(URL_, { method: 'POST', body: '{}' });
    expect(rs.seen).toHaveLength(3);
    expect(new Set(rs.seen.map((s) => s.proof)).size).toBe(3);
  });

  it('retries once only: a server that keeps asking gets its second answer back', async () => {
    let calls = 0;
    const stubborn = () => {
      calls += 1;
      return Promise.resolve(new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': `n${calls}` } }));
    };
    const response = await dpopFetch({ token: 'at-1', key, fetch: stubborn })(URL_, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(calls).toBe(2);
  });

  it('handles a token endpoint’s 400 use_dpop_nonce too, leaving the body readable', async () => {
    const as = server({ as: 'token' });
    const response = await dpopFetch({ token: 'at-1', key, fetch: as.send })(URL_, { method: 'POST', body: 'grant_type=x' });
    expect(response.status).toBe(200);
    expect(as.seen).toHaveLength(2);
  });

  it('does not retry other refusals, and reads the token per request (a renewed token is used)', async () => {
    const seen: (string | null)[] = [];
    let current = 'at-1';
    const refuse = (_url: string | URL, init?: RequestInit) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return Promise.resolve(new Response('{"error":"invalid_token"}', { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"', 'DPoP-Nonce': 'n9' } }));
    };
    const fetchWithDpop = dpopFetch({ token: () => current, key, fetch: refuse });
    expect((await fetchWithDpop(URL_)).status).toBe(401);
    current = 'at-2';
    await fetchWithDpop(URL_);
    expect(seen).toEqual(['DPoP at-1', 'DPoP at-2']);
  });

  it('takes a Request as input, body and headers included', async () => {
    const rs = server();
    const request = new Request(URL_, { method: 'POST', body: '{"a":1}', headers: { 'x-other': 'from-request' } });
    const response = await dpopFetch({ token: 'at-1', key, fetch: rs.send })(request);
    expect(response.status).toBe(200);
    expect(rs.seen.map((s) => [s.body, s.other])).toEqual([
      ['{"a":1}', 'from-request'],
      ['{"a":1}', 'from-request'],
    ]);
  });

  it('refuses a missing key or token', () => {
    expect(() => dpopFetch({ token: '', key })).toThrow(TypeError);
    expect(() => dpopFetch({ token: 'at-1', key: undefined as never })).toThrow(TypeError);
  });
});
