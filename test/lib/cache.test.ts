// The one cache (lib/cache): a bounded LRU (least recently used evicted
// first; a read counts as a use, also of the entry read last), values gone
// at their TTL, failures at their cooldown, concurrent loads sharing one
// loader call, time from an injected clock. The keys are alice's, bob's and
// mallory's DIDs.
import { describe, expect, it } from 'vitest';
import { Cache } from '../../src/lib/cache.js';
import { TtlCache } from '../../src/lib/ttl-cache.js';

const ALICE = 'did:web:alice.example';
const BOB = 'did:web:bob.example';
const MALLORY = 'did:web:mallory.example';

function frozenClock(start = Date.parse('2025-06-01T00:00:00Z')) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('TtlCache', () => {
  it('evicts the least recently used, reads included', () => {
    const cache = new TtlCache<string, number>({ maxEntries: 3, ttlMs: 60_000 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recent: b is the oldest
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBe(3); // order now: a, d, c
    expect(cache.get('c')).toBe(3);
    cache.set('e', 5);
    expect(cache.get('a')).toBeUndefined();
    expect([cache.get('d'), cache.get('c'), cache.get('e')]).toEqual([4, 3, 5]);
  });

  it('forgets entries at their TTL, a deleted newest entry included', () => {
    const { clock, advance } = frozenClock();
    const cache = new TtlCache<string, number>({ maxEntries: 2, ttlMs: 1000, clock });
    cache.set('a', 1);
    cache.set('b', 2, 5000);
    advance(1000);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    cache.delete('b');
    expect(cache.get('b')).toBeUndefined();
    cache.set('c', 3);
    cache.set('b', 4);
    cache.set('d', 5);
    expect([cache.get('c'), cache.get('b'), cache.get('d')]).toEqual([undefined, 4, 5]);
    expect(cache.size).toBe(2);
  });
});

/** A value and whether it is a failure, as a resolution's `error` says. */
type Result = { ok: true; n: number } | { ok: false; error: string };

describe('Cache', () => {
  const failed = (r: Result) => !r.ok;

  it('keeps a loaded value for the TTL and a failed one for the cooldown, by the injected clock', async () => {
    const { clock, advance } = frozenClock();
    const cache = new Cache<string, Result>({ maxEntries: 10, ttlMs: 60_000, cooldownMs: 5_000, failed, clock });
    let loads = 0;
    const good = () => Promise.resolve<Result>({ ok: true, n: ++loads });
    const bad = () => Promise.resolve<Result>({ ok: false, error: `notFound ${++loads}` });
    expect(await cache.load(ALICE, good)).toEqual({ ok: true, n: 1 });
    expect(await cache.load(MALLORY, bad)).toEqual({ ok: false, error: 'notFound 2' });
    advance(4_999);
    expect(await cache.load(MALLORY, bad)).toEqual({ ok: false, error: 'notFound 2' });
    expect(cache.get(MALLORY)).toEqual({ ok: false, error: 'notFound 2' });
    advance(1); // the cooldown is over: the failure is tried again; the value is still fresh
    expect(await cache.load(MALLORY, bad)).toEqual({ ok: false, error: 'notFound 3' });
    expect(await cache.load(ALICE, good)).toEqual({ ok: true, n: 1 });
    advance(55_000);
    expect(await cache.load(ALICE, good)).toEqual({ ok: true, n: 4 });
  });

  it('get at a time the caller read: an entry past its TTL at that time is gone, whatever the clock says', async () => {
    const { clock } = frozenClock();
    const cache = new Cache<string, Result>({ maxEntries: 10, ttlMs: 60_000, clock });
    await cache.load(ALICE, () => Promise.resolve<Result>({ ok: true, n: 1 }));
    const now = clock().getTime();
    expect(cache.get(ALICE, now + 59_999)).toEqual({ ok: true, n: 1 });
    expect(cache.get(ALICE, now + 60_000)).toBeUndefined();
    // Dropped on the way, so the clock's own (earlier) time finds nothing either.
    expect(cache.get(ALICE)).toBeUndefined();
  });

  it('remembers a rejected load for the cooldown and rethrows it, then loads again', async () => {
    const { clock, advance } = frozenClock();
    const cache = new Cache<string, number>({ maxEntries: 10, ttlMs: 60_000, cooldownMs: 1_000, clock });
    let loads = 0;
    const failing = () => {
      loads++;
      return Promise.reject(new Error('unreachable'));
    };
    await expect(cache.load(MALLORY, failing)).rejects.toThrow('unreachable');
    await expect(cache.load(MALLORY, failing)).rejects.toThrow('unreachable');
    expect(loads).toBe(1);
    expect(cache.get(MALLORY)).toBeUndefined();
    advance(1_000);
    expect(await cache.load(MALLORY, () => Promise.resolve(7))).toBe(7);
  });

  it('without a cooldown, failures are not kept', async () => {
    const cache = new Cache<string, Result>({ maxEntries: 10, ttlMs: 60_000, failed });
    let loads = 0;
    const bad = () => Promise.resolve<Result>({ ok: false, error: String(++loads) });
    await cache.load(MALLORY, bad);
    await cache.load(MALLORY, bad);
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('concurrent loads of one key share one loader call; other keys load on their own', async () => {
    const cache = new Cache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loader = (key: string) => async () => {
      started.push(key);
      await gate;
      return `doc of ${key}`;
    };
    const pending = [cache.load(ALICE, loader(ALICE)), cache.load(ALICE, loader(ALICE)), cache.load(BOB, loader(BOB))];
    release();
    expect(await Promise.all(pending)).toEqual([`doc of ${ALICE}`, `doc of ${ALICE}`, `doc of ${BOB}`]);
    expect(started).toEqual([ALICE, BOB]);
  });

  it('a loader that throws at once rejects every waiting caller, and the next load calls it again', async () => {
    const cache = new Cache<string, number>({ maxEntries: 10, ttlMs: 60_000 });
    let calls = 0;
    const throwing = (): Promise<number> => {
      calls++;
      throw new Error('bad input');
    };
    const [first, second] = [cache.load(MALLORY, throwing), cache.load(MALLORY, throwing)];
    await expect(first).rejects.toThrow('bad input');
    await expect(second).rejects.toThrow('bad input');
    expect(calls).toBe(1);
    await expect(cache.load(MALLORY, throwing)).rejects.toThrow('bad input');
    expect(calls).toBe(2);
  });

  it('holds at most maxEntries, failures included, evicting the least recently used', async () => {
    const cache = new Cache<string, Result>({ maxEntries: 2, ttlMs: 60_000, cooldownMs: 60_000, failed });
    await cache.load(ALICE, () => Promise.resolve({ ok: true, n: 1 }));
    await cache.load(MALLORY, () => Promise.resolve({ ok: false, error: 'notFound' }));
    cache.get(ALICE);
    await cache.load(BOB, () => Promise.resolve({ ok: true, n: 2 }));
    expect(cache.size).toBe(2);
    expect(cache.get(MALLORY)).toBeUndefined();
    expect([cache.get(ALICE), cache.get(BOB)]).toEqual([{ ok: true, n: 1 }, { ok: true, n: 2 }]);
  });

  it('a value not kept (ttl 0) replaces the old one rather than leaving it', () => {
    const cache = new Cache<string, number>({ maxEntries: 2, ttlMs: 60_000 });
    cache.set(ALICE, 1);
    cache.set(ALICE, 2, 0);
    expect(cache.get(ALICE)).toBeUndefined();
  });
});
