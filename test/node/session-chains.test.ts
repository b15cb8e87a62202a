// The chains behind bank's sessions, kept in memory (node/session-chains): a session found is read from the store
// once and kept until it expires, never past it; one not found (mallory's made-up id) is asked for every time;
// the number kept is bounded.
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
});
