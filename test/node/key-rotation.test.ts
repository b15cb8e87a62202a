// Key rotation, retirement and compromise revocation on one node (acme,
// did:web:acme.example, with the agent alice), on an injected clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointAudit } from '../../src/audit/checkpoint.js';
import { readAuditEntry } from '../../src/audit/entry.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { setSharedSetting } from '../../src/config/shared.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { organizationDocument, agentDocument } from '../../src/node/documents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { keyStates } from '../../src/node/key-lifecycle.js';
import { retireKeys } from '../../src/node/key-retire.js';
import { revokeKey } from '../../src/node/key-revoke.js';
import { rotateAgentKey, rotateOrganizationKey } from '../../src/node/key-rotate.js';
import { KEY_ROTATION_LEASE, runKeyRotation, startKeyRotation } from '../../src/node/key-schedule.js';
import { publishedJwks } from '../../src/node/oauth/metadata.js';
import { presentAsAgent } from '../../src/node/present.js';
import { accredit, publishedTrustList } from '../../src/node/registry.js';
import { retireAgent } from '../../src/node/retire.js';
import { changeStatus, credentialStatus } from '../../src/node/status.js';
import { refreshStatusLists } from '../../src/node/status-refresh.js';
import { verificationOptions } from '../../src/node/verify.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice } from './acme.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ORG = 'did:web:acme.example';
const refund = { action: 'call', resource: 'billing:refund' };
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const kidOf = (jws: string) => decodeCompactJws(jws).header.kid;

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node } = await acmeWithAlice('legate-keyrotate-', clock));
});
afterEach(() => node.close());

const documentKids = async () => ((await organizationDocument(node.store, node.organization)).verificationMethod ?? []).map((m) => m.id);
const jwksKids = async () => (await publishedJwks(node)).keys.map((k) => k.kid);
const keyEntries = async () =>
  (await node.store.listAuditEntries()).map((r) => readAuditEntry(r.entry)?.entry).filter((e) => e?.type === 'key');
const verifies = async (jwt: string) => codes(await verifyCapabilityCredential(jwt, verificationOptions(node)));

describe('rotating the organization key', () => {
  it('publishes the new key at once, re-signs status lists and the trust list with it, and audits old and new kid', async () => {
    await accredit(node, { issuer: 'did:web:partner.example', capabilities: ['call:billing:*'] });
    const before = await issueToAgent(node, { agent: 'alice', capabilities: [refund], validFor: 'P2D' });
    const lists = (await node.store.listStatusLists({ issuer: ORG })).map((l) => l.id);
    expect(lists.length).toBeGreaterThan(0);

    now = new Date(NOW.getTime() + HOUR);
    const rotation = await rotateOrganizationKey(node);
    expect(rotation).toMatchObject({ controller: ORG, oldKid: `${ORG}#key-1`, newKid: `${ORG}#key-2`, trustList: true });
    expect(rotation.statusLists.sort()).toEqual(lists.sort());

    // The new key is in the document and the JWKS at once; the old one stays while what it signed is live.
    expect(await documentKids()).toEqual([`${ORG}#key-1`, `${ORG}#key-2`]);
    expect(await jwksKids()).toEqual([`${ORG}#key-1`, `${ORG}#key-2`]);
    for (const id of lists) expect(kidOf((await node.store.getStatusList(id))!.token!)).toBe(`${ORG}#key-2`);
    expect(kidOf(await publishedTrustList(node))).toBe(`${ORG}#key-2`);

    // The credential signed before still verifies (its status read from lists signed by the new key); new ones use the new key.
    expect(kidOf(before.jwt)).toBe(`${ORG}#key-1`);
    expect(await verifies(before.jwt)).toEqual([]);
    const after = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    expect(kidOf(after.jwt)).toBe(`${ORG}#key-2`);
    expect(await verifies(after.jwt)).toEqual([]);

    const entries = await keyEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'key-rotate', resource: `${ORG}#key-2`, details: { oldKid: `${ORG}#key-1`, newKid: `${ORG}#key-2` } });
  });

  it('keeps the old key (document, JWKS) while a credential or token it signed can be live, then retires it and audits it', async () => {
    const before = await issueToAgent(node, { agent: 'alice', capabilities: [refund], validFor: 'P3D' });
    await rotateOrganizationKey(node);
    // Tokens it signed (lists valid a day, access and session tokens) and the credential (3 days) are live: nothing to retire.
    expect(await retireKeys(node)).toEqual([]);
    const [old] = await keyStates(node);
    expect(old).toMatchObject({ kid: `${ORG}#key-1`, status: 'active', current: false, signs: { credentials: 1, withoutExpiry: 0 }, liveUntil: new Date(Date.parse(before.credential.validUntil!)).toISOString() });

    now = new Date(NOW.getTime() + 2 * DAY); // the token grace is over, the credential is not
    expect(await retireKeys(node)).toEqual([]);
    expect(await jwksKids()).toContain(`${ORG}#key-1`);
    await refreshStatusLists(node); // the lists, re-signed a day later (by key-2), as serve's job does
    expect(await verifies(before.jwt)).toEqual([]);

    now = new Date(NOW.getTime() + 3 * DAY); // the credential has expired: nothing it signed is live
    expect(await retireKeys(node)).toEqual([{ kid: `${ORG}#key-1`, controller: ORG }]);
    expect(await documentKids()).toEqual([`${ORG}#key-2`]);
    expect(await jwksKids()).toEqual([`${ORG}#key-2`]);
    await expect(node.keys.signer(`${ORG}#key-1`)).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    expect((await keyStates(node))[0]).toMatchObject({ status: 'retired', retiredAt: now.toISOString(), retiredReason: 'expired' });
    expect((await keyEntries()).map((e) => e?.action)).toEqual(['key-rotate', 'key-retire']);
    // Retiring again finds nothing.
    expect(await retireKeys(node)).toEqual([]);
  });

  it('keeps the old key in the JWKS while an access token it signed can be live, however short everything else is', async () => {
    // No credential of the old key is live; only its tokens: the JWKS keeps it for the longest token validity after the rotation.
    await rotateOrganizationKey(node);
    now = new Date(NOW.getTime() + DAY - 1);
    expect(await retireKeys(node)).toEqual([]);
    expect(await jwksKids()).toEqual([`${ORG}#key-1`, `${ORG}#key-2`]);
    now = new Date(NOW.getTime() + DAY);
    expect(await retireKeys(node)).toHaveLength(1);
    expect(await jwksKids()).toEqual([`${ORG}#key-2`]);
  });

  it('never strands a credential with no validUntil: its key stays until it is revoked', async () => {
    const issued = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const record = (await node.store.getCredential(issued.id))!;
    // A credential with no expiry (issued by an older node, say): same key, no validUntil.
    await node.store.putCredential({ id: 'urn:uuid:no-expiry', type: record.type, issuer: record.issuer, subject: record.subject, format: record.format, token: record.token, issuedAt: record.issuedAt });
    await rotateOrganizationKey(node);
    now = new Date(NOW.getTime() + 400 * DAY);
    expect(await retireKeys(node)).toEqual([]);
    expect((await keyStates(node))[0]).toMatchObject({ liveUntil: 'forever', signs: { credentials: 1, withoutExpiry: 1 } });
    expect(await documentKids()).toContain(`${ORG}#key-1`);
  });

  it('lets a revoked credential go: only live credentials hold the old key', async () => {
    const issued = await issueToAgent(node, { agent: 'alice', capabilities: [refund] }); // 30 days
    await rotateOrganizationKey(node);
    now = new Date(NOW.getTime() + 2 * DAY);
    expect(await retireKeys(node)).toEqual([]);
    await changeStatus(node, issued.id, 'revoke');
    expect(await retireKeys(node)).toEqual([{ kid: `${ORG}#key-1`, controller: ORG }]);
  });

  it('keeps checkpoints signed by a retired key verifiable through the key history', async () => {
    await issueToAgent(node, { agent: 'alice', capabilities: [refund], validFor: 'P1D' });
    expect((await checkpointAudit(node)).checkpoint).toBeDefined();
    await rotateOrganizationKey(node);
    now = new Date(NOW.getTime() + 2 * DAY);
    expect(await retireKeys(node)).toHaveLength(1);
    await checkpointAudit(node);

    // The key that signed the first checkpoint has left the document; the audit log reads it from the key history.
    expect(await documentKids()).toEqual([`${ORG}#key-2`]);
    expect(await verifyAudit({ store: node.store, resolver: node.resolver })).toMatchObject({ ok: true, checkpoints: 2 });
  });
});

describe('the scheduled policy', () => {
  it('rotates keys past rotation.organizationKey / rotation.agentKeys under a lease, and is off by default', async () => {
    expect(await runKeyRotation(node)).toEqual({ ran: true, rotated: [], retired: [] });
    await setSharedSetting(node.store, 'rotation.organizationKey', 'P90D');
    await setSharedSetting(node.store, 'rotation.agentKeys', 'P7D');
    now = new Date(NOW.getTime() + 7 * DAY);
    const week = await runKeyRotation(node, { holder: 'a' });
    expect(week.rotated.map((r) => r.newKid)).toEqual(['did:web:acme.example:agents:alice#key-2']);
    // Another holder finds the lease taken and does nothing.
    expect(await runKeyRotation(node, { holder: 'b' })).toEqual({ ran: false, rotated: [], retired: [] });
    await node.store.acquireLease(KEY_ROTATION_LEASE, 'a', now.toISOString(), now.toISOString());

    now = new Date(NOW.getTime() + 90 * DAY);
    const quarter = await runKeyRotation(node, { holder: 'a' });
    expect(quarter.rotated.map((r) => r.newKid)).toEqual([`${ORG}#key-2`, 'did:web:acme.example:agents:alice#key-3']);
    // alice's key-1 signed nothing still live: retired in the same run.
    expect(quarter.retired.map((r) => r.kid)).toContain('did:web:acme.example:agents:alice#key-1');
  });

  it('runs under serve as a schedule: a rotation due at start-up happens at once', async () => {
    await setSharedSetting(node.store, 'rotation.organizationKey', 'P1D');
    now = new Date(NOW.getTime() + DAY);
    const warnings: unknown[] = [];
    const schedule = startKeyRotation(node, { intervalMs: 3_600_000, onError: (e) => warnings.push(e) });
    await schedule.stop();
    expect(warnings).toEqual([]);
    expect(await documentKids()).toEqual([`${ORG}#key-1`, `${ORG}#key-2`]);
  });

  it('refuses a rotation setting that is not a duration', async () => {
    await expect(setSharedSetting(node.store, 'rotation.organizationKey', 'P3M')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'rotation.organizationKey' });
  });
});

describe('compromise revocation', () => {
  it('retires the key at once, revokes what it signed since the time, reports what it signed before, and re-signs with the remaining key', async () => {
    const early = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    now = new Date(NOW.getTime() + 2 * HOUR);
    const late = await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    await rotateOrganizationKey(node);
    const result = await revokeKey(node, `${ORG}#key-1`, { compromisedSince: new Date(NOW.getTime() + HOUR).toISOString() });
    expect(result).toMatchObject({ kid: `${ORG}#key-1`, revoked: [late.id], signedBefore: [early.id], trustList: false });
    expect(await credentialStatus(node, late.id)).toEqual({ revoked: true, suspended: false });
    expect(await credentialStatus(node, early.id)).toEqual({ revoked: false, suspended: false });
    expect(await documentKids()).toEqual([`${ORG}#key-2`]);
    expect(await jwksKids()).toEqual([`${ORG}#key-2`]);
    for (const id of result.statusLists) expect(kidOf((await node.store.getStatusList(id))!.token!)).toBe(`${ORG}#key-2`);
    // Its key is gone from the document: neither verifies any more.
    expect(await verifies(late.jwt)).toContain('ERR_KID_INVALID');
    expect(await verifies(early.jwt)).toContain('ERR_KID_INVALID');
    expect((await keyStates(node))[0]).toMatchObject({ status: 'retired', retiredReason: 'compromised', compromisedSince: new Date(NOW.getTime() + HOUR).toISOString() });
    expect((await keyEntries()).at(-1)).toMatchObject({ action: 'key-revoke', resource: `${ORG}#key-1`, credentials: [late.id] });
  });

  it("revokes an agent's delegations signed since the time", async () => {
    const parent = await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    await createAgent(node, { name: 'bob', owner: 'mailto:carol@acme.example' });
    const { delegateFromAgent } = await import('../../src/node/delegate.js');
    const child = await delegateFromAgent(node, { from: 'alice', to: 'bob', credential: parent.id, capability: refund });
    await rotateAgentKey(node, 'alice');
    const result = await revokeKey(node, 'did:web:acme.example:agents:alice#key-1', { compromisedSince: NOW.toISOString() });
    expect(result.revoked).toEqual([child.id]);
    expect(await credentialStatus(node, parent.id)).toEqual({ revoked: false, suspended: false });
  });

  it('refuses the only active key (ERR_LAST_KEY), an unknown key (ERR_NOT_FOUND) and a bad time (ERR_INVALID_ARGUMENT)', async () => {
    await expect(revokeKey(node, `${ORG}#key-1`, { compromisedSince: NOW.toISOString() })).rejects.toMatchObject({ code: 'ERR_LAST_KEY', claim: 'kid' });
    await expect(revokeKey(node, 'did:web:acme.example:agents:alice#key-1', { compromisedSince: NOW.toISOString() })).rejects.toMatchObject({ code: 'ERR_LAST_KEY' });
    await expect(revokeKey(node, `${ORG}#key-9`, { compromisedSince: NOW.toISOString() })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'kid' });
    await expect(revokeKey(node, `${ORG}#key-1`, { compromisedSince: 'yesterday' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'compromisedSince' });
    expect(await documentKids()).toEqual([`${ORG}#key-1`]);
  });
});

describe("rotating an agent's key", () => {
  it('lists the new and the still-live old key in its document, and signs with the new one', async () => {
    await issueToAgent(node, { agent: 'alice', capabilities: [refund] });
    const alice = (await node.store.getAgent('alice'))!;
    const rotation = await rotateAgentKey(node, 'alice');
    expect(rotation).toMatchObject({ controller: alice.did, agent: 'alice', oldKid: `${alice.did}#key-1`, newKid: `${alice.did}#key-2`, trustList: false });
    const doc = (await agentDocument(node.store, node.organization, alice))!;
    expect(doc.verificationMethod!.map((m) => m.id)).toEqual([`${alice.did}#key-1`, `${alice.did}#key-2`]);
    expect(doc.assertionMethod).toEqual([`${alice.did}#key-1`, `${alice.did}#key-2`]);
    const vp = await presentAsAgent(node, { agent: 'alice', audience: 'did:web:bank.example', nonce: 'n-0123456789abcdef' });
    expect(kidOf(vp)).toBe(`${alice.did}#key-2`);

    now = new Date(NOW.getTime() + 2 * DAY);
    expect(await retireKeys(node)).toEqual([{ kid: `${alice.did}#key-1`, controller: alice.did }]);
    expect((await agentDocument(node.store, node.organization, alice))!.verificationMethod!.map((m) => m.id)).toEqual([`${alice.did}#key-2`]);
  });

  it('refuses a did:key agent (ERR_KEY_ROTATION_UNSUPPORTED), an unknown one (ERR_NOT_FOUND) and a retired one (ERR_CONFLICT)', async () => {
    await createAgent(node, { name: 'carol', owner: 'mailto:carol@acme.example', method: 'key' });
    await expect(rotateAgentKey(node, 'carol')).rejects.toMatchObject({ code: 'ERR_KEY_ROTATION_UNSUPPORTED', claim: 'agent' });
    await expect(rotateAgentKey(node, 'mallory')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await retireAgent(node, 'alice');
    await expect(rotateAgentKey(node, 'alice')).rejects.toMatchObject({ code: 'ERR_CONFLICT', reason: 'retired' });
  });

  it('re-signs the status lists the agent keeps for its delegations', async () => {
    const parent = await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    await createAgent(node, { name: 'bob', owner: 'mailto:carol@acme.example' });
    const { delegateFromAgent } = await import('../../src/node/delegate.js');
    const child = await delegateFromAgent(node, { from: 'alice', to: 'bob', credential: parent.id, capability: refund });
    const alice = (await node.store.getAgent('alice'))!;
    const rotation = await rotateAgentKey(node, 'alice');
    expect(rotation.statusLists.length).toBeGreaterThan(0);
    for (const id of rotation.statusLists) expect(kidOf((await node.store.getStatusList(id))!.token!)).toBe(`${alice.did}#key-2`);
    await changeStatus(node, child.id, 'suspend');
    expect(await credentialStatus(node, child.id)).toEqual({ revoked: false, suspended: true });
  });
});
