/**
 * @module test/store/concurrency-contract
 *
 * What a store shared by several instances must guarantee, checked with two
 * store handles (two pools: two instances) on one database, each running
 * the same sequence of port calls the node makes, many at once:
 *
 * - a budget is never exceeded: read the key's usage, decide, record the use
 *   and log the decision in one transaction (as `node/decide`);
 * - a replay key is claimed once (`claimOnce` alone, or several in one
 *   statement, `claimEach`, as `node/replay`), also when an expired claim is taken over;
 * - the chains behind access tokens granted at once on two instances are
 *   kept in one row (`keepSession`), neither refused;
 * - a status index is never handed out twice: the newest list, its cursor
 *   moved, the index at that position of its order (`status/index-order`)
 *   recorded, in one transaction (as `node/status`), and only one list
 *   opened when none exists;
 * - a scheduled job's lease is held by one instance at a time;
 * - the audit log never forks or gaps: concurrent `appendAudit`s, then
 *   `verifyAudit` over the whole chain; and with a chain per instance
 *   (#16), appends on one chain never wait for the other's;
 * - a value read and rewritten in one transaction (a status list's bits, the
 *   trust list's version) loses no concurrent change.
 *
 * Every operation must also succeed: a store that kept the guarantee only by
 * failing one of two racing writers (a unique key refusing the second)
 * would pass the counts but not these tests.
 */

import { describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { verifyAudit } from '../../src/audit/verify.js';
import type { Resolvable } from 'did-resolver';
import { statusIndexOrder } from '../../src/status/index-order.js';
import type { Store } from '../../src/store/types.js';
import { alice, bob, mallory, organization } from './contract.js';

/** Two handles on one fresh database, and how to close both. */
export interface StorePair {
  a: Store;
  b: Store;
  close(): Promise<void>;
}

const NOW = new Date('2025-05-01T12:00:00.000Z');
const clock = () => NOW;
/** No checkpoints are written here, so nothing is resolved. */
const resolver: Resolvable = {
  resolve: () => Promise.reject(new Error('no DID resolution in the concurrency contract')),
};

/** `n` tasks, alternating between the two handles, started together. */
function acrossBoth<T>(pair: StorePair, n: number, task: (store: Store, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => task(i % 2 === 0 ? pair.a : pair.b, i)));
}

export function concurrencyContract(name: string, open: () => Promise<StorePair>): void {
  describe(`Store concurrency contract: ${name}`, () => {
    async function withPair(test: (pair: StorePair) => Promise<void>): Promise<void> {
      const pair = await open();
      try {
        await test(pair);
      } finally {
        await pair.close();
      }
    }

    it('never exceeds a budget: 40 concurrent decisions across two instances, budget 10, allow exactly 10', () =>
      withPair(async (pair) => {
        const BUDGET = 10;
        const key = JSON.stringify(['usage', organization.did, 'urn:uuid:budget', 'call', 'billing:refund', null]);
        const since = new Date(NOW.getTime() - 3_600_000).toISOString();
        const decisions = await acrossBoth(pair, 40, (store, i) =>
          store.transaction(async (tx) => {
            const used = await tx.listUsage(key, since);
            const allow = used.length < BUDGET;
            if (allow) await tx.recordUsage({ key, at: NOW.toISOString(), amount: '1', currency: 'USD' });
            // The decision's audit entry commits with it (node/decide, node/audit).
            await appendAudit({ store: tx, clock }, { type: 'action', decision: allow ? 'allow' : 'deny', action: 'call', resource: `billing:refund#${i}`, agent: alice.did });
            return { handle: i % 2, allow };
          }),
        );
        expect(decisions.filter((d) => d.allow)).toHaveLength(BUDGET);
        expect(await pair.a.listUsage(key, since)).toHaveLength(BUDGET);
        expect(await pair.b.listUsage(key, since)).toHaveLength(BUDGET);
        const audit = await verifyAudit({ store: pair.b, resolver });
        expect(audit).toMatchObject({ ok: true, entries: 40, lastSeq: 40 });
      }));

    // Statistical: with 60 decisions and a 35% floor, a fair coin fails about one run in a hundred (a clean-clone CI
    // run on this two-core VM read 20 of 60). 120 decisions and a 25% floor still catch starvation, never a fair share.
    it('shares a contended budget fairly: each of two instances under equal load gets at least 25% of it', () =>
      withPair(async (pair) => {
        const BUDGET = 120;
        const key = 'fair-share';
        const since = '2025-01-01T00:00:00.000Z';
        const allowed = [0, 0];
        // Each instance keeps 6 decisions in flight until the budget is spent.
        const worker = async (store: Store, handle: number) => {
          for (;;) {
            const allow = await store.transaction(async (tx) => {
              if ((await tx.listUsage(key, since)).length >= BUDGET) return false;
              await tx.recordUsage({ key, at: NOW.toISOString() });
              return true;
            });
            if (!allow) return;
            allowed[handle]! += 1;
          }
        };
        await Promise.all(Array.from({ length: 12 }, (_, i) => worker(i % 2 === 0 ? pair.a : pair.b, i % 2)));
        expect(allowed[0]! + allowed[1]!).toBe(BUDGET);
        expect(Math.min(...allowed)).toBeGreaterThanOrEqual(BUDGET * 0.25);
      }));

    it('keeps budgets on different keys independent', () =>
      withPair(async (pair) => {
        const keys = ['k-alice', 'k-bob', 'k-mallory'];
        const since = '2025-01-01T00:00:00.000Z';
        await acrossBoth(pair, 30, (store, i) =>
          store.transaction(async (tx) => {
            const key = keys[i % keys.length]!;
            if ((await tx.listUsage(key, since)).length < 4) await tx.recordUsage({ key, at: NOW.toISOString() });
          }),
        );
        for (const key of keys) expect(await pair.a.listUsage(key, since)).toHaveLength(4);
      }));

    it('claims a replay key once across two instances', () =>
      withPair(async (pair) => {
        const until = new Date(NOW.getTime() + 300_000).toISOString();
        const now = NOW.toISOString();
        for (const key of ['jti:one', 'nonce:two', 'msg:three']) {
          const claims = await acrossBoth(pair, 20, (store) => store.claimOnce(key, until, now));
          expect(claims.filter(Boolean)).toHaveLength(1);
        }
        // Several keys of one message in one statement (node/replay rememberEach): one message wins each key.
        const messages = await acrossBoth(pair, 10, (store, i) => store.claimEach(['msg:shared', `nonce:${i}`], until, now));
        expect(messages.filter((index) => index === -1)).toHaveLength(1);
        expect(messages.filter((index) => index === 0)).toHaveLength(9);
      }));

    it('keeps one session row for tokens on the same chains granted by two instances at once, none refused', () =>
      withPair(async (pair) => {
        // The token endpoint's keepSession, in the transaction that records each token (node/oauth/token-endpoint).
        const chains = { 'urn:uuid:leaf': ['root.jwt', 'leaf.jwt'] };
        const ends = Array.from({ length: 20 }, (_, i) => new Date(NOW.getTime() + (300 + i) * 1000).toISOString());
        await acrossBoth(pair, 20, (store, i) => store.transaction((tx) => tx.keepSession({ id: 'chains:shared', chains, expiresAt: ends[i]! })));
        const kept = await pair.a.getSession('chains:shared');
        expect(kept?.chains).toEqual(chains);
        // Kept at least an hour past the latest token: the row was raised, never lowered, by whichever wrote last.
        expect(Date.parse(kept!.expiresAt)).toBeGreaterThanOrEqual(Date.parse(ends[0]!) + 3_600_000);
        expect(Date.parse(kept!.expiresAt)).toBeGreaterThanOrEqual(Date.parse(ends[19]!));
        expect(await pair.b.getSession('chains:shared')).toEqual(kept);
      }));

    it('lets exactly one instance take over an expired replay claim', () =>
      withPair(async (pair) => {
        const t0 = '2025-05-01T00:00:00.000Z';
        const t5 = '2025-05-01T00:05:00.000Z';
        const t10 = '2025-05-01T00:10:00.000Z';
        expect(await pair.a.claimOnce('jti:old', t5, t0)).toBe(true);
        const claims = await acrossBoth(pair, 20, (store) => store.claimOnce('jti:old', t10, t5));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await pair.b.claimOnce('jti:old', t10, t5)).toBe(false);
      }));

    it('gives a scheduled job’s lease to one instance at a time, and to another once it lapses', () =>
      withPair(async (pair) => {
        const t0 = '2025-05-01T00:00:00.000Z';
        const t1 = '2025-05-01T00:01:00.000Z';
        const t2 = '2025-05-01T00:02:00.000Z';
        const first = await acrossBoth(pair, 10, (store, i) => store.acquireLease('status-refresh', `instance-${i}`, t1, t0));
        expect(first.filter(Boolean)).toHaveLength(1);
        const holder = `instance-${first.indexOf(true)}`;
        // Renewed by its holder only, while it runs.
        expect(await pair.b.acquireLease('status-refresh', holder, t1, t0)).toBe(true);
        expect(await pair.a.acquireLease('status-refresh', 'someone-else', t2, t0)).toBe(false);
        // Lapsed: exactly one other instance takes it over.
        const next = await acrossBoth(pair, 10, (store, i) => store.acquireLease('status-refresh', `other-${i}`, t2, t1));
        expect(next.filter(Boolean)).toHaveLength(1);
      }));

    it('never hands out a status index twice, and opens one list, across two instances', () =>
      withPair(async (pair) => {
        // A small list, so two instances taking the same position would show.
        const SIZE = 64;
        const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
        const order = statusIndexOrder(seed, SIZE);
        const allocate = (store: Store, i: number) =>
          store.transaction(async (tx) => {
            // As node/status: take from the newest list; without one, open it under latestStatusList's lock.
            let taken = await tx.takeStatusPositions(organization.did, 'revocation', 1);
            if (taken === undefined && (await tx.latestStatusList(organization.did, 'revocation')) === undefined) {
              const at = NOW.toISOString();
              await tx.putStatusList({ id: `r-${i}`, size: SIZE, issuer: organization.did, purpose: 'revocation', bits: new Uint8Array(SIZE / 8), version: 1, createdAt: at, updatedAt: at });
              await tx.putStatusCursor(`r-${i}`, seed, SIZE);
            }
            taken ??= await tx.takeStatusPositions(organization.did, 'revocation', 1);
            if (taken === undefined) throw new Error('no position taken');
            const index = order[taken.first]!;
            await tx.putStatusAllocations([{ credentialId: `urn:uuid:c-${i}`, listId: taken.listId, index, purpose: 'revocation' }]);
            return { listId: taken.listId, index };
          });
        const allocations = await acrossBoth(pair, 48, allocate);
        expect(await pair.a.listStatusLists()).toHaveLength(1);
        const [list] = await pair.b.listStatusLists();
        expect(new Set(allocations.map((a) => a.listId))).toEqual(new Set([list?.id]));
        expect(new Set(allocations.map((a) => a.index)).size).toBe(48);
        expect(await pair.a.countStatusAllocations(list!.id)).toBe(48);
      }));

    it('never loses a status change made concurrently on one list', () =>
      withPair(async (pair) => {
        const at = NOW.toISOString();
        await pair.a.putStatusList({ id: 'r1', issuer: organization.did, purpose: 'revocation', size: 64, bits: new Uint8Array(8), version: 1, createdAt: at, updatedAt: at });
        // Read the bits, set one, write them back (node/status changeStatus), 16 at once.
        await acrossBoth(pair, 16, (store, i) =>
          store.transaction(async (tx) => {
            const list = (await tx.getStatusList('r1'))!;
            const bits = list.bits.slice();
            bits[i >> 3]! |= 0x80 >> (i & 7);
            await tx.updateStatusList('r1', { bits, version: list.version + 1, updatedAt: at });
          }),
        );
        const list = await pair.b.getStatusList('r1');
        expect(list?.version).toBe(17);
        expect(Array.from(list?.bits ?? [])).toEqual([0xff, 0xff, 0, 0, 0, 0, 0, 0]);
      }));

    it('never loses an increment of a setting read and written in one transaction', () =>
      withPair(async (pair) => {
        await acrossBoth(pair, 20, (store) =>
          store.transaction(async (tx) => {
            const version = Number((await tx.getSetting('audit.counter')) ?? '0') + 1;
            await tx.putSetting('audit.counter', String(version));
          }),
        );
        expect(await pair.a.getSetting('audit.counter')).toBe('20');
      }));

    it('never publishes one trust list version twice: read the version, publish the next one (node/registry), 20 at once', () =>
      withPair(async (pair) => {
        const published: number[] = [];
        await acrossBoth(pair, 20, (store) =>
          store.transaction(async (tx) => {
            const version = ((await tx.getTrustList())?.version ?? 0) + 1;
            await tx.putTrustList({ version, token: `list.v${version}.sig`, publishedAt: NOW.toISOString(), validUntil: '2999-01-01T00:00:00.000Z' });
            published.push(version);
          }),
        );
        expect(published.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(await pair.b.getTrustList()).toEqual({ version: 20, token: 'list.v20.sig', publishedAt: NOW.toISOString(), validUntil: '2999-01-01T00:00:00.000Z' });
      }));

    it('never loses an approver named on two instances at once', () =>
      withPair(async (pair) => {
        const dids = Array.from({ length: 10 }, (_, i) => `did:example:approver-${i}`);
        await acrossBoth(pair, 10, (store, i) =>
          store.transaction(async (tx) => {
            const current = await tx.listApprovers();
            await tx.putApprovers([...current, dids[i]!]);
          }),
        );
        expect((await pair.a.listApprovers()).sort()).toEqual([...dids].sort());
      }));

    it('never forks or gaps the audit log: 40 concurrent appends across two instances verify as one chain', () =>
      withPair(async (pair) => {
        const agents = [alice, bob, mallory];
        const appended = await acrossBoth(pair, 40, (store, i) =>
          appendAudit({ store, clock }, { type: 'action', decision: 'allow', action: 'call', resource: `r${i}`, agent: agents[i % 3]!.did }),
        );
        expect(appended.map((a) => a.entry.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        const entries = await pair.a.listAuditEntries();
        expect(entries).toHaveLength(40);
        for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash);
        expect(await verifyAudit({ store: pair.a, resolver })).toMatchObject({ ok: true, entries: 40, lastSeq: 40 });
      }));

    it('lets one instance at a time write the next audit checkpoint (the other reads the last one after it commits)', () =>
      withPair(async (pair) => {
        // Chain c is open before: only its first append (chain-open) waits for a checkpoint being written.
        await appendAudit({ store: pair.b, clock, chain: 'urn:uuid:chain-c' }, { type: 'action', decision: 'allow', action: 'call', resource: 'r0', agent: alice.did });
        const order: string[] = [];
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const first = pair.a.transaction(async (tx) => {
          await tx.lastAuditCheckpoint({ lock: true });
          locked();
          await held;
          await tx.putAuditCheckpoint({ seq: 1, hash: 'h1', at: NOW.toISOString(), token: 't1' });
          order.push('a wrote 1');
        });
        await isLocked;
        const second = pair.b.transaction(async (tx) => {
          const last = await tx.lastAuditCheckpoint({ lock: true });
          order.push(`b saw ${last?.seq}`);
        });
        // An append meanwhile never waits for the checkpoints' lock.
        await appendAudit({ store: pair.b, clock, chain: 'urn:uuid:chain-c' }, { type: 'action', decision: 'allow', action: 'call', resource: 'r', agent: alice.did });
        expect(order).toEqual([]);
        release();
        await Promise.all([first, second]);
        expect(order).toEqual(['a wrote 1', 'b saw 1']);
      }));

    it('gives each instance a chain of its own: 40 concurrent appends on two chains verify, and one chain held never blocks the other', () =>
      withPair(async (pair) => {
        const chains = ['urn:uuid:chain-a', 'urn:uuid:chain-b'] as const;
        const appended = await acrossBoth(pair, 40, (store, i) =>
          appendAudit({ store, clock, chain: chains[i % 2] }, { type: 'action', decision: 'allow', action: 'call', resource: `r${i}`, agent: alice.did }),
        );
        for (const chain of chains) {
          const seqs = appended.filter((a) => a.entry.chainId === chain).map((a) => a.entry.seq);
          // Entry 1 of each is its chain-open.
          expect(seqs.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
        }
        // Instance a holds chain a's head (a decision in flight); instance b appends to chain b meanwhile.
        await pair.a.transaction(async (tx) => {
          const head = await tx.lastAuditEntry(chains[0]);
          const other = await appendAudit({ store: pair.b, clock, chain: chains[1] }, { type: 'action', decision: 'deny', action: 'call', resource: 'r-other', agent: bob.did });
          expect(other.entry.seq).toBe(22);
          await appendAudit({ store: tx, clock, chain: chains[0] }, { type: 'action', decision: 'allow', action: 'call', resource: `after-${head?.seq}`, agent: alice.did });
        });
        expect(await verifyAudit({ store: pair.b, resolver })).toMatchObject({
          ok: true,
          entries: 44,
          chains: [
            { id: chains[0], ok: true, entries: 22 },
            { id: chains[1], ok: true, entries: 22 },
          ],
        });
      }));
  });
}
