// The chains behind bank's sessions, kept in memory (node/session-chains): a session found is read from the store
// once and kept until it expires, never past it; one not found (mallory's made-up id) is asked for every time;
// sessions with the same chains share one kept copy; what is kept is bounded by sessions and by characters.
import { describe, expect, it } from 'vitest';
import { keptSessionChains } from '../../src/node/session-chains.js';
import type { SessionRecord } from '../../src/store/types.js';
import { NOW } from '../fixtures.js';

function sessions(records: SessionRecord[]) {
  const reads: string[] = [];
  const rows = new Map(records.map((r) => [r.id, r]));
  return { reads, rows, store: { getSession: (id: string) => (reads.push(id), Promise.resolve(rows.get(id))) } };
}

const inMinutes = (m: number) => new Date(NOW.getTime() + m * 60_000).toISOString();

describe('keptSessionChains', () => {
  it('reads a session once and keeps its chains, frozen, until it expires', async () => {
    const { reads, rows, store } = sessions([{ id: 's1', chains: { leaf: ['leaf.jwt', 'root.jwt'] }, expiresAt: inMinutes(5) }]);
    let now = NOW.getTime();
    const chainsOf = keptSessionChains(store, () => new Date(now));
    const first = await chainsOf('s1');
    expect(first).toEqual({ leaf: ['leaf.jwt', 'root.jwt'] });
    expect(await chainsOf('s1')).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first!.leaf)).toBe(true);
    expect(reads).toEqual(['s1']);
    // Past its expiry the store is asked again (and a sweep may have deleted it).
    now += 5 * 60_000;
    rows.delete('s1');
    expect(await chainsOf('s1')).toBeUndefined();
    expect(reads).toEqual(['s1', 's1']);
  });

  it('never keeps a session it did not find, nor one already expired', async () => {
    const { reads, rows, store } = sessions([{ id: 'old', chains: { leaf: ['x'] }, expiresAt: inMinutes(-1) }]);
    const chainsOf = keptSessionChains(store, () => NOW);
    for (let i = 0; i < 2; i++) expect(await chainsOf('mallory')).toBeUndefined();
    rows.set('mallory', { id: 'mallory', chains: { leaf: ['m'] }, expiresAt: inMinutes(5) });
    expect(await chainsOf('mallory')).toEqual({ leaf: ['m'] });
    for (let i = 0; i < 2; i++) await chainsOf('old');
    expect(reads).toEqual(['mallory', 'mallory', 'mallory', 'old', 'old']);
  });

  it('keeps at most 4,096 sessions, the oldest dropped first', async () => {
    const records = Array.from({ length: 4097 }, (_, i) => ({ id: `s${i}`, chains: { leaf: [`t${i}`] }, expiresAt: inMinutes(5) }));
    const { reads, store } = sessions(records);
    const chainsOf = keptSessionChains(store, () => NOW);
    for (const r of records) await chainsOf(r.id);
    reads.length = 0;
    await chainsOf('s4096');
    await chainsOf('s1');
    await chainsOf('s0');
    expect(reads).toEqual(['s0']);
  });

  it('shares one kept copy between sessions with the same chains, read as separate copies', async () => {
    // Each row holds its own copy of the text, as a store read gives.
    const copy = (text: string) => [...text].join('');
    const records = ['s1', 's2'].map((id) => ({ id, chains: { leaf: [copy('leaf.jwt'), copy('root.jwt')] }, expiresAt: inMinutes(5) }));
    const other = { id: 's3', chains: { leaf: ['leaf.jwt', 'other-root.jwt'] }, expiresAt: inMinutes(5) };
    const { store } = sessions([...records, other]);
    const chainsOf = keptSessionChains(store, () => NOW);
    const first = await chainsOf('s1');
    expect(await chainsOf('s2')).toBe(first);
    expect(await chainsOf('s3')).not.toBe(first);
    expect(await chainsOf('s3')).toEqual(other.chains);
  });

  it('keeps at most 4 Mi characters of distinct chains, dropping the oldest sessions until the new ones fit', async () => {
    const big = (c: string) => ({ leaf: [c.repeat(1536 * 1024)] }); // 1.5 Mi characters
    const [a, b, c] = [big('a'), big('b'), big('c')];
    const { reads, store } = sessions([
      { id: 's1', chains: a, expiresAt: inMinutes(5) },
      { id: 's2', chains: { leaf: [...a.leaf] }, expiresAt: inMinutes(5) },
      { id: 's3', chains: b, expiresAt: inMinutes(5) },
      { id: 's4', chains: c, expiresAt: inMinutes(5) },
      { id: 'huge', chains: { leaf: ['h'.repeat(4 * 1024 * 1024 + 1)] }, expiresAt: inMinutes(5) },
    ]);
    const chainsOf = keptSessionChains(store, () => NOW);
    for (const id of ['s1', 's2', 's3']) await chainsOf(id);
    // a (shared by s1 and s2) and b: 3 Mi. c makes 4.5: s1 goes, a stays for s2; then s2 goes, and a with it.
    await chainsOf('s4');
    reads.length = 0;
    for (const id of ['s3', 's4', 's2', 's1']) await chainsOf(id);
    expect(reads).toEqual(['s2', 's1']);
    // Chains over the whole bound are never kept.
    reads.length = 0;
    for (let i = 0; i < 2; i++) await chainsOf('huge');
    expect(reads).toEqual(['huge', 'huge']);
  });
});
