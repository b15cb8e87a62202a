// acme (did:web:acme.example) issues to alice and bob; alice delegates to bob. The inventory
// (listCredentials, showCredential) reads what acme holds, under an injected clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LegateError } from '../../src/errors/index.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { expiringWithinMs, listCredentials, MAX_CREDENTIALS_SCANNED } from '../../src/node/list-credentials.js';
import { showCredential } from '../../src/node/show-credential.js';
import { changeStatus } from '../../src/node/status.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice } from './acme.js';

const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
const read = { action: 'read', resource: 'crm:*' };
const DAY = 86_400_000;

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LegateError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node } = await acmeWithAlice('legate-inventory-', clock));
  await createAgent(node, { name: 'bob', owner: 'mailto:dave@acme.example' });
});
afterEach(() => node.close());

/** alice: a 30-day delegable refund credential and a 2-day read one; bob: a child of the first. */
async function issueSome() {
  const parent = await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 }, validFor: 'P30D' });
  now = new Date(now.getTime() + 1000);
  const short = await issueToAgent(node, { agent: 'alice', capabilities: [read], validFor: 'P2D' });
  now = new Date(now.getTime() + 1000);
  const bob = (await node.store.getAgent('bob'))!;
  const child = await delegateFromAgent(node, { from: 'alice', credential: parent.id, to: bob.did, capability: { action: 'call', resource: 'billing:refund' } });
  return { parent: parent.id, short: short.id, child: child.id };
}

describe('listCredentials', () => {
  it('lists every credential oldest first with capabilities, constraints, chain, status entries and state', async () => {
    const ids = await issueSome();
    const { credentials, cursor } = await listCredentials(node);
    expect(cursor).toBeUndefined();
    expect(credentials.map((c) => c.id)).toEqual([ids.parent, ids.short, ids.child]);
    const [parent, , child] = credentials;
    expect(parent).toMatchObject({ agent: 'alice', owner: 'mailto:carol@acme.example', capabilities: [refund], chain: [], state: 'active' });
    expect(parent!.status.map((s) => [s.purpose, s.set])).toEqual([
      ['revocation', false],
      ['suspension', false],
    ]);
    expect(parent!.status[0]!.list).toMatch(/^https:\/\/acme\.example\/status\/r-/);
    expect(parent!.status[0]!.listId).toBe(parent!.status[0]!.list.split('/').pop());
    expect(Date.parse(parent!.validUntil!)).toBe(NOW.getTime() + 30 * DAY);
    expect(child).toMatchObject({ agent: 'bob', chain: [ids.parent], delegation: { depth: 1, parent: ids.parent }, state: 'active' });
    // The child inherits the parent's limit.
    expect(child!.capabilities[0]!.constraints).toEqual(refund.constraints);
  });

  it('reads every securing form: Data Integrity and VCDM 1.1 JWTs as well as VCDM 2.0 JWTs', async () => {
    const di = await issueToAgent(node, { agent: 'alice', capabilities: [refund], format: 'di' });
    const vc1 = await issueToAgent(node, { agent: 'bob', capabilities: [read], format: 'jwt-vc1' });
    await changeStatus(node, vc1.id, 'revoke');
    const { credentials } = await listCredentials(node);
    expect(credentials.map((c) => [c.id, c.format, c.agent, c.state, c.capabilities])).toEqual([
      [di.id, 'vc+ld+json', 'alice', 'active', [refund]],
      [vc1.id, 'vc+jwt', 'bob', 'revoked', [read]],
    ]);
    for (const c of credentials) {
      expect(c.status.map((s) => s.purpose)).toEqual(['revocation', 'suspension']);
      expect(Date.parse(c.validUntil!)).toBeGreaterThan(NOW.getTime());
    }
  });

  it('filters by agent (name or DID), by state and by expiry', async () => {
    const ids = await issueSome();
    const bob = (await node.store.getAgent('bob'))!;
    expect((await listCredentials(node, { agent: 'alice' })).credentials.map((c) => c.id)).toEqual([ids.parent, ids.short]);
    expect((await listCredentials(node, { agent: bob.did })).credentials.map((c) => c.id)).toEqual([ids.child]);
    expect((await listCredentials(node, { expiringWithin: 3 * DAY })).credentials.map((c) => c.id)).toEqual([ids.short]);

    await changeStatus(node, ids.parent, 'suspend');
    const suspended = await listCredentials(node, { status: 'suspended' });
    // The child's own bits are clear: its state comes from its parent.
    expect(suspended.credentials.map((c) => [c.id, c.stateFrom])).toEqual([
      [ids.parent, undefined],
      [ids.child, ids.parent],
    ]);
    await changeStatus(node, ids.parent, 'revoke');
    expect((await listCredentials(node, { status: 'revoked' })).credentials.map((c) => c.id)).toEqual([ids.parent, ids.child]);
    expect((await listCredentials(node, { status: 'active' })).credentials.map((c) => c.id)).toEqual([ids.short]);

    now = new Date(now.getTime() + 3 * DAY);
    expect((await listCredentials(node, { status: 'expired' })).credentials.map((c) => c.id)).toEqual([ids.short]);
    expect((await listCredentials(node, { status: 'active' })).credentials).toEqual([]);
    // Expired credentials are not "expiring".
    expect((await listCredentials(node, { expiringWithin: 3 * DAY })).credentials).toEqual([]);
  });

  it('pages with a cursor until the last page', async () => {
    const ids = await issueSome();
    const first = await listCredentials(node, { limit: 2 });
    expect(first.credentials.map((c) => c.id)).toEqual([ids.parent, ids.short]);
    expect(first.cursor).toEqual(expect.any(String));
    const second = await listCredentials(node, { limit: 2, cursor: first.cursor });
    expect(second.credentials.map((c) => c.id)).toEqual([ids.child]);
    expect(second.cursor).toBeUndefined();
    // A page filled by the very last credential has no cursor either.
    expect((await listCredentials(node, { limit: 3 })).cursor).toBeUndefined();
  });

  it('reads at most MAX_CREDENTIALS_SCANNED per call: a short page with a cursor, then the rest', async () => {
    // Rows the filter skips (no status entries: never revoked), then one revoked credential past the bound.
    const bob = (await node.store.getAgent('bob'))!;
    await node.store.transaction(async (tx) => {
      for (let i = 0; i < MAX_CREDENTIALS_SCANNED; i++) {
        const id = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        await tx.putCredential({ id, type: 'AgentCapabilityCredential', issuer: node.organization.did, subject: bob.did, format: 'vc+jwt', token: 'x.y.z', issuedAt: NOW.toISOString() });
      }
    });
    now = new Date(now.getTime() + 1000);
    const revoked = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    await changeStatus(node, revoked.id, 'revoke');
    const first = await listCredentials(node, { status: 'revoked' });
    expect(first.credentials).toEqual([]);
    expect(first.cursor).toEqual(expect.any(String));
    const second = await listCredentials(node, { status: 'revoked', cursor: first.cursor });
    expect(second.credentials.map((c) => c.id)).toEqual([revoked.id]);
    expect(second.cursor).toBeUndefined();
  });

  it('refuses bad filters, limits, cursors and unknown agents with their codes', async () => {
    await issueSome();
    expect(await codeOf(listCredentials(node, { status: 'lost' as never }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(listCredentials(node, { limit: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(listCredentials(node, { limit: 501 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(listCredentials(node, { limit: 1.5 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(listCredentials(node, { expiringWithin: -1 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(listCredentials(node, { cursor: '!!' }))).toBe('ERR_INVALID_ARGUMENT');
    // Well-formed, but names no credential of this node.
    expect(await codeOf(listCredentials(node, { cursor: Buffer.from('urn:uuid:nope').toString('base64url') }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(listCredentials(node, { agent: 'mallory' }))).toBe('ERR_NOT_FOUND');
  });
});

describe('expiringWithinMs', () => {
  it('reads short and ISO 8601 durations, and refuses anything else with ERR_INVALID_ARGUMENT', async () => {
    expect(expiringWithinMs('7d', NOW)).toBe(7 * DAY);
    expect(expiringWithinMs('12h', NOW)).toBe(DAY / 2);
    expect(expiringWithinMs('P7D', NOW)).toBe(7 * DAY);
    for (const bad of ['soon', '', 'P0D', '-1d']) expect(await codeOf(Promise.resolve().then(() => expiringWithinMs(bad, NOW)))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('showCredential', () => {
  it('shows one credential with its secured form', async () => {
    const ids = await issueSome();
    const shown = await showCredential(node, ids.child);
    expect(shown).toMatchObject({ id: ids.child, agent: 'bob', chain: [ids.parent], state: 'active' });
    expect(shown.token.split('.')).toHaveLength(3);
  });

  it('refuses an unknown or empty id with its code', async () => {
    expect(await codeOf(showCredential(node, 'urn:uuid:00000000-0000-4000-8000-000000000000'))).toBe('ERR_NOT_FOUND');
    expect(await codeOf(showCredential(node, ''))).toBe('ERR_INVALID_ARGUMENT');
  });
});
