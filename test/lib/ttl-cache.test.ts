// The bounded LRU with TTLs: least recently used evicted first (a read
// counts as a use, also of the entry read last), entries gone at their TTL.
import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../src/lib/ttl-cache.js';

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
