import { describe, expect, it } from 'vitest';

import { AuditHeads } from '../../src/store/sql/audit-heads.js';

const head = (seq: number) => ({ seq, hash: seq.toString(16).padStart(64, 'a') });

describe('AuditHeads', () => {
  it('remembers, replaces, forgets and clears each chain’s head', () => {
    const heads = new AuditHeads();
    heads.set('urn:uuid:a', head(1));
    heads.set('urn:uuid:a', head(2));
    heads.set('urn:uuid:b', head(7));
    expect(heads.get('urn:uuid:a')).toEqual(head(2));
    heads.forget('urn:uuid:a');
    expect(heads.get('urn:uuid:a')).toBeUndefined();
    expect(heads.get('urn:uuid:b')).toEqual(head(7));
    heads.clear();
    expect(heads.size).toBe(0);
  });

  it('keeps at most 64 chains, forgetting the oldest first; a chain already kept moves on without forgetting another', () => {
    const heads = new AuditHeads();
    for (let i = 0; i < 64; i++) heads.set(`urn:uuid:${i}`, head(1));
    heads.set('urn:uuid:0', head(2));
    expect(heads.size).toBe(64);
    expect(heads.get('urn:uuid:1')).toEqual(head(1));
    heads.set('urn:uuid:64', head(1));
    expect(heads.size).toBe(64);
    // The oldest inserted (chain 0, replaced in place, keeps its first place) goes first.
    expect(heads.get('urn:uuid:0')).toBeUndefined();
    expect(heads.get('urn:uuid:64')).toEqual(head(1));
    expect(heads.get('urn:uuid:1')).toEqual(head(1));
  });
});
