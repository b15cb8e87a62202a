// The list loader's synchronous cache peek: what `load` would answer from a
// fresh cache entry, and nothing else (not stale, not expired, never when a
// local source must be asked first, unless its URLs are named and this is
// not one of them).
import { describe, expect, it } from 'vitest';
import { createListLoader } from '../../src/lib/list-loader.js';
import type { FetchLike } from '../../src/lib/http.js';
import { createHttpClient } from '../../src/lib/http-client.js';

const URL_A = 'https://acme.example/lists/a';
const kind = { what: 'test list', claim: 'list', unavailableCode: 'ERR_STATUS_UNAVAILABLE', accept: 'application/json' } as const;

function loader(options: { local?: (url: string) => Promise<string | undefined>; localUrl?: (url: string) => boolean } = {}) {
  let now = 1_000_000;
  let fetches = 0;
  const fetch: FetchLike = () => {
    fetches++;
    return Promise.resolve(new Response(`body-${fetches}`, { headers: { 'content-type': 'application/json', 'cache-control': 'max-age=60' } }));
  };
  const subject = createListLoader<string>({
    kind,
    http: createHttpClient({ fetch }),
    local: options.local,
    localUrl: options.localUrl,
    allowHttpLoopback: false,
    timeoutMs: 1000,
    maxBytes: 1024,
    clock: () => new Date(now),
    maxEntries: 4,
    defaultTtlMs: 300_000,
    lifetime: () => ({ ttlMs: undefined, validUntil: undefined }),
    accept: (body) => Promise.resolve(body),
  });
  return { subject, advance: (ms: number) => (now += ms), fetches: () => fetches };
}

describe('list loader: peek', () => {
  it('answers nothing before a load, then the fresh list without fetching, then nothing once stale', async () => {
    const { subject, advance, fetches } = loader();
    expect(subject.peek(URL_A)).toBeUndefined();
    expect(await subject.load(URL_A)).toEqual({ value: 'body-1', source: 'network' });
    expect(subject.peek(URL_A)).toEqual({ value: 'body-1', source: 'cache' });
    expect(fetches()).toBe(1);
    advance(60_000); // max-age=60 has run out
    expect(subject.peek(URL_A)).toBeUndefined();
    expect(await subject.load(URL_A)).toEqual({ value: 'body-2', source: 'network' });
  });

  it('never answers for a loader with a local source, which must be asked first', async () => {
    const { subject } = loader({ local: () => Promise.resolve(undefined) });
    await subject.load(URL_A);
    expect(subject.peek(URL_A)).toBeUndefined();
  });

  it('asks a local source only for the URLs it names: the others load from the network and peek from the cache', async () => {
    const OWN = 'https://bank.example/status/1';
    const asked: string[] = [];
    const { subject, fetches } = loader({
      local: (url) => (asked.push(url), Promise.resolve(url === OWN ? 'own-list' : undefined)),
      localUrl: (url) => url.startsWith('https://bank.example/status/'),
    });
    expect(await subject.load(URL_A)).toEqual({ value: 'body-1', source: 'network' });
    expect(subject.peek(URL_A)).toEqual({ value: 'body-1', source: 'cache' });
    expect(await subject.load(URL_A)).toEqual({ value: 'body-1', source: 'cache' });
    expect(await subject.load(OWN)).toEqual({ value: 'own-list', source: 'local' });
    expect(subject.peek(OWN)).toBeUndefined();
    expect(asked).toEqual([OWN]);
    expect(fetches()).toBe(1);
  });

  it('refuses a list URL that is not https before any lookup, cached or not', async () => {
    const { subject, fetches } = loader();
    const refused = await subject.load('http://acme.example/lists/a');
    expect('error' in refused && (refused.error as { reason?: string }).reason).toBe('scheme');
    expect(fetches()).toBe(0);
  });
});
