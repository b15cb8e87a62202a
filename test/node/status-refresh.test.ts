// acme (did:web:acme.example) issues alice a credential; its lists are read, go stale, and are re-signed by the job.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { accredit, publishedTrustList } from '../../src/node/registry.js';
import { retireAgent } from '../../src/node/retire.js';
import { changeStatus, localStatusLists, publishedStatusList, statusListUrl } from '../../src/node/status.js';
import { refreshStatusLists, startStatusRefresh, STATUS_REFRESH_LEASE } from '../../src/node/status-refresh.js';
import { verificationOptions } from '../../src/node/verify.js';
import { createApp } from '../../src/server/app.js';
import { resignDue } from '../../src/status/policy.js';
import type { StatusListRecord, Store } from '../../src/store/types.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const HOUR = 3_600_000;
const refund = { action: 'call', resource: 'billing:refund' };
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;
let dataDir: string;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node, dataDir } = await acmeWithAlice('legate-refresh-', clock));
});
afterEach(() => node.close());

/** alice's credential and the ids of its revocation and suspension lists. */
async function issued() {
  const credential = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
  const allocations = await node.store.getStatusAllocations(credential.id);
  const listOf = (purpose: string) => allocations.find((a) => a.purpose === purpose)!.listId;
  return { credential, revocation: listOf('revocation'), suspension: listOf('suspension') };
}

/** The node with a store that counts every call whose name says it writes. */
function counting(ctx: NodeContext): { ctx: NodeContext; writes: string[] } {
  const writes: string[] = [];
  const wrap = (store: Store): Store =>
    new Proxy(store, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function' || typeof name !== 'string') return value;
        if (name === 'transaction') return (fn: (tx: Store) => Promise<unknown>) => target.transaction((tx) => fn(wrap(tx)));
        if (/^(put|update|set|record|claim|remove|delete|acquire|append)/.test(name)) writes.push(name);
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  return { ctx: { ...ctx, store: wrap(ctx.store) }, writes };
}

const stored = async (id: string): Promise<StatusListRecord> => (await node.store.getStatusList(id))!;
const validFrom = (token: string) => decodeCompactJws(token).payload.validFrom;

describe('status lists: reading never writes', () => {
  it('publishedStatusList, the local lookup and GET /status/:list serve a stale list as stored, writing nothing', async () => {
    const { revocation } = await issued();
    const before = await stored(revocation);
    now = new Date(NOW.getTime() + 20 * HOUR); // past half of its one-day validity: due for re-signing
    expect(resignDue([before], clock())).toEqual([revocation]);
    const { ctx, writes } = counting(node);

    expect((await publishedStatusList(ctx, revocation)).token).toBe(before.token);
    expect(await localStatusLists(ctx)(statusListUrl(ctx, revocation))).toBe(before.token);
    const response = await createApp({ node: ctx }).request(`/status/${revocation}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(before.token);

    expect(writes).toEqual([]);
    const after = await stored(revocation);
    expect(after.token).toBe(before.token);
    expect(after.version).toBe(before.version);
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(Buffer.from(after.bits).equals(Buffer.from(before.bits))).toBe(true);
  });

  it('verification with a list past its validUntil fails closed with ERR_STATUS_UNAVAILABLE until the job runs', async () => {
    const { credential } = await issued();
    now = new Date(NOW.getTime() + 25 * HOUR);
    expect(codes(await verifyCapabilityCredential(credential.jwt, verificationOptions(node)))).toEqual(['ERR_STATUS_UNAVAILABLE']);
    expect((await refreshStatusLists(node)).resigned).toHaveLength(2);
    expect(codes(await verifyCapabilityCredential(credential.jwt, verificationOptions(node)))).toEqual([]);
  });

  it('refuses an unknown list with ERR_NOT_FOUND', async () => {
    await expect(publishedStatusList(node, 'r-nope')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    const response = await createApp({ node }).request('/status/r-00000000-0000-4000-8000-000000000000');
    expect(response.status).toBe(404);
  });
});

describe('status lists: the re-signing job', () => {
  it('re-signs a list past half its validity and leaves a fresh one alone; bits and version stay', async () => {
    const { credential, revocation, suspension } = await issued();
    now = new Date(NOW.getTime() + 13 * HOUR);
    await changeStatus(node, credential.id, 'suspend'); // re-signs the suspension list now: it is fresh
    const [rBefore, sBefore] = [await stored(revocation), await stored(suspension)];

    const result = await refreshStatusLists(node);
    expect(result).toEqual({ ran: true, resigned: [revocation], trustListResigned: false, failed: [] });
    const [rAfter, sAfter] = [await stored(revocation), await stored(suspension)];
    expect(rAfter.token).not.toBe(rBefore.token);
    expect(Date.parse(String(validFrom(rAfter.token!)))).toBe(clock().getTime());
    expect([rAfter.version, rAfter.updatedAt]).toEqual([rBefore.version, rBefore.updatedAt]);
    expect(Buffer.from(rAfter.bits).equals(Buffer.from(rBefore.bits))).toBe(true);
    expect(sAfter.token).toBe(sBefore.token);
    // Due again only once half of the new validity has passed.
    now = new Date(now.getTime() + HOUR);
    expect((await refreshStatusLists(node)).resigned).toEqual([]);
  });

  it('two instances on one store: exactly one takes the lease and re-signs', async () => {
    const { revocation, suspension } = await issued();
    now = new Date(NOW.getTime() + 20 * HOUR);
    const other = await openNode({ dataDir, clock });
    try {
      const results = await Promise.all([refreshStatusLists(node, { holder: 'a' }), refreshStatusLists(other, { holder: 'b' })]);
      expect(results.filter((r) => r.ran)).toHaveLength(1);
      expect(results.find((r) => !r.ran)).toEqual({ ran: false, resigned: [], trustListResigned: false, failed: [] });
      expect(new Set(results.flatMap((r) => r.resigned))).toEqual(new Set([revocation, suspension]));
      expect(results.flatMap((r) => r.resigned)).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it('the lease: its holder renews it, others wait until it lapses', async () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    expect(await node.store.acquireLease(STATUS_REFRESH_LEASE, 'a', at(60_000), at(0))).toBe(true);
    expect(await node.store.acquireLease(STATUS_REFRESH_LEASE, 'b', at(90_000), at(30_000))).toBe(false);
    expect(await node.store.acquireLease(STATUS_REFRESH_LEASE, 'a', at(120_000), at(30_000))).toBe(true);
    expect(await node.store.acquireLease(STATUS_REFRESH_LEASE, 'b', at(150_000), at(90_000))).toBe(false);
    expect(await node.store.acquireLease(STATUS_REFRESH_LEASE, 'b', at(180_000), at(120_000))).toBe(true);
    expect(await node.store.acquireLease('another-job', 'a', at(180_000), at(120_000))).toBe(true);
  });

  it("reports a retired issuer's list as ERR_KEY_UNAVAILABLE and re-signs the rest", async () => {
    const { revocation } = await issued();
    // acme -> alice -> helper: alice signs the lists of the credential she delegates.
    const helper = await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' });
    const root = await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    const delegated = await delegateFromAgent(node, { from: 'alice', credential: root.id, to: helper.did, capability: refund });
    const alicesLists = (await node.store.getStatusAllocations(delegated.credential.id)).map((a) => a.listId);
    await retireAgent(node, 'alice');
    now = new Date(NOW.getTime() + 20 * HOUR);
    const result = await refreshStatusLists(node);
    expect(result.ran).toBe(true);
    expect(result.resigned).toContain(revocation);
    expect(result.failed.map((f) => f.id).sort()).toEqual([...alicesLists].sort());
    expect(new Set(result.failed.map((f) => f.code))).toEqual(new Set(['ERR_KEY_UNAVAILABLE']));
  });

  it("serve's schedule runs the job at once, holds the lease for two intervals, and stops cleanly", async () => {
    const { revocation } = await issued();
    const before = await stored(revocation);
    now = new Date(NOW.getTime() + 20 * HOUR);
    const errors: unknown[] = [];
    const schedule = startStatusRefresh(node, { intervalMs: 10 * 60_000, onError: (e) => errors.push(e) });
    await schedule.stop();
    expect(errors).toEqual([]);
    expect((await stored(revocation)).token).not.toBe(before.token);
    // Its lease runs 20 minutes: a one-off run 10 minutes on is refused, 21 minutes on it may run.
    now = new Date(now.getTime() + 10 * 60_000);
    expect((await refreshStatusLists(node)).ran).toBe(false);
    now = new Date(now.getTime() + 11 * 60_000);
    expect((await refreshStatusLists(node)).ran).toBe(true);
  });
});

describe('the trust list: reading never writes, the job re-signs it', () => {
  const BANK = 'did:web:bank.example';
  const storedTrustList = async () => (await node.store.getTrustList())?.token;
  const versionOf = (token: string) => (decodeCompactJws(token).payload.credentialSubject as { version: number }).version;

  it('publishedTrustList and GET /registry/trust-list serve a list past half its validity as stored, writing nothing', async () => {
    const published = await accredit(node, { issuer: BANK, capabilities: ['call:billing:*'] });
    expect(await storedTrustList()).toBe(published);
    now = new Date(NOW.getTime() + 20 * HOUR); // past half of its one-day validity: due for re-signing
    const { ctx, writes } = counting(node);

    expect(await publishedTrustList(ctx)).toBe(published);
    expect(await ctx.services.registry.published()).toBe(published);
    const response = await createApp({ node }).request('/registry/trust-list');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(published);

    expect(writes).toEqual([]);
    expect(await storedTrustList()).toBe(published);
  });

  it('the job re-signs a due trust list as its next version, and leaves a fresh one alone', async () => {
    const published = await accredit(node, { issuer: BANK, capabilities: ['call:billing:*'] });
    now = new Date(NOW.getTime() + 11 * HOUR); // not yet half
    expect(await refreshStatusLists(node)).toMatchObject({ ran: true, trustListResigned: false, failed: [] });
    expect(await storedTrustList()).toBe(published);

    now = new Date(NOW.getTime() + 13 * HOUR);
    expect(await refreshStatusLists(node)).toMatchObject({ ran: true, trustListResigned: true, failed: [] });
    const resigned = (await storedTrustList())!;
    expect(resigned).not.toBe(published);
    expect(Date.parse(String(validFrom(resigned)))).toBe(clock().getTime());
    expect(versionOf(resigned)).toBe(versionOf(published) + 1);
    expect(decodeCompactJws(resigned).payload.credentialSubject).toMatchObject({ accredits: [{ issuer: BANK, capabilities: ['call:billing:*'] }] });
    expect(await publishedTrustList(node)).toBe(resigned);
    // Due again only once half of the new validity has passed.
    now = new Date(now.getTime() + HOUR);
    expect((await refreshStatusLists(node)).trustListResigned).toBe(false);
  });

  it('a node that has published none: reading refuses with ERR_NOT_FOUND (404) and the job signs nothing', async () => {
    now = new Date(NOW.getTime() + 20 * HOUR);
    await expect(publishedTrustList(node)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect((await createApp({ node }).request('/registry/trust-list')).status).toBe(404);
    expect(await refreshStatusLists(node)).toEqual({ ran: true, resigned: [], trustListResigned: false, failed: [] });
    expect(await storedTrustList()).toBeUndefined();
  });
});
