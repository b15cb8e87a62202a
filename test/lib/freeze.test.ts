// lib/freeze: what a cache shares is frozen all the way down, its bytes left as they are.
import { describe, expect, it } from 'vitest';
import { deepFrozen } from '../../src/lib/freeze.js';

describe('deepFrozen', () => {
  it('freezes objects and arrays at every depth, leaves typed arrays and primitives, and returns its argument', () => {
    const value = { a: { b: [1, { c: 'd' }] }, bytes: new Uint8Array([1, 2]), n: 1 };
    expect(deepFrozen(value)).toBe(value);
    expect([Object.isFrozen(value), Object.isFrozen(value.a), Object.isFrozen(value.a.b), Object.isFrozen(value.a.b[1])]).toEqual([true, true, true, true]);
    expect(Object.isFrozen(value.bytes)).toBe(false);
    value.bytes[0] = 9;
    expect(value.bytes[0]).toBe(9);
    expect(() => {
      (value.a.b[1] as { c: string }).c = 'changed';
    }).toThrow(TypeError);
    expect(deepFrozen('text')).toBe('text');
    expect(deepFrozen(null)).toBeNull();
  });
});
