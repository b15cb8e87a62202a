// The digest memo (audit/memo): a ring a chain, indexed by seq, that recalls a digest only for the very hash it
// was written with, forgets what its slot no longer holds, and keeps at most four chains.
import { describe, expect, it } from 'vitest';

import { DigestMemo, MAX_MEMO_DIGESTS } from '../../src/audit/memo.js';

const hash = (n: number) => n.toString(16).padStart(64, '0');
const digest = (n: number) => n.toString(16).padStart(16, 'f');

describe('DigestMemo', () => {
  it('recalls the digest of an entry remembered with that hash, and nothing for another hash, seq or chain', () => {
    const memo = new DigestMemo();
    memo.remember('urn:uuid:a', 7, hash(7), digest(7));
    expect(memo.recall('urn:uuid:a', 7, hash(7))).toBe(digest(7));
    expect(memo.recall('urn:uuid:a', 7, hash(8))).toBeUndefined();
    expect(memo.recall('urn:uuid:a', 8, hash(7))).toBeUndefined();
    expect(memo.recall('urn:uuid:b', 7, hash(7))).toBeUndefined();
    expect(memo.size).toBe(1);
  });

  it('forgets an entry whose slot a later seq took, and takes a seq appended again (after a rollback) as written last', () => {
    const memo = new DigestMemo(10);
    memo.remember('c', 3, hash(3), digest(3));
    memo.remember('c', 13, hash(13), digest(13));
    expect(memo.recall('c', 3, hash(3))).toBeUndefined();
    expect(memo.recall('c', 13, hash(13))).toBe(digest(13));
    memo.remember('c', 13, hash(99), digest(99));
    expect(memo.recall('c', 13, hash(13))).toBeUndefined();
    expect(memo.recall('c', 13, hash(99))).toBe(digest(99));
    expect(memo.size).toBe(1);
  });

  it('remembers nothing it could not give back exactly', () => {
    const memo = new DigestMemo();
    memo.remember('c', 1, 'A'.repeat(64), digest(1));
    memo.remember('c', 2, hash(2).slice(1), digest(2));
    memo.remember('c', 3, hash(3), 'g'.repeat(16));
    memo.remember('c', 0, hash(4), digest(4));
    memo.remember('c', 1.5, hash(5), digest(5));
    expect(memo.size).toBe(0);
  });

  it('keeps four chains, the oldest going first', () => {
    const memo = new DigestMemo(4);
    for (const chain of ['a', 'b', 'c', 'd', 'e']) memo.remember(chain, 1, hash(1), digest(1));
    expect(memo.recall('a', 1, hash(1))).toBeUndefined();
    expect(['b', 'c', 'd', 'e'].map((c) => memo.recall(c, 1, hash(1)))).toEqual(Array(4).fill(digest(1)));
    expect(memo.size).toBe(4);
  });

  it('refuses a capacity out of bounds', () => {
    expect(() => new DigestMemo(0)).toThrow(RangeError);
    expect(() => new DigestMemo(MAX_MEMO_DIGESTS + 1)).toThrow(RangeError);
  });
});
