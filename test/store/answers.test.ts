// The answers kept for AuthZEN retries (store/ports/idempotency, SQLite): a key is taken once while its
// answer lives, concurrent takers get false, an expired answer is replaced, and a sweep deletes it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';

const T0 = '2026-03-02T10:00:00.000Z';
const T1 = '2026-03-03T10:00:00.000Z';
const T2 = '2026-03-04T10:00:00.000Z';
const answer = (hash: string, expiresAt = T1) => ({ key: 'authzen:did:key:z6Mk:r-1', requestHash: hash, answer: `{"h":"${hash}"}`, expiresAt });

let store: Store;
beforeEach(async () => {
  store = await openSqliteStore(':memory:');
});
afterEach(() => store.close());

describe('stored answers', () => {
  it('takes a key once while its answer lives; concurrent takers lose', async () => {
    const results = await Promise.all([store.putAnswer(answer('a'), T0), store.putAnswer(answer('b'), T0)]);
    expect(results.sort()).toEqual([false, true]);
    const kept = await store.getAnswer('authzen:did:key:z6Mk:r-1', T0);
    expect(kept?.answer).toBe(`{"h":"${kept?.requestHash}"}`);
    expect(await store.getAnswer('authzen:did:key:z6Mk:r-2', T0)).toBeUndefined();
  });

  it('hides an expired answer, lets its key be taken again, and a sweep deletes it', async () => {
    expect(await store.putAnswer(answer('a'), T0)).toBe(true);
    expect(await store.getAnswer('authzen:did:key:z6Mk:r-1', T1)).toBeUndefined();
    expect(await store.putAnswer(answer('b', T2), T1)).toBe(true);
    expect((await store.getAnswer('authzen:did:key:z6Mk:r-1', T1))?.requestHash).toBe('b');
    expect(await store.sweepAnswers(T1)).toBe(0);
    expect(await store.sweepAnswers(T2)).toBe(1);
    expect(await store.getAnswer('authzen:did:key:z6Mk:r-1', T0)).toBeUndefined();
  });
});
