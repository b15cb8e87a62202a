// acme (did:web:acme.example) logs decisions about alice -> helper (did:key); checkpoints signed by acme's key.
import { createHash } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit, verifyAuditCheckpoint } from '../../src/audit/checkpoint.js';
import { entryDigest } from '../../src/audit/entry.js';
import { auditLogId } from '../../src/audit/log-id.js';
import { auditLogOf } from '../../src/audit/log.js';
import { GENESIS_HASH, MAX_AUDIT_DETAILS_BYTES, type AuditEntry, type AuditLog, type AuditMemo } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { canonicalJson } from '../../src/lib/canonical-json.js';
import { transactionView } from '../../src/node/context.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';
import { NOW } from '../fixtures.js';
import { ALICE, appendSamples, auditNode, HELPER, OWNER, sampleFields, type AuditNode } from './helpers.js';

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
});
afterEach(() => an.close());

const verify = () => verifyAudit({ store: an.node.store, resolver: an.node.resolver });

describe('appendAudit', () => {
  it('chains entries: seq from 1, genesis prevHash, hash = SHA-256 of the canonical entry (known answer)', async () => {
    const first = await appendAudit(an.node, { type: 'agent', agent: ALICE, owner: OWNER, action: 'create', decision: undefined });
    // The store's own chain, made by the first append and kept in its settings.
    const chain = (await an.node.store.getSetting('audit.chain-id')) ?? '';
    expect(chain).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const canonical =
      '{"action":"create","agent":"did:web:acme.example:agents:alice","at":"2026-03-02T10:00:00.000Z",' +
      `"chainId":"${chain}","owner":"mailto:carol@acme.example","prevHash":"${GENESIS_HASH}","seq":1,"type":"agent"}`;
    expect(first.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(first.entry).toEqual({ type: 'agent', agent: ALICE, owner: OWNER, action: 'create', chainId: chain, seq: 1, at: NOW.toISOString(), prevHash: GENESIS_HASH });
    const stored = (await an.node.store.listAuditChains())[0];
    expect(stored).toEqual({ chain, seq: 1, at: NOW.toISOString(), entry: canonical, hash: first.hash, prevHash: GENESIS_HASH });

    an.advance(1000);
    const second = await appendAudit(an.node, sampleFields(4));
    expect(second.entry).toMatchObject({ seq: 2, prevHash: first.hash, chain: [HELPER, ALICE, OWNER], at: '2026-03-02T10:00:01.000Z' });
    expect(await verify()).toEqual({ ok: true, chains: [{ id: chain, ok: true, entries: 2, lastSeq: 2, state: 'open' }], entries: 2, lastSeq: 2, checkpoints: 0 });
  });

  it('copies what it hashes: later changes to the caller’s objects do not reach the log', async () => {
    const chain = [HELPER, ALICE, OWNER];
    const details = { note: 'x' };
    const { entry } = await appendAudit(an.node, { type: 'delegation', chain, details });
    chain.push('mailto:mallory@evil.example');
    details.note = 'y';
    expect(entry.chain).toEqual([HELPER, ALICE, OWNER]);
    expect(entry.details).toEqual({ note: 'x' });
    expect((await verify()).ok).toBe(true);
  });

  it('refuses bad or oversized fields with TypeError/RangeError, writing nothing', async () => {
    const bad: unknown[] = [
      { type: 'bogus' },
      { type: 'action', decision: 'maybe' },
      { type: 'action', agent: '' },
      { type: 'action', agent: 42 },
      { type: 'action', resource: 'x'.repeat(2049) },
      { type: 'action', chain: Array.from({ length: 33 }, () => ALICE) },
      { type: 'action', chain: [ALICE, 7] },
      { type: 'action', details: [] },
      { type: 'action', details: { at: new Date() } },
      { type: 'action', details: { n: Number.NaN } },
      { type: 'action', details: { blob: 'x'.repeat(MAX_AUDIT_DETAILS_BYTES) } },
      { type: 'action', signedAction: 'x'.repeat(128 * 1024 + 1) },
    ];
    for (const fields of bad) {
      const error = await appendAudit(an.node, fields as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(fields)?.slice(0, 80)).toSatisfy((e) => e instanceof TypeError || e instanceof RangeError);
    }
    expect((await an.node.store.listAuditChains())[0]).toBeUndefined();
  });

  it('serializes 200 concurrent appends into one valid chain', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => appendAudit(an.node, sampleFields(i + 1))));
    expect(results.map((r) => r.entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const result = await verify();
    expect(result).toMatchObject({ ok: true, entries: 200, lastSeq: 200 });
    // The default policy (every 100 entries) checkpointed along the way.
    expect(result.checkpoints).toBeGreaterThanOrEqual(1);
    expect(result.firstBad).toBeUndefined();
  });

  it('logs inside the caller’s transaction: the entry commits or rolls back with the decision', async () => {
    await appendSamples(an.node, 2);
    const boom = new Error('the decision failed after logging');
    await expect(
      an.node.store.transaction(async (tx) => {
        await appendAudit(transactionView(an.node, tx), sampleFields(3));
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await an.node.store.listAuditChains())[0]?.seq).toBe(2);
    await an.node.store.transaction((tx) => appendAudit(transactionView(an.node, tx), sampleFields(3)));
    expect(await verify()).toMatchObject({ ok: true, lastSeq: 3 });
  });
});

describe('a crash mid-append', () => {
  /** Methods bound to the real object (the stores keep private state a proxy cannot reach). */
  const passThrough = (target: Store, prop: string | symbol): unknown => {
    const value = Reflect.get(target, prop, target) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };

  /** The store, except that the transaction dies right after the entry is inserted. */
  function crashingAfterInsert(store: Store): Store {
    const crash = (tx: Store): Store =>
      new Proxy(tx, {
        get: (target, prop) =>
          prop === 'appendAuditEntry'
            ? async (record: Parameters<Store['appendAuditEntry']>[0]) => {
                await target.appendAuditEntry(record);
                throw new Error('process killed after the INSERT');
              }
            : passThrough(target, prop),
      });
    return new Proxy(store, {
      get: (target, prop) =>
        prop === 'transaction' ? <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(crash(tx))) : passThrough(target, prop),
    });
  }

  it('leaves no partial entry, and the log still verifies and continues', async () => {
    await appendSamples(an.node, 5);
    await checkpointAudit(an.node);
    const crashing = { ...an.node, store: crashingAfterInsert(an.node.store) };
    await expect(appendAudit(crashing, sampleFields(6))).rejects.toThrow('process killed after the INSERT');
    expect((await an.node.store.listAuditChains())[0]?.seq).toBe(5);
    expect(await an.node.store.listAuditEntries({ fromSeq: 6 })).toEqual([]);
    expect(await verify()).toMatchObject({ ok: true, lastSeq: 5, checkpoints: 1 });
    const next = await appendAudit(an.node, sampleFields(6));
    expect(next.entry.seq).toBe(6);
    expect(await verify()).toMatchObject({ ok: true, lastSeq: 6 });
  });
});

describe('checkpoints', () => {
  it('checkpointAudit signs the last entry’s hash with the organization key, once', async () => {
    expect(await checkpointAudit(an.node)).toEqual({ created: false, remaining: 0 });
    await appendSamples(an.node, 3);
    const { checkpoint, created } = await checkpointAudit(an.node);
    expect(created).toBe(true);
    const last = (await an.node.store.listAuditChains())[0];
    expect(checkpoint).toMatchObject({ seq: 3, at: NOW.toISOString() });
    const { header, payload } = decodeCompactJws(checkpoint?.token ?? '');
    expect(header).toEqual({ alg: 'EdDSA', kid: 'did:web:acme.example#key-1', typ: 'audit-checkpoint+jwt' });
    // The log it belongs to, and a 16-hex digest per entry since the previous checkpoint (none: from 1).
    const entries = await an.node.store.listAuditEntries();
    const digests = entries.map((e) => entryDigest(JSON.parse(e.entry) as AuditEntry)).join('');
    const log = await auditLogId(an.node.store);
    expect(log).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    // One head per chain (here one), signed with its digests; `hash` binds the heads, `seq` counts the entries covered.
    const chains = [{ id: last?.chain, seq: 3, hash: last?.hash, state: 'open', from: 1, digests }];
    const hash = createHash('sha256').update(canonicalJson(chains)).digest('hex');
    expect(checkpoint?.hash).toBe(hash);
    expect(payload).toEqual({ iss: 'did:web:acme.example', seq: 3, hash, at: NOW.toISOString(), log, chains });
    expect(digests).toHaveLength(48);
    const verified = await verifyAuditCheckpoint(checkpoint?.token ?? '', { resolver: an.node.resolver, issuer: 'did:web:acme.example' });
    expect(verified.valid).toBe(true);
    // Nothing new since: the same checkpoint, not a second one.
    expect(await checkpointAudit(an.node)).toEqual({ checkpoint, created: false, remaining: 0 });
    expect(await an.node.store.listAuditCheckpoints()).toHaveLength(1);
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 1, lastCheckpoint: { seq: 3, hash: last?.hash } });
  });

  it('appendAudit checkpoints every N entries', async () => {
    const log = auditLogOf(an.node, { entries: 5 });
    const seqs: number[] = [];
    for (let i = 1; i <= 12; i++) {
      const { checkpoint } = await appendAudit(log, sampleFields(i));
      if (checkpoint) seqs.push(checkpoint.seq);
    }
    expect(seqs).toEqual([5, 10]);
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 2, lastCheckpoint: { seq: 10 } });
  });

  it('appendAudit checkpoints after T seconds (counted from the first entry until the first checkpoint)', async () => {
    const log = auditLogOf(an.node, { seconds: 60 });
    expect((await appendAudit(log, sampleFields(1))).checkpoint).toBeUndefined();
    an.advance(59_000);
    expect((await appendAudit(log, sampleFields(2))).checkpoint).toBeUndefined();
    an.advance(1_000);
    expect((await appendAudit(log, sampleFields(3))).checkpoint).toMatchObject({ seq: 3 });
    an.advance(30_000);
    expect((await appendAudit(log, sampleFields(4))).checkpoint).toBeUndefined();
    an.advance(30_000);
    expect((await appendAudit(log, sampleFields(5))).checkpoint).toMatchObject({ seq: 5 });
  });

  it('keeps the entry when a due checkpoint cannot be signed, and checkpoints on a later append', async () => {
    let locked = true;
    const base = auditLogOf(an.node, { entries: 2 });
    const log: AuditLog = {
      ...base,
      checkpoints: {
        issuer: an.node.organization.did,
        policy: { entries: 2 },
        signer: () => (locked ? Promise.reject(new Error('key store locked')) : (base.checkpoints?.signer() ?? Promise.reject(new Error('no signer')))),
      },
    };
    await appendAudit(log, sampleFields(1));
    const failed = await appendAudit(log, sampleFields(2));
    expect(failed.entry.seq).toBe(2);
    expect(failed.checkpointError).toMatchObject({ code: 'ERR_STORE' });
    locked = false;
    expect((await appendAudit(log, sampleFields(3))).checkpoint).toMatchObject({ seq: 3 });
    expect(await verify()).toMatchObject({ ok: true, lastSeq: 3, checkpoints: 1 });
  });

  it('a log without a signer appends but cannot checkpoint', async () => {
    const log: AuditLog = { store: an.node.store, clock: () => NOW };
    await appendAudit(log, sampleFields(1));
    await expect(checkpointAudit(log)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
  });
});

describe('appendAudit with a memo (one writer remembering between appends)', () => {
  const logWith = (memo: AuditMemo, store: Store = an.node.store): AuditLog => ({ store, clock: () => new Date(NOW.getTime()), memo });

  it("keeps the store's chain id only once it is read back committed, never one made in a transaction that rolled back", async () => {
    const memo: AuditMemo = {};
    // The first append ever makes the store's chain id inside a transaction that then fails: nothing is kept.
    await expect(
      an.node.store.transaction(async (tx) => {
        await appendAudit(logWith(memo, tx), sampleFields(1));
        throw new Error('the decision fails after its entry');
      }),
    ).rejects.toThrow('the decision fails');
    expect(memo.storeChain).toBeUndefined();
    expect(await an.node.store.getSetting('audit.chain-id')).toBeUndefined();
    const first = await appendAudit(logWith(memo), sampleFields(2));
    expect(memo.storeChain).toBeUndefined(); // made by this append: read back only by the next
    const second = await appendAudit(logWith(memo), sampleFields(3));
    expect(memo.storeChain).toBe(first.entry.chainId);
    expect(second.entry).toMatchObject({ chainId: first.entry.chainId, seq: 2, prevHash: first.hash });
    expect((await verify()).ok).toBe(true);
  });

  it('appends after another writer moved the chain on: the head this process remembered is refused by the store, read again and built on, never forked', async () => {
    const other = await openSqliteStore(an.dbPath);
    try {
      const ours = logWith({});
      const theirs = logWith({}, other);
      await appendAudit(ours, sampleFields(1));
      expect((await an.node.store.auditHead((await an.node.store.getSetting('audit.chain-id'))!))?.remembered).toBe(true);
      // The other connection appends twice to the same chain; ours still remembers entry 1 as the head.
      await appendAudit(theirs, sampleFields(2));
      await appendAudit(theirs, sampleFields(3));
      const fourth = await appendAudit(ours, sampleFields(4));
      expect(fourth.entry.seq).toBe(4);
      // And the other way round, its remembered head now stale.
      expect((await appendAudit(theirs, sampleFields(5))).entry).toMatchObject({ seq: 5, prevHash: fourth.hash });
      expect(await verify()).toMatchObject({ ok: true, entries: 5, lastSeq: 5 });
    } finally {
      await other.close();
    }
  });

  it('still refuses to append after a chain-close, whatever the memo holds', async () => {
    const memo: AuditMemo = {};
    await appendAudit(logWith(memo), sampleFields(1));
    await appendAudit(logWith(memo), { type: 'chain-close' });
    await expect(appendAudit(logWith(memo), sampleFields(2))).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'chain_closed' });
  });
});
