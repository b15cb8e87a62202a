import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createList,
  decodeList,
  encodeList,
  getBit,
  MIN_LIST_BITS,
  randomListIndex,
  setBit,
} from '../../src/status/bitstring.js';
import { thrown } from './helpers.js';

const gzipBase64url = (bytes: Uint8Array) => gzipSync(bytes).toString('base64url');

describe('bitstring: bit order and bounds', () => {
  it('creates lists of at least the spec minimum, 131,072 entries', async () => {
    expect(createList().length).toBe(16_384);
    expect(createList(MIN_LIST_BITS * 2).length).toBe(32_768);
    expect(() => createList(MIN_LIST_BITS - 8)).toThrow(RangeError);
    expect(() => createList(MIN_LIST_BITS + 1)).toThrow(RangeError);
    expect((await thrown(() => encodeList(new Uint8Array(1024)))).code).toBe('ERR_STATUS_LIST_LENGTH');
  });

  it('puts bit 0 in the most significant bit of byte 0, and the last bit in the least significant of the last byte', () => {
    const bits = createList();
    setBit(bits, 0, true);
    expect(bits[0]).toBe(0x80);
    setBit(bits, 7, true);
    expect(bits[0]).toBe(0x81);
    setBit(bits, MIN_LIST_BITS - 1, true);
    expect(bits[bits.length - 1]).toBe(0x01);
    setBit(bits, 0, false);
    expect(bits[0]).toBe(0x01);
    expect(getBit(bits, 0)).toBe(false);
    expect(getBit(bits, 7)).toBe(true);
    expect(getBit(bits, MIN_LIST_BITS - 1)).toBe(true);
  });

  it('refuses indexes outside the list', () => {
    const bits = createList();
    expect(() => getBit(bits, MIN_LIST_BITS)).toThrow(RangeError);
    expect(() => getBit(bits, -1)).toThrow(RangeError);
    expect(() => setBit(bits, 1.5, true)).toThrow(RangeError);
  });

  it('allocates random indexes inside the list', () => {
    for (let i = 0; i < 100; i++) {
      const index = randomListIndex();
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(MIN_LIST_BITS);
    }
  });
});

describe('bitstring: encode and decode', () => {
  it('encodes as multibase base64url (u) of GZIP', () => {
    const encoded = encodeList(createList());
    expect(encoded.startsWith('uH4sI')).toBe(true);
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
  });

  it('round-trips both ends of the list', () => {
    const bits = createList();
    setBit(bits, 0, true);
    setBit(bits, MIN_LIST_BITS - 1, true);
    const decoded = decodeList(encodeList(bits));
    expect(decoded.length).toBe(bits.length);
    expect(decoded[0]).toBe(0x80);
    expect(getBit(decoded, 0)).toBe(true);
    expect(getBit(decoded, 1)).toBe(false);
    expect(getBit(decoded, MIN_LIST_BITS - 2)).toBe(false);
    expect(getBit(decoded, MIN_LIST_BITS - 1)).toBe(true);
  });

  it('round-trips any set of indexes (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: MIN_LIST_BITS - 1 }), { maxLength: 64 }), (indexes) => {
        const bits = createList();
        for (const i of indexes) setBit(bits, i, true);
        const decoded = decodeList(encodeList(bits));
        for (const i of indexes) expect(getBit(decoded, i)).toBe(true);
        const set = [...decoded].reduce((n, byte) => n + byte.toString(2).replace(/0/g, '').length, 0);
        expect(set).toBe(indexes.length);
      }),
      { numRuns: 50 },
    );
  });

  it('accepts the older form without the multibase prefix', () => {
    const bits = createList();
    setBit(bits, 42, true);
    expect(getBit(decodeList(gzipBase64url(bits)), 42)).toBe(true);
  });
});

describe('bitstring: rejections', () => {
  it('rejects a gzip bomb without inflating it: ERR_INPUT_TOO_LARGE', async () => {
    // 64 MiB of zeros gzip to about 64 KiB.
    const bomb = `u${gzipBase64url(new Uint8Array(64 * 1024 * 1024))}`;
    expect(bomb.length).toBeLessThan(100_000);
    const error = await thrown(() => decodeList(bomb));
    expect(error.code).toBe('ERR_INPUT_TOO_LARGE');
    expect(error.reason).toBe('inflated');
    // A smaller bound applies the same way to an honest but larger list.
    const big = encodeList(createList(MIN_LIST_BITS * 4));
    expect((await thrown(() => decodeList(big, { maxInflatedBytes: 32_768 }))).code).toBe('ERR_INPUT_TOO_LARGE');
    expect(decodeList(big, { maxInflatedBytes: 65_536 }).length).toBe(65_536);
  });

  it('rejects a compressed list over maxCompressedBytes before decoding: ERR_INPUT_TOO_LARGE', async () => {
    const encoded = encodeList(createList());
    const error = await thrown(() => decodeList(encoded, { maxCompressedBytes: 16 }));
    expect(error.code).toBe('ERR_INPUT_TOO_LARGE');
    expect(error.reason).toBe('compressed');
  });

  it('rejects truncated GZIP: ERR_MALFORMED', async () => {
    const compressed = gzipSync(createList());
    const truncated = `u${compressed.subarray(0, compressed.length - 8).toString('base64url')}`;
    expect((await thrown(() => decodeList(truncated))).code).toBe('ERR_MALFORMED');
  });

  it('rejects data that is not GZIP or not base64url: ERR_MALFORMED', async () => {
    expect((await thrown(() => decodeList(`u${Buffer.from('not gzip at all').toString('base64url')}`))).code).toBe('ERR_MALFORMED');
    expect((await thrown(() => decodeList('u!!!!'))).code).toBe('ERR_MALFORMED');
    expect((await thrown(() => decodeList('uH4sI=='))).code).toBe('ERR_MALFORMED');
    expect((await thrown(() => decodeList(''))).code).toBe('ERR_MALFORMED');
    expect((await thrown(() => decodeList(42 as unknown as string))).code).toBe('ERR_MALFORMED');
  });

  it('rejects a list shorter than 131,072 entries: ERR_STATUS_LIST_LENGTH', async () => {
    expect((await thrown(() => decodeList(`u${gzipBase64url(new Uint8Array(16_383))}`))).code).toBe('ERR_STATUS_LIST_LENGTH');
    expect(decodeList(`u${gzipBase64url(new Uint8Array(16_384))}`).length).toBe(16_384);
  });

  it('refuses invalid limits', () => {
    expect(() => decodeList(encodeList(createList()), { maxInflatedBytes: 0 })).toThrow(RangeError);
  });
});
