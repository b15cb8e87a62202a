// acme (did:web:acme.example) provisions alice and bob in bulk: issueMany issues what issueToAgent would, each
// credential with its own status entries and audit entry, committed a chunk at a time; a bad item writes nothing.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { legateError } from '../../src/errors/index.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { ENTRY_DIGEST_LENGTH } from '../../src/audit/entry.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { issueToAgent } from '../../src/node/issue.js';
import { issueMany, MAX_ISSUE_MANY, OFFLOAD_FROM } from '../../src/node/issue-many.js';
import { retireAgent } from '../../src/node/retire.js';
import type { Store } from '../../src/store/types.js';
import { NOW, timeOrderedIdAt } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
const clock = () => new Date(NOW.getTime());
let node: NodeContext;
let dataDir: string;

beforeEach(async () => {
  ({ node, dataDir } = await acmeWithAlice('legate-issue-many-', clock));
  await createAgent(node, { name: 'bob', owner: 'mailto:dave@acme.example' });
});
afterEach(() => node.close());

const issuances = async () => (await node.store.listAuditEntries()).map((e) => JSON.parse(e.entry) as { type: string; credentials?: string[] }).filter((e) => e.type === 'issuance');
const credentialCount = async () => (await node.store.listCredentials()).length;

describe('issueMany', () => {
  it('issues each item as issueToAgent would, in order, each with two status entries and an audit entry, reporting each chunk', async () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ agent: i % 2 === 0 ? 'alice' : 'bob', capabilities: [refund], ...(i === 6 ? { delegation: { depth: 0, maxDepth: 1 } } : {}) }));
    const progress: { issued: number; total: number }[] = [];
    const offloads = vi.spyOn(node.services.signing, 'use');
    const issued = await issueMany(node, items, { chunkSize: 3, onProgress: (p) => progress.push(p) });
    // Below 256 items the calling thread signs: no worker is started.
    expect(offloads).not.toHaveBeenCalled();

    expect(progress).toEqual([{ issued: 3, total: 7 }, { issued: 6, total: 7 }, { issued: 7, total: 7 }]);
    expect(issued).toHaveLength(7);
    const alice = await node.store.getAgent('alice');
    const bob = await node.store.getAgent('bob');
    issued.forEach((c, i) => {
      expect(c.credential.credentialSubject.id).toBe(i % 2 === 0 ? alice!.did : bob!.did);
      expect(c.credential.credentialSubject.owner).toBe(i % 2 === 0 ? OWNER : 'mailto:dave@acme.example');
    });
    expect(issued[6]!.credential.credentialSubject.delegation).toEqual({ depth: 0, maxDepth: 1 });
    // Time-ordered ids (UUID version 7), whose first 48 bits are the node's clock: written at the end of their indexes.
    for (const c of issued) expect(c.id).toMatch(timeOrderedIdAt(NOW));
    // Every status entry is its own bit.
    const entries = issued.flatMap((c) => (c.credential.credentialStatus as { statusListCredential: string; statusListIndex: string }[]).map((e) => `${e.statusListCredential}#${e.statusListIndex}`));
    expect(entries).toHaveLength(14);
    expect(new Set(entries).size).toBe(14);
    for (const c of issued) {
      expect((await node.store.getStatusAllocations(c.id)).map((a) => a.purpose).sort()).toEqual(['revocation', 'suspension']);
      if ('jwt' in c) expect((await verifyCapabilityCredential(c.jwt, { resolver: node.resolver, clock })).verified).toBe(true);
    }
    expect((await issuances()).map((e) => e.credentials)).toEqual(issued.map((c) => [c.id]));
    expect(await credentialCount()).toBe(7);
  });

  it('allocates a chunk\'s status entries together, opening the next list where the chunk fills one to the rollover', async () => {
    await issueMany(node, [{ agent: 'alice', capabilities: [refund] }]);
    const [first] = await node.store.listStatusLists({ purpose: 'revocation' });
    // Three indexes short of the rollover (three quarters of 131,072): the list's cursor moved directly in the SQLite file.
    const db = new Database(join(dataDir, 'legate.db'));
    expect(db.prepare('UPDATE status_list_cursors SET taken = ? WHERE list_id = ?').run(131072 * 0.75 - 3, first!.id).changes).toBe(1);
    db.close();
    await new Promise((resolve) => setImmediate(resolve));

    const issued = await issueMany(node, Array.from({ length: 8 }, () => ({ agent: 'alice', capabilities: [refund] })));
    const lists = await node.store.listStatusLists({ purpose: 'revocation' });
    expect(lists.map((l) => l.id)).toEqual([first!.id, expect.any(String)]);
    const revocation = issued.map((c) => (c.credential.credentialStatus as { statusPurpose: string; statusListCredential: string; statusListIndex: string }[]).find((e) => e.statusPurpose === 'revocation')!);
    expect(revocation.map((e) => e.statusListCredential.slice(e.statusListCredential.lastIndexOf('/') + 1))).toEqual([...Array<string>(3).fill(first!.id), ...Array<string>(5).fill(lists[1]!.id)]);
    expect(new Set(revocation.map((e) => `${e.statusListCredential}#${e.statusListIndex}`)).size).toBe(8);
    for (const c of issued) {
      const allocations = await node.store.getStatusAllocations(c.id);
      expect(allocations.map((a) => `${a.listId}#${a.index}`).sort()).toEqual(
        (c.credential.credentialStatus as { statusListCredential: string; statusListIndex: string }[]).map((e) => `${e.statusListCredential.slice(e.statusListCredential.lastIndexOf('/') + 1)}#${e.statusListIndex}`).sort(),
      );
    }
    // The suspension list, far from full, is kept.
    expect(await node.store.listStatusLists({ purpose: 'suspension' })).toHaveLength(1);
  });

  it('checks every item before writing anything: an unknown agent, a retired one, capabilities off their schema, a bad date', async () => {
    await createAgent(node, { name: 'carl', owner: OWNER });
    await retireAgent(node, 'carl');
    const good = { agent: 'alice', capabilities: [refund] };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ agent: 'mallory', capabilities: [refund] }, 'ERR_NOT_FOUND', 'items[2]'],
      [{ agent: 'carl', capabilities: [refund] }, 'ERR_CONFLICT', 'items[2]'],
      [{ agent: 'alice', capabilities: [] }, 'ERR_SCHEMA', 'items[2]'],
      [{ agent: 'alice', capabilities: [{ action: 'call' }] }, 'ERR_SCHEMA', 'items[2]'],
      [{ agent: 'alice', capabilities: [refund], validUntil: 'soon' }, 'ERR_INVALID_ARGUMENT', 'items[2].validUntil'],
      [{ agent: 'alice', capabilities: [refund], validFor: 'soon' }, 'ERR_MALFORMED', 'items[2].validFor'],
      [{ capabilities: [refund] }, 'ERR_INVALID_ARGUMENT', 'items[2].agent'],
    ];
    for (const [bad, code, claim] of cases) {
      const error = await issueMany(node, [good, good, bad as never, good], { chunkSize: 1 }).catch((e: unknown) => e);
      expect(error, JSON.stringify(bad)).toMatchObject({ code });
      expect((error as { claim: string }).claim.startsWith(claim), (error as { claim: string }).claim).toBe(true);
    }
    expect(await credentialCount()).toBe(0);
    expect(await issuances()).toEqual([]);
  });

  it('bounds a call: no items, too many, a chunk size out of range', async () => {
    const item = { agent: 'alice', capabilities: [refund] };
    await expect(issueMany(node, [])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'items' });
    await expect(issueMany(node, Array.from({ length: MAX_ISSUE_MANY + 1 }, () => item))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'items' });
    for (const chunkSize of [0, 2001, 1.5]) await expect(issueMany(node, [item], { chunkSize })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'chunkSize' });
    expect(await credentialCount()).toBe(0);
  });

  it('keeps the chunks committed before a store failure, writes nothing of the failing one, and says how many were issued', async () => {
    let transactions = 0;
    const store = node.store;
    const failing = new Proxy(store, {
      get(target, key) {
        if (key === 'transaction') {
          return <T>(fn: (tx: Store) => Promise<T>) =>
            target.transaction(async (tx) => {
              const result = await fn(tx);
              if (++transactions === 2) throw legateError('ERR_STORE', 'the disk is full');
              return result;
            });
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const ctx = Object.create(node, { store: { value: failing, writable: true } }) as NodeContext;
    const items = Array.from({ length: 5 }, () => ({ agent: 'alice', capabilities: [refund] }));
    await expect(issueMany(ctx, items, { chunkSize: 2 })).rejects.toMatchObject({ code: 'ERR_STORE', reason: 'issued-2' });
    expect(await credentialCount()).toBe(2);
    expect(await issuances()).toHaveLength(2);
  });

  it('signs a batch of 256 or more on a worker thread: the same credentials, in order, each verifying under the organization key', async () => {
    const items = Array.from({ length: OFFLOAD_FROM + 44 }, (_, i) => ({ agent: i % 3 === 0 ? 'bob' : 'alice', capabilities: [{ ...refund, resource: `billing:r${i}` }] }));
    const offloads = vi.spyOn(node.services.signing, 'use');
    const issued = await issueMany(node, items, { chunkSize: 120 });
    expect(offloads).toHaveBeenCalledTimes(1);
    expect(issued.map((c) => c.credential.credentialSubject.capabilities[0]!.resource)).toEqual(items.map((item) => item.capabilities[0]!.resource));
    for (const c of issued) {
      expect('jwt' in c && (await verifyCapabilityCredential(c.jwt, { resolver: node.resolver, clock })).verified, c.id).toBe(true);
    }
    expect((await issuances()).map((e) => e.credentials)).toEqual(issued.map((c) => [c.id]));
    expect(await credentialCount()).toBe(items.length);
    // The node keeps its signing worker for the next batch, and stops it when it closes.
    await node.close();
    await expect(node.services.signing.use(() => Promise.resolve(1))).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });

  it('refuses an offloaded batch at the first bad item in order, writing nothing of its chunk and waiting for none after it', async () => {
    const items = Array.from({ length: OFFLOAD_FROM + 4 }, () => ({ agent: 'alice', capabilities: [refund] }));
    // Constraints off the credential's schema: only the credential's own checks refuse them, past the items' first check.
    (items[200] as Record<string, unknown>).constraints = { maxAmount: 'lots' };
    (items[230] as Record<string, unknown>).constraints = { maxAmount: 'more' };
    const error = await issueMany(node, items, { chunkSize: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SCHEMA', reason: 'issued-200' });
    expect((error as { cause: { claim: string } }).cause.claim.startsWith('items[200]')).toBe(true);
    expect(await credentialCount()).toBe(200);
    expect(await issuances()).toHaveLength(200);
  });

  it('checks for a due checkpoint once a chunk, at its last entry: one checkpoint covers the chunk, and the log verifies', async () => {
    const before = (await node.store.listAuditEntries()).length;
    // The default policy: a checkpoint every 100 entries. Chunks of 120, 120 and 10.
    await issueMany(node, Array.from({ length: 250 }, () => ({ agent: 'alice', capabilities: [refund] })), { chunkSize: 120 });
    const checkpoints = await node.store.listAuditCheckpoints();
    expect(checkpoints.map((c) => c.seq)).toEqual([before + 120, before + 240]);
    expect(await verifyAudit({ store: node.store, resolver: node.resolver })).toMatchObject({ ok: true });
    // A chunk longer than 500 checks every 500 entries too: a checkpoint signs the digests of at most 1,000 new ones.
    await issueMany(node, Array.from({ length: 1200 }, () => ({ agent: 'alice', capabilities: [refund] })), { chunkSize: 1200 });
    const all = await node.store.listAuditCheckpoints();
    expect(all.map((c) => c.seq)).toEqual([before + 120, before + 240, before + 260 + 490, before + 260 + 990, before + 1450]);
    expect(await verifyAudit({ store: node.store, resolver: node.resolver })).toMatchObject({ ok: true });
    // Each checkpoint signs the digest of every entry since the one before it.
    const heads = all.map((c) => (JSON.parse(Buffer.from(c.token.split('.')[1]!, 'base64url').toString()) as { chains: { seq: number; from: number; digests: string }[] }).chains[0]!);
    heads.forEach((head, i) => {
      expect(head.from).toBe(i === 0 ? 1 : heads[i - 1]!.seq + 1);
      expect(head.digests.length).toBe((head.seq - head.from + 1) * ENTRY_DIGEST_LENGTH);
    });
    // One at a time, each entry checks again: the next is due after 100 more.
    for (let i = 0; i < 100; i++) await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    expect((await node.store.listAuditCheckpoints()).map((c) => c.seq).slice(5)).toEqual([before + 1550]);
  });
});
