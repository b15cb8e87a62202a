// The in-memory replay cache: first sight, replay, expiry, and failing closed when full.
import { describe, expect, it } from 'vitest';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import { NOW } from '../fixtures.js';

function movable() {
  let now = NOW.getTime();
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('MemoryReplayCache', () => {
  it('answers true on first sight and false on a replay until the key expires', async () => {
    const time = movable();
    const cache = new MemoryReplayCache({ clock: time.clock });
    const until = new Date(NOW.getTime() + 60_000);
    expect(await cache.remember('k', until)).toBe(true);
    expect(await cache.remember('k', until)).toBe(false);
    time.advance(60_000);
    expect(await cache.remember('k', new Date(NOW.getTime() + 120_000))).toBe(true);
  });

  it('sweeps expired keys when full, and fails closed with ERR_RATE_LIMITED when every key is live', async () => {
    const time = movable();
    const cache = new MemoryReplayCache({ maxEntries: 2, clock: time.clock });
    await cache.remember('a', new Date(NOW.getTime() + 1_000));
    await cache.remember('b', new Date(NOW.getTime() + 10_000));
    await expect(cache.remember('c', new Date(NOW.getTime() + 10_000))).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
    time.advance(1_000);
    expect(await cache.remember('c', new Date(NOW.getTime() + 10_000))).toBe(true);
    expect(cache.size).toBe(2);
    // A live key is never forgotten to make room.
    expect(await cache.remember('b', new Date(NOW.getTime() + 10_000))).toBe(false);
  });

  it('checks its arguments', () => {
    const cache = new MemoryReplayCache();
    expect(() => cache.remember('', new Date())).toThrow(RangeError);
    expect(() => cache.remember('k', new Date(Number.NaN))).toThrow(TypeError);
    expect(() => new MemoryReplayCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
