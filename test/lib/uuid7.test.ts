// Time-ordered credential ids (RFC 9562 §5.7): the time in the first 48 bits, version 7, variant 10, random bits after.
import { describe, expect, it } from 'vitest';
import { messageId } from '../../src/handshake/message.js';
import { uuidV7Urn } from '../../src/lib/uuid7.js';
import { frozenClock, NOW, timeOrderedIdAt } from '../fixtures.js';

const SHAPE = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7Urn', () => {
  it('puts the milliseconds first, as RFC 9562 Appendix A.6 does for 2022-02-22T19:22:22Z', () => {
    // The RFC's example: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F; its time is 0x017F22E279B0.
    const id = uuidV7Urn(Date.parse('2022-02-22T19:22:22.000Z'));
    expect(id).toMatch(SHAPE);
    expect(id.slice('urn:uuid:'.length, 'urn:uuid:'.length + 13)).toBe('017f22e2-79b0');
    expect(uuidV7Urn(0).slice(9, 22)).toBe('00000000-0000');
    expect(uuidV7Urn(2 ** 48 - 1).slice(9, 22)).toBe('ffffffff-ffff');
  });

  it('orders ids of later milliseconds after earlier ones, and draws 74 random bits within one', () => {
    const ms = Date.parse('2026-03-02T10:00:00.000Z');
    const ids = Array.from({ length: 1000 }, (_, i) => uuidV7Urn(ms + i));
    expect([...ids].sort()).toEqual(ids);
    const same = new Set(Array.from({ length: 1000 }, () => uuidV7Urn(ms)));
    expect(same.size).toBe(1000);
    for (const id of same) expect(id).toMatch(SHAPE);
  });

  it('refuses a time it cannot hold', () => {
    for (const ms of [-1, 2 ** 48, 1.5, Number.NaN]) expect(() => uuidV7Urn(ms)).toThrow(RangeError);
  });

  it('makes handshake message ids, on the sender\'s clock', () => {
    expect(messageId(frozenClock())).toMatch(timeOrderedIdAt(NOW));
    expect(messageId()).toMatch(SHAPE);
  });
});
