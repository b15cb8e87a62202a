// acme -> alice: alice's credential carries entries in acme's revocation list
// (r-1) and suspension list (s-1); mallory tries to speak for acme's lists.
import type { Resolvable } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { createList, encodeList, MIN_LIST_BITS } from '../../src/status/bitstring.js';
import { createStatusChecker, type StatusCheckerOptions } from '../../src/status/check.js';
import { acme, aliceSubject, mallory, NOW, personaResolver } from '../fixtures.js';
import {
  codes,
  credentialWith,
  DAY_MS,
  listServer,
  movableClock,
  noFetch,
  REVOCATION_URL,
  revocationEntry,
  signedList,
  SUSPENSION_URL,
  suspensionEntry,
  type Route,
} from './helpers.js';

const MINUTE = 60_000;
const decodePayload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

function setup(routes: Record<string, Route>, options: Partial<StatusCheckerOptions> = {}) {
  const time = movableClock();
  const server = listServer(routes);
  const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock: time.clock, ...options });
  return { checker, server, time };
}

describe('status checker: outcomes', () => {
  it('passes a credential whose bits are clear, and one with no status at all', async () => {
    const { checker } = setup({
      [REVOCATION_URL]: { body: await signedList({ set: [1, 3] }) },
      [SUSPENSION_URL]: { body: await signedList({ url: SUSPENSION_URL, purpose: 'suspension', set: [1] }) },
    });
    const credential = credentialWith([revocationEntry(2), suspensionEntry(2)]);
    expect(await checker.statusErrors(credential)).toEqual([]);
    expect((await checker.check(credential)).map((r) => [r.outcome, r.source])).toEqual([
      ['ok', 'cache'],
      ['ok', 'cache'],
    ]);
    expect(await checker.statusErrors({ issuer: acme.did })).toEqual([]);
  });

  it('reports a set revocation bit: ERR_REVOKED', async () => {
    const { checker } = setup({ [REVOCATION_URL]: { body: await signedList({ set: [94023] }) } });
    const [result] = await checker.check(credentialWith([revocationEntry(94023)]));
    expect(result).toMatchObject({ outcome: 'revoked', source: 'network', entry: { index: 94023, purpose: 'revocation' } });
    expect(result!.error!.code).toBe('ERR_REVOKED');
  });

  it('reports a set suspension bit: ERR_SUSPENDED', async () => {
    const { checker } = setup({ [SUSPENSION_URL]: { body: await signedList({ url: SUSPENSION_URL, purpose: 'suspension', set: [7] }) } });
    expect(codes(await checker.statusErrors(credentialWith([suspensionEntry(7)])))).toEqual(['ERR_SUSPENDED']);
  });

  it('checks a real credential after verifying it', async () => {
    const { jwt } = await issueCapabilityCredential({
      issuer: acme.did,
      signer: acme.signer,
      subject: aliceSubject(),
      credentialStatus: [revocationEntry(500), suspensionEntry(500)],
      clock: () => NOW,
    });
    const verified = await verifyCapabilityCredential(jwt, { resolver: personaResolver(), clock: () => NOW });
    const { checker } = setup({
      [REVOCATION_URL]: { body: await signedList({ set: [500] }) },
      [SUSPENSION_URL]: { body: await signedList({ url: SUSPENSION_URL, purpose: 'suspension' }) },
    });
    expect(codes(await checker.statusErrors(verified.credential!))).toEqual(['ERR_REVOKED']);
  });

  it('rejects an entry whose purpose the list does not serve: ERR_STATUS_PURPOSE', async () => {
    const { checker } = setup({ [REVOCATION_URL]: { body: await signedList() } });
    const errors = await checker.statusErrors(credentialWith([suspensionEntry(1, REVOCATION_URL)]));
    expect(codes(errors)).toEqual(['ERR_STATUS_PURPOSE']);
    expect(errors[0]!.reason).toBe('mismatch');
  });

  it('rejects a list signed by someone other than the credential issuer: ERR_STATUS_ISSUER', async () => {
    // mallory signs a list with nothing revoked and serves it at acme's URL.
    const { checker } = setup({ [REVOCATION_URL]: { body: await signedList({ issuer: mallory.did, signer: mallory.signer }) } });
    expect(codes(await checker.statusErrors(credentialWith([revocationEntry(1)])))).toEqual(['ERR_STATUS_ISSUER']);
    expect(codes(await checker.statusErrors({ credentialStatus: [revocationEntry(1)] }))).toEqual(['ERR_STATUS_ISSUER']);
  });

  it('rejects an index beyond the list: ERR_STATUS_LIST_LENGTH', async () => {
    const { checker } = setup({ [REVOCATION_URL]: { body: await signedList() } });
    const errors = await checker.statusErrors(credentialWith([revocationEntry(MIN_LIST_BITS)]));
    expect(codes(errors)).toEqual(['ERR_STATUS_LIST_LENGTH']);
    expect(errors[0]!.reason).toBe('range');
    expect(await checker.statusErrors(credentialWith([revocationEntry(MIN_LIST_BITS - 1)]))).toEqual([]);
  });

  it('reports malformed entries and unsupported purposes, whatever the policy', async () => {
    const { checker } = setup({}, { fetch: noFetch, onUnavailable: 'ignore' });
    const bad = [{ ...revocationEntry(1), statusListIndex: 'x' }, { ...revocationEntry(1), statusPurpose: 'message' }];
    expect(codes(await checker.statusErrors(credentialWith(bad)))).toEqual(['ERR_MALFORMED', 'ERR_STATUS_PURPOSE']);
    expect((await checker.check(credentialWith(bad))).map((r) => r.outcome)).toEqual(['invalid', 'invalid']);
  });

  it('accepts a StatusList2021Credential-typed list', async () => {
    const payload = decodePayload(await signedList({ set: [9] }));
    payload.type = ['VerifiableCredential', 'StatusList2021Credential'];
    (payload.credentialSubject as Record<string, unknown>).type = 'StatusList2021';
    const { checker } = setup({ [REVOCATION_URL]: { body: await signCompactJws(payload, acme.signer, { typ: 'vc+jwt' }) } });
    const legacy = { ...revocationEntry(9), type: 'StatusList2021Entry' };
    expect(codes(await checker.statusErrors(credentialWith([legacy, revocationEntry(10)])))).toEqual(['ERR_REVOKED']);
  });
});

describe('status checker: unavailable lists fail closed unless the policy ignores them', () => {
  const credential = credentialWith([revocationEntry(1)]);

  it('an unreachable server: ERR_STATUS_UNAVAILABLE; with ignore, no error but still reported', async () => {
    const failing = () => Promise.reject(new TypeError('fetch failed'));
    const closed = setup({}, { fetch: failing });
    const errors = await closed.checker.statusErrors(credential);
    expect(codes(errors)).toEqual(['ERR_STATUS_UNAVAILABLE']);
    expect(errors[0]!.reason).toBe('network');
    const open = setup({}, { fetch: failing, onUnavailable: 'ignore' });
    expect(await open.checker.statusErrors(credential)).toEqual([]);
    const [result] = await open.checker.check(credential);
    expect(result!.outcome).toBe('unavailable');
    expect(result!.error!.code).toBe('ERR_STATUS_UNAVAILABLE');
  });

  it('HTTP 500 and 404: ERR_STATUS_UNAVAILABLE with the status as reason', async () => {
    const { checker } = setup({ [REVOCATION_URL]: { body: 'oops', status: 500 } });
    expect((await checker.statusErrors(credential)).map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'http-500']]);
    const missing = setup({});
    expect((await missing.checker.statusErrors(credential)).map((e) => e.reason)).toEqual(['http-404']);
  });

  it('a timeout: ERR_STATUS_UNAVAILABLE', async () => {
    const { checker } = setup({}, { fetch: () => new Promise<Response>(() => undefined), timeoutMs: 50 });
    expect((await checker.statusErrors(credential)).map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'timeout']]);
  });

  it('a tampered list signature: ERR_STATUS_UNAVAILABLE with reason ERR_SIGNATURE_INVALID', async () => {
    const [h, p, s] = (await signedList({ set: [1] })).split('.') as [string, string, string];
    const signature = Buffer.from(s, 'base64url');
    signature[5]! ^= 0x01;
    const { checker } = setup({ [REVOCATION_URL]: { body: `${h}.${p}.${signature.toString('base64url')}` } });
    const errors = await checker.statusErrors(credential);
    expect(errors.map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'ERR_SIGNATURE_INVALID']]);
  });

  it('an expired list: ERR_STATUS_UNAVAILABLE with reason ERR_EXPIRED', async () => {
    const { checker, time } = setup({ [REVOCATION_URL]: { body: await signedList() } });
    time.advance(2 * DAY_MS);
    expect((await checker.statusErrors(credential)).map((e) => e.reason)).toEqual(['ERR_EXPIRED']);
  });

  it('a list published under another URL: ERR_STATUS_UNAVAILABLE', async () => {
    const { checker } = setup({ [REVOCATION_URL]: { body: await signedList({ url: 'https://acme.example/status/r-2' }) } });
    expect((await checker.statusErrors(credential)).map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'ERR_MALFORMED']]);
  });

  it('a list that is not a vc+jwt, or an http URL: ERR_STATUS_UNAVAILABLE', async () => {
    const { checker } = setup({ [REVOCATION_URL]: { body: '{"not":"signed"}', contentType: 'application/json' } });
    expect((await checker.statusErrors(credential)).map((e) => e.reason)).toEqual(['ERR_MALFORMED']);
    const plain = setup({}, { fetch: noFetch });
    const errors = await plain.checker.statusErrors(credentialWith([revocationEntry(1, 'http://acme.example/status/r-1')]));
    expect(errors.map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'scheme']]);
  });

  it('a download over maxDownloadBytes, by Content-Length or streamed: ERR_INPUT_TOO_LARGE', async () => {
    const body = await signedList();
    const declared = setup({ [REVOCATION_URL]: { body, headers: { 'content-length': '5000000' } } }, { maxDownloadBytes: 4096 });
    expect(codes(await declared.checker.statusErrors(credential))).toEqual(['ERR_INPUT_TOO_LARGE']);
    // No Content-Length: an endless stream of chunks, cut off by counting.
    let pulled = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(new Uint8Array(1024).fill(0x41));
        },
      });
    const streamed = setup({ [REVOCATION_URL]: { body: endless } }, { maxDownloadBytes: 8192 });
    const [result] = await streamed.checker.check(credential);
    expect(result).toMatchObject({ outcome: 'unavailable', error: { code: 'ERR_INPUT_TOO_LARGE', reason: 'download' } });
    expect(pulled).toBeLessThan(20);
    // With ignore, a size failure is an unavailable status like any other.
    const ignored = setup({ [REVOCATION_URL]: { body: endless } }, { maxDownloadBytes: 8192, onUnavailable: 'ignore' });
    expect(await ignored.checker.statusErrors(credential)).toEqual([]);
  });

  it('a list inflating over maxInflatedBytes: ERR_INPUT_TOO_LARGE', async () => {
    const body = await signedList({ bits: createList(MIN_LIST_BITS * 2) });
    const { checker } = setup({ [REVOCATION_URL]: { body } }, { maxInflatedBytes: MIN_LIST_BITS / 8 });
    const errors = await checker.statusErrors(credential);
    expect(errors.map((e) => [e.code, e.reason])).toEqual([['ERR_INPUT_TOO_LARGE', 'inflated']]);
  });

  it('a signed list with corrupt GZIP: ERR_STATUS_UNAVAILABLE with reason ERR_MALFORMED', async () => {
    const payload = decodePayload(await signedList());
    const encoded = encodeList(createList());
    (payload.credentialSubject as Record<string, unknown>).encodedList = encoded.slice(0, encoded.length - 12);
    const { checker } = setup({ [REVOCATION_URL]: { body: await signCompactJws(payload, acme.signer, { typ: 'vc+jwt' }) } });
    expect((await checker.statusErrors(credential)).map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'ERR_MALFORMED']]);
  });

  it('refuses invalid options', () => {
    const resolver = personaResolver();
    expect(() => createStatusChecker({ resolver, maxInflatedBytes: 1024 })).toThrow(RangeError);
    expect(() => createStatusChecker({ resolver, onUnavailable: 'maybe' as 'fail' })).toThrow(RangeError);
    expect(() => createStatusChecker({ resolver, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createStatusChecker({ resolver, fetch: 'no' as unknown as typeof fetch })).toThrow(TypeError);
  });
});

describe('status checker: caching', () => {
  const credential = credentialWith([revocationEntry(42)]);

  it('does not see a revocation before the list ttl, and sees it after (within a verifier bound above the ttl)', async () => {
    const { checker, server, time } = setup({ [REVOCATION_URL]: { body: await signedList({ ttlMs: 10 * MINUTE }) } }, { maxStatusAgeSeconds: 3600 });
    expect(await checker.statusErrors(credential)).toEqual([]);
    // acme revokes: the published list changes.
    server.routes[REVOCATION_URL] = { body: await signedList({ ttlMs: 10 * MINUTE, set: [42] }) };
    time.advance(9 * MINUTE);
    expect(await checker.statusErrors(credential)).toEqual([]);
    expect(server.requests).toHaveLength(1);
    time.advance(2 * MINUTE);
    expect(codes(await checker.statusErrors(credential))).toEqual(['ERR_REVOKED']);
    expect(server.requests).toHaveLength(2);
  });

  it('defaults to five minutes when the list states no ttl', async () => {
    const payload = decodePayload(await signedList());
    delete (payload.credentialSubject as Record<string, unknown>).ttl;
    const { checker, server, time } = setup({ [REVOCATION_URL]: { body: await signCompactJws(payload, acme.signer, { typ: 'vc+jwt' }) } });
    await checker.check(credential);
    time.advance(4 * MINUTE);
    await checker.check(credential);
    expect(server.requests).toHaveLength(1);
    time.advance(2 * MINUTE);
    await checker.check(credential);
    expect(server.requests).toHaveLength(2);
  });

  it('revalidates with If-None-Match after the smaller of ttl and max-age, and keeps the bits on 304', async () => {
    const body = await signedList({ ttlMs: 10 * MINUTE, set: [42] });
    const { checker, server, time } = setup({ [REVOCATION_URL]: { body, etag: '"v1"', cacheControl: 'public, max-age=60' } });
    expect(codes(await checker.statusErrors(credential))).toEqual(['ERR_REVOKED']);
    time.advance(30_000);
    expect((await checker.check(credential))[0]!.source).toBe('cache');
    time.advance(31_000);
    const [revalidated] = await checker.check(credential);
    expect(revalidated).toMatchObject({ outcome: 'revoked', source: 'revalidated' });
    expect(server.requests.map((r) => r.ifNoneMatch)).toEqual([null, '"v1"']);
    expect(server.statuses).toEqual([200, 304]);
    // The 304 extended freshness by another max-age.
    time.advance(59_000);
    expect((await checker.check(credential))[0]!.source).toBe('cache');
    expect(server.requests).toHaveLength(2);
    // A new version of the list: 200 with a new ETag.
    server.routes[REVOCATION_URL] = { body: await signedList({ ttlMs: 10 * MINUTE }), etag: '"v2"', cacheControl: 'max-age=60' };
    time.advance(2_000);
    expect(await checker.statusErrors(credential)).toEqual([]);
    expect(server.statuses).toEqual([200, 304, 200]);
  });

  it('refetches every time under Cache-Control: no-store', async () => {
    const { checker, server } = setup({ [REVOCATION_URL]: { body: await signedList(), etag: '"v1"', cacheControl: 'no-store' } });
    for (let i = 0; i < 3; i++) await checker.check(credential);
    expect(server.requests.map((r) => r.ifNoneMatch)).toEqual([null, null, null]);
  });

  it('shares one fetch between concurrent checks of one list', async () => {
    const { checker, server } = setup({ [REVOCATION_URL]: { body: await signedList() } });
    await Promise.all([checker.check(credential), checker.check(credential), checker.check(credentialWith([revocationEntry(1)]))]);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps a list over cacheMaxListBytes compressed, and still answers from the cache', async () => {
    const last = MIN_LIST_BITS * 4 - 1;
    const body = await signedList({ bits: createList(MIN_LIST_BITS * 4), set: [last] });
    const { checker, server } = setup({ [REVOCATION_URL]: { body } }, { cacheMaxListBytes: MIN_LIST_BITS / 8 });
    const big = credentialWith([revocationEntry(last), revocationEntry(0)]);
    expect(codes(await checker.statusErrors(big))).toEqual(['ERR_REVOKED']);
    expect((await checker.check(big)).map((r) => [r.outcome, r.source])).toEqual([
      ['revoked', 'cache'],
      ['ok', 'cache'],
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('does not cache failures', async () => {
    const { checker, server } = setup({ [REVOCATION_URL]: { body: 'down', status: 503 } });
    await checker.check(credential);
    server.routes[REVOCATION_URL] = { body: await signedList() };
    expect(await checker.statusErrors(credential)).toEqual([]);
    expect(server.statuses).toEqual([503, 200]);
  });
});

describe('status checker: local lists', () => {
  it('consults local first, with no fetch, and sees a change at once', async () => {
    let token = await signedList();
    let resolutions = 0;
    const personas = personaResolver();
    const resolver: Resolvable = { resolve: (did) => (resolutions++, personas.resolve(did)) };
    const asked: string[] = [];
    const checker = createStatusChecker({
      resolver,
      fetch: noFetch,
      clock: () => NOW,
      local: (url) => (asked.push(url), Promise.resolve(url === REVOCATION_URL ? token : undefined)),
    });
    const credential = credentialWith([revocationEntry(42)]);
    expect((await checker.check(credential))[0]).toMatchObject({ outcome: 'ok', source: 'local' });
    expect(await checker.statusErrors(credential)).toEqual([]);
    // The same token is verified once.
    expect(resolutions).toBe(1);
    token = await signedList({ set: [42] });
    expect(codes(await checker.statusErrors(credential))).toEqual(['ERR_REVOKED']);
    expect(resolutions).toBe(2);
    expect(asked).toEqual([REVOCATION_URL, REVOCATION_URL, REVOCATION_URL]);
  });

  it('falls through to fetch when local has no such list; a failing local is unavailable', async () => {
    const { server, time } = setup({ [REVOCATION_URL]: { body: await signedList() } });
    const checker = createStatusChecker({
      resolver: personaResolver(),
      fetch: server.fetch,
      clock: time.clock,
      local: () => Promise.resolve(undefined),
    });
    expect((await checker.check(credentialWith([revocationEntry(1)])))[0]!.source).toBe('network');
    const broken = createStatusChecker({ resolver: personaResolver(), fetch: noFetch, local: () => Promise.reject(new Error('db')) });
    const errors = await broken.statusErrors(credentialWith([revocationEntry(1)]));
    expect(errors.map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'local']]);
  });

  it('asks local only for the URLs localUrl names: another issuer’s list is fetched once, then judged from the cache', async () => {
    const { server, time } = setup({ [REVOCATION_URL]: { body: await signedList() } });
    const asked: string[] = [];
    const checker = createStatusChecker({
      resolver: personaResolver(),
      fetch: server.fetch,
      clock: time.clock,
      local: (url) => (asked.push(url), Promise.resolve(undefined)),
      localUrl: (url) => url.startsWith('https://bank.example/status/'),
    });
    const credential = credentialWith([revocationEntry(1)]);
    expect((await checker.check(credential))[0]).toMatchObject({ outcome: 'ok', source: 'network' });
    expect((await checker.check(credential))[0]).toMatchObject({ outcome: 'ok', source: 'cache' });
    expect(asked).toEqual([]);
    expect(server.statuses).toEqual([200]);
    expect(() => createStatusChecker({ resolver: personaResolver(), localUrl: 'bank' as never })).toThrow(TypeError);
  });
});
