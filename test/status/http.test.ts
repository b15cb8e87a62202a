// A real node:http server on 127.0.0.1 serving acme's revocation list with an
// ETag, checked through the global fetch (plain HTTP allowed for loopback).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatusChecker } from '../../src/status/check.js';
import { personaResolver } from '../fixtures.js';
import { codes, credentialWith, movableClock, revocationEntry, signedList } from './helpers.js';

describe('status checker over real HTTP', () => {
  let server: Server;
  let url = '';
  let token = '';
  let etag = '"v1"';
  const seen: { ifNoneMatch: string | undefined; status: number }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const ifNoneMatch = request.headers['if-none-match'];
      const status = ifNoneMatch === etag ? 304 : 200;
      seen.push({ ifNoneMatch, status });
      response.writeHead(status, { 'content-type': 'application/vc+jwt', etag, 'cache-control': 'max-age=60' });
      response.end(status === 200 ? token : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status/r-1`;
    token = await signedList({ url, set: [77] });
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches, caches, revalidates with 304, and sees a new version', async () => {
    const time = movableClock();
    const checker = createStatusChecker({ resolver: personaResolver(), clock: time.clock, allowHttpLoopback: true });
    const revoked = credentialWith([revocationEntry(77, url)]);
    const clear = credentialWith([revocationEntry(78, url)]);

    expect(codes(await checker.statusErrors(revoked))).toEqual(['ERR_REVOKED']);
    expect(await checker.statusErrors(clear)).toEqual([]);
    expect(seen).toHaveLength(1);

    time.advance(61_000);
    expect((await checker.check(revoked))[0]).toMatchObject({ outcome: 'revoked', source: 'revalidated' });
    expect(seen).toEqual([
      { ifNoneMatch: undefined, status: 200 },
      { ifNoneMatch: '"v1"', status: 304 },
    ]);

    // acme revokes index 78 too: a new token and ETag.
    token = await signedList({ url, set: [77, 78] });
    etag = '"v2"';
    time.advance(61_000);
    expect(codes(await checker.statusErrors(clear))).toEqual(['ERR_REVOKED']);
    expect(seen.at(-1)).toEqual({ ifNoneMatch: '"v1"', status: 200 });
  });

  it('reports each remote list it relies on, and refetches a list made stale by expire (revocation push)', async () => {
    token = await signedList({ url, set: [77] });
    etag = '"v3"';
    const relied: [string, string][] = [];
    const time = movableClock();
    const checker = createStatusChecker({ resolver: personaResolver(), clock: time.clock, allowHttpLoopback: true, onRemoteList: (u, issuer) => relied.push([u, issuer]) });
    const clear = credentialWith([revocationEntry(78, url)]);
    expect(await checker.statusErrors(clear)).toEqual([]);
    expect(relied).toEqual([[url, clear.issuer]]);
    // The issuer revokes 78; within max-age the cache still says clear, until the notice makes the list stale.
    token = await signedList({ url, set: [77, 78] });
    etag = '"v4"';
    expect((await checker.check(clear))[0]).toMatchObject({ outcome: 'ok', source: 'cache' });
    checker.expire(url);
    const after = seen.length;
    expect((await checker.check(clear))[0]).toMatchObject({ outcome: 'revoked', source: 'network' });
    // A conditional request: the stale entry's ETag was kept.
    expect(seen.slice(after)).toEqual([{ ifNoneMatch: '"v3"', status: 200 }]);
    // Expiring a list never fetched, or twice, is harmless.
    checker.expire('http://127.0.0.1:1/status/unknown');
    checker.expire(url);
    checker.expire(url);
    expect((await checker.check(clear))[0]).toMatchObject({ outcome: 'revoked', source: 'revalidated' });
    expect(relied.every(([u, issuer]) => u === url && issuer === clear.issuer)).toBe(true);
  });

  it('refuses plain HTTP unless loopback HTTP is allowed', async () => {
    const checker = createStatusChecker({ resolver: personaResolver(), clock: movableClock().clock });
    const errors = await checker.statusErrors(credentialWith([revocationEntry(77, url)]));
    expect(errors.map((e) => [e.code, e.reason])).toEqual([['ERR_STATUS_UNAVAILABLE', 'scheme']]);
  });
});
