import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ORDERED_LIST_SIZE, StatusIndexOrders, statusIndexOrder } from '../../src/status/index-order.js';
import { roomIn, STATUS_LIST_SIZE } from '../../src/status/policy.js';

const seedOf = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i * 7) & 0xff);

/** The same shuffle written plainly: a fresh AES-256-CTR keystream read one little-endian word at a time. */
function reference(seed: Uint8Array, size: number): number[] {
  const keystream = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
  const word = () => keystream.update(Buffer.alloc(4)).readUInt32LE(0);
  const order = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const span = i + 1;
    let draw = word() >>> 2;
    while (draw >= 2 ** 30 - (2 ** 30 % span)) draw = word() >>> 2;
    const j = draw % span;
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

describe('status list index order', () => {
  it('is a permutation of the list\'s indexes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 3000 }), (seed, size) => {
        const order = statusIndexOrder(seed, size);
        expect(order).toHaveLength(size);
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
      }),
      { numRuns: 60 },
    );
  });

  it('is the shuffle a plain reading of the keystream gives, so every instance of a fleet draws the same', () => {
    for (const [n, size] of [[1, 8], [2, 1000], [3, 65_536]] as const) expect([...statusIndexOrder(seedOf(n), size)]).toEqual(reference(seedOf(n), size));
    // Pinned: an order that changed between releases would hand out indexes an older instance had already given.
    expect([...statusIndexOrder(new Uint8Array(32), STATUS_LIST_SIZE).subarray(0, 6)]).toEqual(reference(new Uint8Array(32), STATUS_LIST_SIZE).slice(0, 6));
    expect([...statusIndexOrder(new Uint8Array(32), 16)]).toEqual([11, 15, 13, 6, 10, 1, 0, 3, 9, 2, 8, 14, 4, 5, 12, 7]);
  });

  it('depends on the seed, and looks random: the first thousand positions spread over the list, out of order', () => {
    const a = statusIndexOrder(seedOf(1), STATUS_LIST_SIZE);
    const b = statusIndexOrder(seedOf(2), STATUS_LIST_SIZE);
    expect([...a.subarray(0, 1000)]).not.toEqual([...b.subarray(0, 1000)]);
    const first = [...a.subarray(0, 1000)];
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(120_000);
    const rising = first.filter((x, i) => i > 0 && x > first[i - 1]!).length;
    expect(rising).toBeGreaterThan(400);
    expect(rising).toBeLessThan(600);
  });

  it('draws every order of a small list about equally often (unbiased)', () => {
    const counts = new Map<string, number>();
    for (let n = 0; n < 6000; n++) {
      const key = statusIndexOrder(Uint8Array.from({ length: 32 }, (_, i) => (i < 4 ? (n >>> (8 * i)) & 0xff : 0)), 3).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // ~1,000 each; the bound is five standard deviations.
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  it('refuses a seed that is not 32 bytes and a size out of bounds', () => {
    expect(() => statusIndexOrder(new Uint8Array(31), 8)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'seed' }));
    for (const size of [0, -8, 1.5, Number.NaN, MAX_ORDERED_LIST_SIZE + 8]) {
      expect(() => statusIndexOrder(new Uint8Array(32), size)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'size' }));
    }
  });
});

describe('StatusIndexOrders', () => {
  it('keeps the orders of the lists used most recently, and builds again for another seed', () => {
    const orders = new StatusIndexOrders(2);
    const a = orders.get('a', seedOf(1), 64);
    expect(orders.get('a', seedOf(1), 64)).toBe(a);
    const b = orders.get('b', seedOf(2), 64);
    expect(orders.get('a', seedOf(1), 64)).toBe(a); // a is now the most recent
    orders.get('c', seedOf(3), 64); // b goes
    expect(orders.size).toBe(2);
    expect(orders.get('a', seedOf(1), 64)).toBe(a);
    expect(orders.get('b', seedOf(2), 64)).not.toBe(b);
    expect([...orders.get('b', seedOf(2), 64)]).toEqual([...b]);
    const other = orders.get('a', seedOf(9), 64);
    expect(other).not.toBe(a);
    expect([...other]).toEqual([...statusIndexOrder(seedOf(9), 64)]);
  });

  it('refuses to keep none', () => {
    for (const capacity of [0, -1, 1.5]) expect(() => new StatusIndexOrders(capacity)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'capacity' }));
  });
});

describe('roomIn', () => {
  it('leaves a quarter of a list unused', () => {
    expect(roomIn({ size: STATUS_LIST_SIZE }, 0)).toBe(98_304);
    expect(roomIn({ size: STATUS_LIST_SIZE }, 98_303)).toBe(1);
    expect(roomIn({ size: STATUS_LIST_SIZE }, 98_304)).toBe(0);
    expect(roomIn({ size: STATUS_LIST_SIZE }, 131_072)).toBe(0);
    expect(roomIn({ size: 16 }, 0)).toBe(12);
  });
});
