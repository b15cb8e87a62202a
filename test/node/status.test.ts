// acme (did:web:acme.example) -> alice -> helper (did:key); a verifier elsewhere fetches acme's lists.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { retireAgent } from '../../src/node/retire.js';
import { allocateStatus, changeStatus, publishedStatusList, STATUS_LIST_TTL_MS } from '../../src/node/status.js';
import { verificationOptions } from '../../src/node/verify.js';
import { createStatusChecker } from '../../src/status/check.js';
import { statusIndexOrder } from '../../src/status/index-order.js';
import { STATUS_LEASE_SIZE } from '../../src/status/leases.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;
let dataDir: string;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node, dataDir } = await acmeWithAlice('legate-status-', clock));
});
afterEach(() => node.close());

/** A verifier in another organization: fetches acme's published lists (with ETags) and resolves acme's DIDs from acme's node. */
function remoteVerifier() {
  let fetches = 0;
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    fetches++;
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const { token, list } = await publishedStatusList(node, url.pathname.split('/').pop()!);
    const etag = `"${list.id}-${list.version}"`;
    const ifNoneMatch = new Headers(init?.headers).get('if-none-match');
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers: { etag } });
    return new Response(token, { headers: { 'content-type': 'application/vc+jwt', etag, 'cache-control': `max-age=${STATUS_LIST_TTL_MS / 1000}` } });
  };
  const checker = createStatusChecker({ resolver: node.resolver, fetch, clock });
  return {
    verify: (jwt: string) => verifyCapabilityCredential(jwt, { resolver: node.resolver, clock, status: (c) => checker.statusErrors(c) }),
    fetches: () => fetches,
  };
}

describe('status: allocation', () => {
  it('gives every credential one entry per purpose at an index in a 131,072-entry list', async () => {
    const { credential } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const entries = credential.credentialStatus as { statusPurpose: string; statusListIndex: string; statusListCredential: string; type: string }[];
    expect(entries.map((e) => e.statusPurpose)).toEqual(['revocation', 'suspension']);
    for (const e of entries) {
      expect(e.type).toBe('BitstringStatusListEntry');
      expect(e.statusListCredential).toMatch(/^https:\/\/acme\.example\/status\/[rs]-[0-9a-f-]{36}$/);
      expect(Number(e.statusListIndex)).toBeLessThan(131072);
    }
    const lists = await node.store.listStatusLists();
    expect(lists.map((l) => [l.purpose, l.size, l.issuer])).toEqual([
      ['revocation', 131072, node.organization.did],
      ['suspension', 131072, node.organization.did],
    ]);
  });

  it('rolls over to a new list once a list is three-quarters allocated', async () => {
    await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const [first] = await node.store.listStatusLists({ purpose: 'revocation' });
    // Move the list's cursor to the rollover point directly in the SQLite file (issuing 98,304 credentials would be slow),
    // with the node closed: a running one holds positions it took ahead (status/leases), which stay valid.
    await node.close();
    const db = new Database(join(dataDir, 'legate.db'));
    expect(db.prepare('UPDATE status_list_cursors SET taken = ? WHERE list_id = ?').run(131072 * 0.75, first!.id).changes).toBe(1);
    db.close();
    node = await openNode({ dataDir, clock });
    const { credential } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const lists = await node.store.listStatusLists({ purpose: 'revocation' });
    expect(lists).toHaveLength(2);
    const entry = (credential.credentialStatus as { statusPurpose: string; statusListCredential: string }[]).find((e) => e.statusPurpose === 'revocation')!;
    expect(entry.statusListCredential.endsWith(lists[1]!.id)).toBe(true);
    // The suspension list, far from full, is kept.
    expect(await node.store.listStatusLists({ purpose: 'suspension' })).toHaveLength(1);
  });

  it('takes no more indexes from a list made before lists had a seed, and still revokes what it holds', async () => {
    const { id: old } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const before = await node.store.listStatusLists();
    // A list of an older store, as the node opening it meets it: its cursor counts its allocations but has no seed (store migration 22).
    await node.close();
    const db = new Database(join(dataDir, 'legate.db'));
    expect(db.prepare('UPDATE status_list_cursors SET seed = NULL').run().changes).toBe(2);
    db.close();
    node = await openNode({ dataDir, clock });
    const { credential } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const lists = await node.store.listStatusLists();
    expect(lists).toHaveLength(4);
    for (const entry of credential.credentialStatus as { statusListCredential: string }[]) {
      expect(before.some((l) => entry.statusListCredential.endsWith(l.id))).toBe(false);
    }
    expect(await changeStatus(node, old, 'revoke')).toMatchObject({ listId: before.find((l) => l.purpose === 'revocation')!.id, version: 2 });
  });

  it('gives up with ERR_STORE after a bounded number of tries when no list will give a position', async () => {
    // A store whose cursors never move (as if other instances always took the room first).
    const store = new Proxy(node.store, {
      get: (target, name) => {
        if (name === 'takeStatusPositions') return () => Promise.resolve(undefined);
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const stuck: NodeContext = { ...node, store };
    await expect(allocateStatus(stuck, node.organization.did, 'urn:uuid:stuck')).rejects.toMatchObject({ code: 'ERR_STORE', reason: 'status_list_full' });
    // One list opened (the first try found none), then tries on it until the bound: not a list a try.
    expect(await node.store.listStatusLists({ purpose: 'revocation' })).toHaveLength(1);
    expect(await node.store.getStatusAllocations('urn:uuid:stuck')).toEqual([]);
  });

  /** Where in its list's order a credential's `purpose` entry is (its list's cursor position when it was taken). */
  async function positionOf(credential: { credentialStatus?: unknown }, purpose: string): Promise<number> {
    const entry = (credential.credentialStatus as { statusPurpose: string; statusListIndex: string }[]).find((e) => e.statusPurpose === purpose)!;
    const list = (await node.store.latestStatusList(node.organization.did, purpose as 'revocation'))!;
    return statusIndexOrder(list.seed!, list.size).indexOf(Number(entry.statusListIndex));
  }

  it('takes positions ahead, 64 at a time, in a transaction of their own', async () => {
    const first = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const list = (await node.store.latestStatusList(node.organization.did, 'revocation'))!;
    // 64 taken from the cursor, one used and recorded.
    expect(list.allocated).toBe(STATUS_LEASE_SIZE);
    expect(await node.store.getStatusAllocations(first.id)).toHaveLength(2);
    const more = [];
    for (let i = 1; i < STATUS_LEASE_SIZE; i++) more.push(await issueToAgent(node, { agent: 'alice', capabilities: [refund] }));
    expect((await node.store.latestStatusList(node.organization.did, 'revocation'))!.allocated).toBe(STATUS_LEASE_SIZE);
    const next = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    expect((await node.store.latestStatusList(node.organization.did, 'suspension'))!.allocated).toBe(2 * STATUS_LEASE_SIZE);
    const positions = await Promise.all([first, ...more, next].map((c) => positionOf(c.credential, 'revocation')));
    expect(positions).toEqual(Array.from({ length: STATUS_LEASE_SIZE + 1 }, (_, i) => i));
  });

  it('never hands out again a position an issuance that failed took, nor one left in a lease at a restart', async () => {
    const before = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    expect(await positionOf(before.credential, 'revocation')).toBe(0);
    // Fails its schema check after its positions were taken, inside its transaction: ERR_SCHEMA, nothing written.
    const bad = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: -1, currency: 'USD' } } };
    await expect(issueToAgent(node, { agent: 'alice', capabilities: [bad] })).rejects.toMatchObject({ code: 'ERR_SCHEMA' });
    const after = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    expect(await positionOf(after.credential, 'revocation')).toBe(2);
    // A new process holds no lease: it takes the next 64, past the ones the last one never used.
    await node.close();
    node = await openNode({ dataDir, clock });
    const restarted = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    expect(await positionOf(restarted.credential, 'revocation')).toBe(STATUS_LEASE_SIZE);
    expect(await positionOf(restarted.credential, 'suspension')).toBe(STATUS_LEASE_SIZE);
    expect(await node.store.getStatusAllocations(before.id)).toHaveLength(2);
  });

  it('never hands out an index twice under concurrent issuance (2,000 credentials)', async () => {
    const issued = await Promise.all(Array.from({ length: 2000 }, () => issueToAgent(node, { agent: 'alice', capabilities: [refund] })));
    for (const purpose of ['revocation', 'suspension']) {
      const seen = new Set<string>();
      for (const { credential } of issued) {
        const entry = (credential.credentialStatus as { statusPurpose: string; statusListIndex: string; statusListCredential: string }[]).find((e) => e.statusPurpose === purpose)!;
        seen.add(`${entry.statusListCredential}#${entry.statusListIndex}`);
      }
      expect(seen.size, purpose).toBe(2000);
    }
    // Random, not sequential: the indexes spread over the list.
    const indexes = issued.map(({ credential }) => Number((credential.credentialStatus as { statusListIndex: string }[])[0]!.statusListIndex));
    expect(Math.max(...indexes) - Math.min(...indexes)).toBeGreaterThan(100_000);
  });
});

describe('status: revoke, suspend, reinstate', () => {
  it('a remote verifier sees a revocation after the cache TTL, and not before', async () => {
    const { jwt, id } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const verifier = remoteVerifier();
    expect((await verifier.verify(jwt)).errors).toEqual([]);
    const result = await changeStatus(node, id, 'revoke');
    expect(result).toMatchObject({ purpose: 'revocation', version: 2 });
    now = new Date(now.getTime() + STATUS_LIST_TTL_MS - 1000);
    expect((await verifier.verify(jwt)).errors).toEqual([]);
    now = new Date(now.getTime() + 2000);
    expect(codes(await verifier.verify(jwt))).toEqual(['ERR_REVOKED']);
  });

  it("the issuing node sees its own revocation at once, from its store", async () => {
    const { jwt, id } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    expect((await verifyCapabilityCredential(jwt, verificationOptions(node))).errors).toEqual([]);
    await changeStatus(node, id, 'revoke');
    expect(codes(await verifyCapabilityCredential(jwt, verificationOptions(node)))).toEqual(['ERR_REVOKED']);
    expect((await verifyCapabilityCredential(jwt, verificationOptions(node, { checkStatus: false }))).errors).toEqual([]);
  });

  it('suspension then reinstatement flips back; the list is re-signed with a new version each time', async () => {
    const { jwt, id } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const verifier = remoteVerifier();
    const before = (await node.store.listStatusLists({ purpose: 'suspension' }))[0]!;
    await changeStatus(node, id, 'suspend');
    now = new Date(now.getTime() + STATUS_LIST_TTL_MS + 1000);
    expect(codes(await verifier.verify(jwt))).toEqual(['ERR_SUSPENDED']);
    await changeStatus(node, id, 'reinstate');
    const after = (await node.store.listStatusLists({ purpose: 'suspension' }))[0]!;
    expect(after.version).toBe(before.version + 2);
    expect(after.token).not.toBe(before.token);
    now = new Date(now.getTime() + STATUS_LIST_TTL_MS + 1000);
    expect((await verifier.verify(jwt)).errors).toEqual([]);
  });

  it('revalidates an unchanged list with its ETag (304) instead of downloading it again', async () => {
    const { jwt } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const verifier = remoteVerifier();
    await verifier.verify(jwt);
    const first = verifier.fetches();
    now = new Date(now.getTime() + STATUS_LIST_TTL_MS + 1000);
    expect((await verifier.verify(jwt)).errors).toEqual([]);
    expect(verifier.fetches()).toBe(first * 2);
  });

  it('refuses to reinstate a revoked credential, and to change unknown ones', async () => {
    const { id } = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    await changeStatus(node, id, 'revoke');
    await expect(changeStatus(node, id, 'reinstate')).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    await expect(changeStatus(node, 'urn:uuid:nope', 'revoke')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(changeStatus(node, id, 'delete' as 'revoke')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('status: chains and retirement', () => {
  async function chain() {
    const helper = await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' });
    const root = await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    const child = await delegateFromAgent(node, { from: 'alice', credential: root.id, to: helper.did, capability: { action: 'call', resource: 'billing:refund' } });
    return { root, child };
  }

  it("gives delegated credentials entries in the delegating agent's own lists", async () => {
    const { child } = await chain();
    const alice = await node.store.getAgent('alice');
    expect((await node.store.listStatusLists({ issuer: alice!.did })).map((l) => l.purpose)).toEqual(['revocation', 'suspension']);
    expect((await verifyChain([child.jwt, (await node.store.getCredential(child.credential.credentialSubject.delegation!.parent!))!.token], verificationOptions(node))).errors).toEqual([]);
  });

  it('revoking a parent invalidates its delegates', async () => {
    const { root, child } = await chain();
    await changeStatus(node, root.id, 'revoke');
    const result = await verifyChain([root.jwt, child.jwt], verificationOptions(node));
    expect(codes(result)).toEqual(['ERR_REVOKED']);
    expect(result.errors[0]!.message).toMatch(/^link 0:/);
  });

  it('retiring an agent revokes its credentials and their delegates, and its key signs no more', async () => {
    const { root, child } = await chain();
    const other = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const { revoked, agent } = await retireAgent(node, 'alice');
    expect(new Set(revoked)).toEqual(new Set([root.id, child.id, other.id]));
    expect(agent.status).toBe('retired');
    for (const jwt of [root.jwt, other.jwt]) expect(codes(await verifyCapabilityCredential(jwt, verificationOptions(node)))).toEqual(['ERR_REVOKED']);
    // alice signed the child: her DID is deactivated now, so its signature no longer verifies (status is read only after it does).
    expect(codes(await verifyCapabilityCredential(child.jwt, verificationOptions(node)))).toEqual(['ERR_DID_DEACTIVATED']);
    await expect(node.keys.signer(agent.kid)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    await expect(issueToAgent(node, { agent: 'alice', capabilities: [refund] })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect((await retireAgent(node, 'alice')).revoked).toEqual([]);
  });
});
