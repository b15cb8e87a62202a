/**
 * @module test/store/audit-contract
 *
 * The audit part of the store contract, run by `storeContract` for every
 * backend: entries round-trip verbatim (packed, sealed in blocks or not) and list by `seq` with range, time and
 * limit filters; `seq` must be exactly last + 1 (`ERR_CONFLICT` otherwise,
 * also for concurrent writers racing for the same number); appends roll back
 * with their transaction; checkpoints only move forward.
 */

import { describe, expect, it } from 'vitest';

import type { AuditCheckpointRecord, AuditEntryRecord, Store } from '../../src/store/types.js';

const GENESIS = '0'.repeat(64);
const CHAIN = 'urn:uuid:chain-a';

/** A record whose fields are recognizable; the store never interprets the text. */
function entry(seq: number, at = `2025-06-${String(seq).padStart(2, '0')}T00:00:00.000Z`, chain = CHAIN): AuditEntryRecord {
  return {
    chain,
    seq,
    at,
    // Unicode and escapes, so no encoding can silently mangle the text.
    entry: `{"at":"${at}","note":"é ✓ \\"q\\"","seq":${seq}}`,
    hash: seq.toString(16).padStart(64, 'a'),
    prevHash: seq === 1 ? GENESIS : (seq - 1).toString(16).padStart(64, 'a'),
  };
}

function checkpoint(seq: number): AuditCheckpointRecord {
  return { seq, hash: seq.toString(16).padStart(64, 'a'), at: `2025-07-${String(seq).padStart(2, '0')}T00:00:00.000Z`, token: `h.p${seq}.s` };
}

/** Defines the audit tests; `store` returns the current test's fresh store. */
export function auditContract(store: () => Store): void {
  describe('audit log', () => {
    it('is empty in an empty store', async () => {
      expect(await store().lastAuditEntry(CHAIN)).toBeUndefined();
      expect(await store().listAuditEntries()).toEqual([]);
      expect(await store().listAuditCheckpoints()).toEqual([]);
      expect(await store().lastAuditCheckpoint()).toBeUndefined();
    });

    it('appends entries that round-trip verbatim, ordered by seq', async () => {
      for (let seq = 1; seq <= 5; seq++) await store().appendAuditEntry(entry(seq));
      expect(await store().lastAuditEntry(CHAIN)).toEqual(entry(5));
      expect(await store().listAuditEntries()).toEqual([1, 2, 3, 4, 5].map((n) => entry(n)));
    });

    it('gives back entries it keeps packed byte for byte, signed actions sharing one session token included', async () => {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const session = `${b64({ alg: 'EdDSA' })}.${b64({ iss: 'did:web:bank.example', note: 'é ✓'.repeat(80) })}.${'s'.repeat(86)}`;
      const action = (seq: number) => `${b64({ alg: 'EdDSA' })}.${b64({ jti: `urn:uuid:${seq}`, session })}.${'t'.repeat(86)}`;
      const signed = (seq: number): AuditEntryRecord => {
        const { entry: _, ...rest } = entry(seq);
        const text = `{"at":"${rest.at}","chainId":"${CHAIN}","prevHash":"${rest.prevHash}","seq":${seq},"signedAction":"${action(seq)}","type":"action"}`;
        return { ...rest, entry: text };
      };
      for (let seq = 1; seq <= 3; seq++) await store().appendAuditEntry(signed(seq));
      await store().appendAuditEntry(entry(4));
      // A signed action at a seq that is not next: refused (on PostgreSQL by the one statement that writes its body too), nothing written.
      await expect(store().appendAuditEntry({ ...signed(6), seq: 6 })).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'not_next' });
      await expect(store().transaction((tx) => tx.appendAuditEntry({ ...signed(4), seq: 4 }))).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'not_next' });
      expect(await store().listAuditEntries()).toEqual([signed(1), signed(2), signed(3), entry(4)]);
      expect((await store().listAuditChains()).map((head) => head.entry)).toEqual([entry(4).entry]);
      await store().transaction(async (tx) => expect((await tx.lastAuditEntry(CHAIN))?.entry).toBe(entry(4).entry));
    });

    it('reads a chain head as an append needs it: seq and hash, and the text only of an entry stored plain', async () => {
      expect(await store().auditHead(CHAIN)).toBeUndefined();
      await store().appendAuditEntry(entry(1));
      expect((await store().lastAuditEntry(CHAIN))?.packed).toBe(true);
      // Packed: no text (a packed entry is never a chain-close), and nothing unpacked to say so; appended by this
      // process, so remembered rather than read (store/sql/audit-heads).
      expect(await store().auditHead(CHAIN)).toEqual({ seq: 1, hash: entry(1).hash, remembered: true });
      // A chain-close stays plain text: its text comes with the head.
      const close: AuditEntryRecord = { ...entry(2), entry: '{"seq":2,"type":"chain-close"}' };
      await store().appendAuditEntry(close);
      expect((await store().lastAuditEntry(CHAIN))?.packed).toBeUndefined();
      expect(await store().auditHead(CHAIN)).toEqual({ seq: 2, hash: close.hash, entry: close.entry });
      expect(await store().auditHead('urn:uuid:chain-b')).toBeUndefined();
      await store().transaction(async (tx) => expect((await tx.auditHead(CHAIN))?.seq).toBe(2));
      await expect(store().auditHead('')).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'chain' });
    });

    it('refuses an entry whose prevHash is not the hash of the entry before it, writing nothing (a stale remembered head never forks the chain)', async () => {
      await store().appendAuditEntry(entry(1));
      const forked = { ...entry(2), prevHash: 'f'.repeat(64) };
      await expect(store().appendAuditEntry(forked)).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'not_next' });
      await expect(store().transaction((tx) => tx.appendAuditEntry(forked))).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'not_next' });
      // A refused append forgets the remembered head: the next read is the store's.
      expect(await store().auditHead(CHAIN)).toEqual({ seq: 1, hash: entry(1).hash });
      expect(await store().listAuditEntries()).toEqual([entry(1)]);
      await store().appendAuditEntry(entry(2));
      expect(await store().listAuditEntries()).toEqual([entry(1), entry(2)]);
    });

    it('forgets the heads it remembered when a transaction rolls back', async () => {
      await store().appendAuditEntry(entry(1));
      await expect(
        store().transaction(async (tx) => {
          await tx.appendAuditEntry(entry(2));
          expect(await tx.auditHead(CHAIN)).toEqual({ seq: 2, hash: entry(2).hash, remembered: true });
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect(await store().auditHead(CHAIN)).toEqual({ seq: 1, hash: entry(1).hash });
      await store().appendAuditEntry(entry(2));
      expect(await store().auditHead(CHAIN)).toEqual({ seq: 2, hash: entry(2).hash, remembered: true });
    });

    it('prunes a chain before a seq, and then the attachments no entry names', async () => {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const signed = (seq: number, n: number): AuditEntryRecord => {
        const token = `${b64({ alg: 'EdDSA' })}.${b64({ n, pad: 'x'.repeat(300) })}.${'s'.repeat(86)}`;
        const action = `${b64({ alg: 'EdDSA' })}.${b64({ seq, session: token })}.${'t'.repeat(86)}`;
        return { ...entry(seq), entry: `{"seq":${seq},"signedAction":"${action}","type":"action"}` };
      };
      for (const [seq, n] of [[1, 1], [2, 1], [3, 2], [4, 2]] as const) await store().appendAuditEntry(signed(seq, n));
      await store().appendAuditEntry(entry(1, undefined, 'urn:uuid:chain-b'));
      expect(await store().pruneAuditEntries(CHAIN, 3)).toBe(2);
      expect(await store().pruneAuditAttachments()).toBe(1);
      expect(await store().pruneAuditAttachments()).toBe(0);
      expect(await store().listAuditEntries({ chain: CHAIN })).toEqual([signed(3, 2), signed(4, 2)]);
      expect(await store().listAuditEntries({ chain: 'urn:uuid:chain-b' })).toHaveLength(1);
      for (const before of [0, -1, 1.5]) await expect(store().pruneAuditEntries(CHAIN, before)).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'beforeSeq' });
      await expect(store().pruneAuditEntries('', 3)).rejects.toMatchObject({ code: 'ERR_STORE' });
    });

    it('seals entries into blocks up to a seq, never a head, each text given back; pruning drops only whole blocks', async () => {
      const other = 'urn:uuid:chain-b';
      for (let seq = 1; seq <= 300; seq++) await store().appendAuditEntry(entry(seq));
      await store().appendAuditEntry(entry(1, undefined, other));
      const before = await store().listAuditEntries({ chain: CHAIN });
      // A block a call: up to the seq asked for, at most 128 entries, never the chain's head (300).
      expect(await store().sealAuditEntries(CHAIN, 10)).toBe(10);
      expect(await store().sealAuditEntries(CHAIN, 10)).toBe(0);
      // Two sealers at once cut two blocks one after the other, never overlapping ones.
      const pair = await Promise.all([store().sealAuditEntries(CHAIN, 1000), store().sealAuditEntries(CHAIN, 1000)]);
      expect(pair).toEqual([128, 128]);
      expect(await store().sealAuditEntries(CHAIN, 1000)).toBe(33);
      expect(await store().sealAuditEntries(CHAIN, 1000)).toBe(0);
      expect(await store().sealAuditEntries(other, 1)).toBe(0);
      expect(await store().listAuditEntries({ chain: CHAIN })).toEqual(before);
      expect(await store().listAuditEntries({ chain: CHAIN, fromSeq: 120, toSeq: 140 })).toEqual(before.slice(119, 140));
      expect(await store().listAuditEntries({ fromSeq: 139, toSeq: 139 })).toEqual([entry(139)]);
      expect(await store().lastAuditEntry(CHAIN)).toEqual(entry(300));
      expect(await store().listAuditChains()).toEqual([entry(300), entry(1, undefined, other)]);
      // Appends go on after a seal, and the old head is sealed once it is no longer one.
      await store().appendAuditEntry(entry(301));
      expect(await store().sealAuditEntries(CHAIN, 1000)).toBe(1);
      // Blocks [1..10], [11..138], [139..266], [267..299], [300]: before 200, two blocks go whole, the one holding 200 stays.
      expect(await store().pruneAuditEntries(CHAIN, 200)).toBe(199);
      expect(await store().listAuditEntries({ chain: CHAIN })).toEqual([...before.slice(199), entry(301)]);
      await store().appendAuditEntry(entry(302));
      expect(await store().sealAuditEntries(CHAIN, 1000)).toBe(1);
      expect(await store().listAuditEntries({ chain: CHAIN, fromSeq: 299 })).toEqual([entry(299), entry(300), entry(301), entry(302)]);
      for (const through of [-1, 1.5, Number.NaN]) await expect(store().sealAuditEntries(CHAIN, through)).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'throughSeq' });
      await expect(store().sealAuditEntries('', 3)).rejects.toMatchObject({ code: 'ERR_STORE' });
    });

    it('closes a block early at its byte bound (MAX_BLOCK_BYTES), however few entries it holds', async () => {
      // Four entries of ~400 KB and a head: two fit a block of at most 1 MB, the third does not.
      const big = (seq: number): AuditEntryRecord => ({ ...entry(seq), entry: `{"note":"${String(seq).repeat(400 * 1024)}","seq":${seq}}` });
      for (let seq = 1; seq <= 5; seq++) await store().appendAuditEntry(big(seq));
      expect(await store().sealAuditEntries(CHAIN, 5)).toBe(2);
      expect(await store().sealAuditEntries(CHAIN, 5)).toBe(2);
      expect(await store().sealAuditEntries(CHAIN, 5)).toBe(0);
      expect((await store().listAuditEntries({ chain: CHAIN })).map((e) => e.entry)).toEqual([1, 2, 3, 4, 5].map((n) => big(n).entry));
    });

    it('reads a listing by time that interleaves the sealed blocks of many chains', async () => {
      const chains = Array.from({ length: 20 }, (_, i) => `urn:uuid:chain-${String(i).padStart(2, '0')}`);
      for (let seq = 1; seq <= 3; seq++) for (const chain of chains) await store().appendAuditEntry(entry(seq, undefined, chain));
      const before = await store().listAuditEntries();
      for (const chain of chains) expect(await store().sealAuditEntries(chain, 3)).toBe(2);
      // More chains than a read keeps blocks open: rows alternate between them, each read back whole.
      expect(await store().listAuditEntries()).toEqual(before);
      expect((await store().listAuditEntries({ limit: 25 })).map((e) => e.entry)).toEqual(before.slice(0, 25).map((e) => e.entry));
    });

    it('rolls a seal back with its transaction: the entries stay light and seal again later', async () => {
      for (let seq = 1; seq <= 5; seq++) await store().appendAuditEntry(entry(seq));
      const boom = new Error('crash after the seal');
      await expect(
        store().transaction(async (tx) => {
          expect(await tx.sealAuditEntries(CHAIN, 5)).toBe(4);
          expect((await tx.listAuditEntries({ chain: CHAIN })).map((e) => e.entry)).toEqual([1, 2, 3, 4, 5].map((n) => entry(n).entry));
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store().sealAuditEntries(CHAIN, 5)).toBe(4);
      expect(await store().listAuditEntries()).toEqual([1, 2, 3, 4, 5].map((n) => entry(n)));
    });

    it('filters by seq range, time and limit', async () => {
      for (let seq = 1; seq <= 6; seq++) await store().appendAuditEntry(entry(seq));
      const seqs = async (query: Parameters<Store['listAuditEntries']>[0]) => (await store().listAuditEntries(query)).map((e) => e.seq);
      expect(await seqs({ fromSeq: 2, toSeq: 4 })).toEqual([2, 3, 4]);
      expect(await seqs({ fromSeq: 5 })).toEqual([5, 6]);
      expect(await seqs({ toSeq: 2 })).toEqual([1, 2]);
      expect(await seqs({ since: '2025-06-04T00:00:00.000Z' })).toEqual([4, 5, 6]);
      expect(await seqs({ since: '2025-06-03T12:00:00.000Z', limit: 2 })).toEqual([4, 5]);
      expect(await seqs({ fromSeq: 2, limit: 1 })).toEqual([2]);
      expect(await seqs({ fromSeq: 7 })).toEqual([]);
      await expect(store().listAuditEntries({ limit: 0 })).rejects.toMatchObject({ code: 'ERR_STORE' });
    });

    it('lists the seqs and hashes of a stretch of one chain, sealed entries included, and refuses bounds that are no integers', async () => {
      const other = 'urn:uuid:chain-b';
      for (let seq = 1; seq <= 12; seq++) await store().appendAuditEntry(entry(seq));
      await store().appendAuditEntry(entry(1, undefined, other));
      expect(await store().sealAuditEntries(CHAIN, 6)).toBe(6);
      const hashes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, hash: entry(from + i).hash }));
      expect(await store().listAuditHashes(CHAIN, 4, 9)).toEqual(hashes(4, 9));
      expect(await store().listAuditHashes(CHAIN, 1, 100)).toEqual(hashes(1, 12));
      expect(await store().listAuditHashes(other, 1, 12)).toEqual([{ seq: 1, hash: entry(1).hash }]);
      expect(await store().listAuditHashes(CHAIN, 13, 20)).toEqual([]);
      await expect(store().listAuditHashes(CHAIN, 1.5, 3)).rejects.toMatchObject({ code: 'ERR_STORE' });
      await expect(store().listAuditHashes('', 1, 3)).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'chain' });
    });

    it('refuses any seq but last + 1 with ERR_CONFLICT, leaving the log unchanged', async () => {
      await expect(store().appendAuditEntry(entry(2))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      await store().appendAuditEntry(entry(1));
      await store().appendAuditEntry(entry(2));
      for (const seq of [0, -1, 1, 2, 4, 2.5]) {
        await expect(store().appendAuditEntry({ ...entry(3), seq })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      }
      // An entry that is no text is refused before anything is packed or written.
      await expect(store().appendAuditEntry({ ...entry(3), entry: 42 as unknown as string })).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'entry' });
      expect((await store().listAuditEntries()).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('lets exactly one of two racing writers take a seq', async () => {
      await store().appendAuditEntry(entry(1));
      const results = await Promise.allSettled([store().appendAuditEntry(entry(2)), store().appendAuditEntry({ ...entry(2), hash: 'f'.repeat(64) })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toMatchObject([{ reason: { code: 'ERR_CONFLICT' } }]);
      expect(await store().listAuditEntries()).toHaveLength(2);
    });

    it('rolls an append back with its transaction, and sees its own append inside', async () => {
      await store().appendAuditEntry(entry(1));
      const boom = new Error('crash after the insert');
      await expect(
        store().transaction(async (tx) => {
          await tx.appendAuditEntry(entry(2));
          expect(await tx.lastAuditEntry(CHAIN)).toEqual(entry(2));
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store().lastAuditEntry(CHAIN)).toEqual(entry(1));
      // The seq is free again: nothing of the failed append remains.
      await store().appendAuditEntry(entry(2));
    });

    it('keeps chains apart: seq per chain, each head, and all entries by (at, chain, seq) with paging', async () => {
      const other = 'urn:uuid:chain-b';
      await store().appendAuditEntry(entry(1));
      await store().appendAuditEntry(entry(1, '2025-06-01T00:00:00.000Z', other));
      await store().appendAuditEntry(entry(2));
      await store().appendAuditEntry(entry(2, '2025-06-03T00:00:00.000Z', other));
      // Chain b's seq 3 is free; chain a's seq 2 is taken.
      await expect(store().appendAuditEntry(entry(2, undefined, other))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      await expect(store().appendAuditEntry({ ...entry(3), seq: 2 })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      expect(await store().lastAuditEntry(other)).toEqual(entry(2, '2025-06-03T00:00:00.000Z', other));
      expect(await store().listAuditChains()).toEqual([entry(2), entry(2, '2025-06-03T00:00:00.000Z', other)]);
      expect((await store().listAuditEntries({ chain: other })).map((e) => e.seq)).toEqual([1, 2]);
      const order = (await store().listAuditEntries()).map((e) => `${e.chain.slice(-1)}${e.seq}`);
      expect(order).toEqual(['a1', 'b1', 'a2', 'b2']);
      const after = { at: '2025-06-01T00:00:00.000Z', chain: CHAIN, seq: 1 };
      expect((await store().listAuditEntries({ after, limit: 2 })).map((e) => `${e.chain.slice(-1)}${e.seq}`)).toEqual(['b1', 'a2']);
    });

    it('keeps checkpoints ordered and only moving forward', async () => {
      await store().putAuditCheckpoint(checkpoint(3));
      await store().putAuditCheckpoint(checkpoint(7));
      await expect(store().putAuditCheckpoint(checkpoint(7))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      await expect(store().putAuditCheckpoint(checkpoint(5))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      expect(await store().listAuditCheckpoints()).toEqual([checkpoint(3), checkpoint(7)]);
      expect(await store().lastAuditCheckpoint()).toEqual(checkpoint(7));
    });
  });
}
