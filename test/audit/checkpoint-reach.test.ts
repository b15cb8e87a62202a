/**
 * A checkpoint signs the digests of at most MAX_CHECKPOINT_DIGESTS (1,000)
 * new entries. With more new (a busy fleet between two runs of the
 * checkpoint job), it reaches only as far as those digests go, and the next
 * checkpoint goes on from there: every entry gets a signed digest, so a
 * rewrite anywhere is named at its entry (audit/checkpoint-cover).
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit, MAX_CHECKPOINT_DIGESTS, writeCheckpoint } from '../../src/audit/checkpoint.js';
import { entryDigest } from '../../src/audit/entry.js';
import type { ChainHead } from '../../src/audit/heads.js';
import { auditLogOf } from '../../src/audit/log.js';
import type { AuditEntry, AuditLog } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { runAuditCheckpointJob } from '../../src/node/audit-jobs.js';
import { auditNode, rechain, sampleFields, tamper, type AuditNode } from './helpers.js';

const A = 'urn:uuid:00000000-0000-4000-8000-00000000000a';
const B = 'urn:uuid:00000000-0000-4000-8000-00000000000b';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
});
afterEach(() => an.close());

/** A log of the node that never checkpoints as it appends (as under `legate serve`, where a job does). */
const quiet = (chain?: string): AuditLog => ({ ...auditLogOf(an.node, { entries: 1_000_000 }), ...(chain === undefined ? {} : { chain }) });
const append = async (log: AuditLog, count: number) => {
  for (let i = 1; i <= count; i++) await appendAudit(log, sampleFields(i));
};
const headsOf = (token: string) => decodeCompactJws(token).payload.chains as ChainHead[];
const verify = () => verifyAudit({ store: an.node.store, resolver: an.node.resolver });

/** Every checkpoint's heads, oldest first. */
async function signedHeads(): Promise<ChainHead[][]> {
  return (await an.node.store.listAuditCheckpoints()).map((c) => headsOf(c.token));
}

/** The digests signed for `chain`, over all checkpoints, in order of `from`. */
function digestsSigned(all: ChainHead[][], chain: string): { from: number; count: number }[] {
  return all.flat().flatMap((h) => (h.id === chain && h.digests !== undefined ? [{ from: h.from!, count: h.digests.length / 16 }] : []));
}

describe('a checkpoint with more new entries than it signs digests for', () => {
  it('reaches as far as its digests go; checkpointAudit writes more until every entry is covered', async () => {
    const log = quiet();
    await append(log, 2_500);
    const [chain] = await an.node.store.listAuditChains();
    expect(chain?.seq).toBe(2_500);

    const first = await writeCheckpoint(log, false);
    expect(first).toMatchObject({ created: true, remaining: 1_500, checkpoint: { seq: MAX_CHECKPOINT_DIGESTS } });
    const [head] = headsOf(first.checkpoint!.token);
    const entries = await an.node.store.listAuditEntries({ chain: chain!.chain, fromSeq: 1, toSeq: 1_000 });
    // The head it signs is entry 1,000 (not the chain's last), with that entry's hash and the digests of 1..1,000.
    expect(head).toMatchObject({ id: chain!.chain, seq: 1_000, hash: entries[999]!.hash, state: 'open', from: 1 });
    expect(head!.digests).toBe(entries.map((e) => entryDigest(JSON.parse(e.entry) as AuditEntry)).join(''));

    const rest = await checkpointAudit(log);
    expect(rest).toMatchObject({ created: true, remaining: 0, checkpoint: { seq: 2_500 } });
    const all = await signedHeads();
    expect(all.map((heads) => heads[0]!.seq)).toEqual([1_000, 2_000, 2_500]);
    expect(digestsSigned(all, chain!.chain)).toEqual([
      { from: 1, count: 1_000 },
      { from: 1_001, count: 1_000 },
      { from: 2_001, count: 500 },
    ]);
    expect(await verify()).toMatchObject({ ok: true, entries: 2_500, checkpoints: 3, lastCheckpoint: { seq: 2_500 } });
    // Covered: nothing more to write.
    expect(await checkpointAudit(log)).toMatchObject({ created: false, remaining: 0, checkpoint: { seq: 2_500 } });
  });

  it('so a rewrite far past the first 1,000 new entries is still named at its entry', async () => {
    const log = quiet();
    await append(log, 2_500);
    await checkpointAudit(log);
    // Entry 1,700 rewritten and every later hash recomputed: only its signed digest can tell which entry changed.
    tamper(an, (db) => rechain(db, 1_700, ([e, ...rest]) => [{ ...e!, decision: 'allow', reasons: ['ERR_NONE'] }, ...rest]));
    expect(await verify()).toMatchObject({ ok: false, firstBad: { seq: 1_700, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
  });

  it('shares the digests over chains in order, one entry at least for a chain no checkpoint listed yet', async () => {
    await append(quiet(A), 1_499); // 1,500 with its chain-open
    await append(quiet(B), 9); // 10
    const first = await writeCheckpoint(quiet(A), false);
    // A takes what is left after B's one entry; B is listed (a chain opened since must be), at its first entry.
    expect(first).toMatchObject({ created: true, remaining: 510, checkpoint: { seq: 1_000 } });
    expect(headsOf(first.checkpoint!.token)).toMatchObject([
      { id: A, seq: 999, state: 'open', from: 1 },
      { id: B, seq: 1, state: 'open', from: 1 },
    ]);
    const second = await writeCheckpoint(quiet(A), false);
    expect(second).toMatchObject({ created: true, remaining: 0, checkpoint: { seq: 1_510 } });
    expect(headsOf(second.checkpoint!.token)).toMatchObject([
      { id: A, seq: 1_500, from: 1_000 },
      { id: B, seq: 10, from: 2 },
    ]);
    expect(await verify()).toMatchObject({ ok: true, entries: 1_510, checkpoints: 2 });
  });

  it('lists a chain whose share ran out at the head signed before, and covers it next time', async () => {
    await append(quiet(A), 4);
    await append(quiet(B), 4);
    await checkpointAudit(quiet(A)); // A and B at 5; what is behind it sealed
    await append(quiet(A), 1_500);
    await append(quiet(B), 5);
    const first = await writeCheckpoint(quiet(A), false);
    // A, listed first, takes all 1,000; B stays where the last checkpoint signed it (its entry 5, read back and checked).
    expect(first).toMatchObject({ created: true, remaining: 505, checkpoint: { seq: 1_010 } });
    const [a, b] = headsOf(first.checkpoint!.token);
    expect(a).toMatchObject({ id: A, seq: 1_005, from: 6 });
    const [five] = await an.node.store.listAuditEntries({ chain: B, fromSeq: 5, toSeq: 5 });
    expect(b).toEqual({ id: B, seq: 5, hash: five!.hash, state: 'open' });
    const second = await writeCheckpoint(quiet(A), false);
    expect(second).toMatchObject({ created: true, remaining: 0 });
    expect(headsOf(second.checkpoint!.token)).toMatchObject([
      { id: A, seq: 1_505, from: 1_006 },
      { id: B, seq: 10, from: 6 },
    ]);
    expect(await verify()).toMatchObject({ ok: true, entries: 1_515, checkpoints: 3 });
  });

  it('refuses to sign again a head short of its chain that no longer matches its hash, writing nothing', async () => {
    await append(quiet(A), 4);
    await append(quiet(B), 4);
    await checkpointAudit(quiet(A));
    await append(quiet(A), 1_500);
    await append(quiet(B), 5);
    tamper(an, (db) => db.prepare("UPDATE audit_entries SET entry = replace(entry, 'acme', 'evil') WHERE chain = ? AND seq = 5").run(B));
    await expect(writeCheckpoint(quiet(A), false)).rejects.toMatchObject({ code: 'ERR_AUDIT_TAMPERED', claim: 'seq', reason: 'changed' });
    expect(await an.node.store.listAuditCheckpoints()).toHaveLength(1);
  });

  it('signs a closed chain closed only once it reaches its chain-close', async () => {
    await append(quiet(A), 1_199);
    await appendAudit(quiet(A), { type: 'chain-close' });
    await append(quiet(B), 4);
    await checkpointAudit(quiet(B));
    const all = await signedHeads();
    expect(all[0]).toMatchObject([{ id: A, seq: 999, state: 'open' }, { id: B, seq: 1 }]);
    expect(all[1]).toMatchObject([{ id: A, seq: 1_201, state: 'closed' }, { id: B, seq: 5 }]);
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 2 });
  });

  it('the checkpoint job writes several a run, within its bound, and the next run goes on', async () => {
    await append(quiet(), 2_500);
    const bounded = await runAuditCheckpointJob(an.node, { holder: 'job', maxCheckpoints: 2 });
    expect(bounded).toMatchObject({ ran: true, remaining: 500, checkpoint: { seq: 2_000 } });
    expect((await signedHeads()).map((heads) => heads[0]!.seq)).toEqual([1_000, 2_000]);
    const next = await runAuditCheckpointJob(an.node, { holder: 'job' });
    expect(next).toMatchObject({ ran: true, remaining: 0, checkpoint: { seq: 2_500 } });
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 3 });
  });

  it('yields to the event loop between checkpoints, so requests go in between', async () => {
    await append(quiet(), 2_500);
    const runs = [
      { run: () => checkpointAudit(quiet()), between: [1, 2] }, // three checkpoints
      { run: () => runAuditCheckpointJob(an.node, { holder: 'job' }), between: [1] }, // two, after 2,000 more
    ];
    for (const { run, between } of runs) {
      const before = (await an.node.store.listAuditCheckpoints()).length;
      // At every turn of the event loop while the writer works: how many checkpoints it has written so far.
      const seen = new Set<number>();
      const reads: Promise<unknown>[] = [];
      const watch = () => {
        reads.push(an.node.store.listAuditCheckpoints().then((all) => seen.add(all.length - before)));
        turn = setImmediate(watch);
      };
      let turn = setImmediate(watch);
      const result = await run();
      clearImmediate(turn);
      await Promise.all(reads);
      expect(result.remaining).toBe(0);
      // Without a turn between two checkpoints, no turn would see the count between them.
      expect([...seen]).toEqual(expect.arrayContaining(between));
      await append(quiet(), 2_000);
    }
  });

  it('refuses a bound of checkpoints a run that is not a positive integer', async () => {
    for (const maxCheckpoints of [0, -1, 1.5, Number.NaN]) {
      await expect(runAuditCheckpointJob(an.node, { maxCheckpoints })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
  });
});
