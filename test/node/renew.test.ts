// acme (did:web:acme.example) renews its agents' credentials before they expire (#17 item 3), at an injected clock:
//   policy: every agent P1D, renewed 6 h before expiry; alice and bob (owner carol) hold day-long credentials.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSetting } from '../../src/config/parse-value.js';
import { settingSpec } from '../../src/config/settings.js';
import type { RenewalRule } from '../../src/lib/renewal.js';
import type { AgentCapabilityCredential } from '../../src/credential/types.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { readUnverified } from '../../src/credential/verify-secured.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { renewCredentials, RENEWAL_LEASE } from '../../src/node/renew.js';
import { retireAgent } from '../../src/node/retire.js';
import { changeStatus, credentialStatus } from '../../src/node/status.js';
import { verificationOptions } from '../../src/node/verify.js';
import { NOW } from '../fixtures.js';
import { OWNER } from './acme.js';

const HOUR = 3_600_000;
const LIMITED = { action: 'call', resource: 'billing:refund', constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } };
const EVERYONE: RenewalRule[] = [{ agent: '*', lifetime: 'P1D', renewBefore: 'PT6H' }];

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;

async function openAcme(renewal: RenewalRule[] = EVERYONE): Promise<NodeContext> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-renew-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example', clock });
  const opened = await openNode({ dataDir, clock, renewal });
  await createAgent(opened, { name: 'alice', owner: OWNER });
  await createAgent(opened, { name: 'bob', owner: OWNER });
  return opened;
}

const stored = async (id: string) => readUnverified((await node.store.getCredential(id))!.token) as unknown as AgentCapabilityCredential;
const later = (hours: number) => (now = new Date(now.getTime() + hours * HOUR));

beforeEach(async () => {
  now = new Date(NOW.getTime());
  node = await openAcme();
});
afterEach(() => node.close());

describe('renewCredentials', () => {
  it('reissues a credential renewBefore its expiry, for the lifetime, continuing its lineage, and leaves the old one live', async () => {
    const first = await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'P1D', agentVersion: '1.2.0' });
    later(12);
    expect(await renewCredentials(node)).toEqual({ ran: true, renewed: [], failed: [], more: false });

    later(7); // 5 h left: due
    const result = await renewCredentials(node);
    expect(result.renewed).toHaveLength(1);
    const [renewal] = result.renewed;
    expect(renewal).toMatchObject({ agent: 'alice', from: first.id, lineage: first.id, expires: first.credential.validUntil });
    const renewed = await stored(renewal!.to!);
    expect(renewed.credentialSubject).toMatchObject({ id: first.credential.credentialSubject.id, owner: OWNER, lineage: first.id, capabilities: [LIMITED], agent: { name: 'alice', version: '1.2.0' } });
    expect(renewed.validUntil).toBe(new Date(now.getTime() + 24 * HOUR).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    // New status entries, and the predecessor is neither revoked nor suspended: it expires on its own.
    const entries = (c: AgentCapabilityCredential) => [c.credentialStatus].flat().map((e) => `${e!.statusListCredential}#${e!.statusListIndex}`);
    expect(entries(renewed)).not.toEqual(entries(first.credential));
    expect(await credentialStatus(node, first.id)).toEqual({ revoked: false, suspended: false });
    // The successor verifies like any credential of the organization.
    expect((await verifyCapabilityCredential((await node.store.getCredential(renewal!.to!))!.token, verificationOptions(node))).errors).toEqual([]);

    // Renewed once: the next run finds the lineage's newest credential not due.
    expect((await renewCredentials(node)).renewed).toEqual([]);
    // A renewal of the renewal keeps the first credential's lineage.
    later(20);
    const again = await renewCredentials(node);
    expect(again.renewed).toMatchObject([{ from: renewal!.to, lineage: first.id }]);
    expect((await stored(again.renewed[0]!.to!)).credentialSubject.lineage).toBe(first.id);
  });

  it('keeps the securing form: a Data Integrity credential is renewed as one, and verifies with its lineage term', async () => {
    const first = await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'P1D', format: 'di' });
    later(20);
    const [renewal] = (await renewCredentials(node)).renewed;
    const record = (await node.store.getCredential(renewal!.to!))!;
    expect(record.format).toBe('vc+ld+json');
    const verified = await verifyCapabilityCredential(JSON.parse(record.token) as Record<string, unknown>, verificationOptions(node));
    expect(verified.errors).toEqual([]);
    expect(verified.credential?.credentialSubject.lineage).toBe(first.id);
  });

  it('never renews what is revoked, suspended, expired, held by a retired agent, or without an expiry', async () => {
    const revoked = await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'P1D' });
    const suspended = await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'P1D' });
    await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'PT1H' });
    await issueToAgent(node, { agent: 'bob', capabilities: [LIMITED], validFor: 'P1D' });
    await changeStatus(node, revoked.id, 'revoke');
    await changeStatus(node, suspended.id, 'suspend');
    await retireAgent(node, 'bob');
    later(20); // the hour-long one has expired; the day-long ones are due
    expect(await renewCredentials(node)).toEqual({ ran: true, renewed: [], failed: [], more: false });
  });

  it('applies the rule naming an agent before the * rule, and renews nothing for an agent no rule covers', async () => {
    await node.close();
    node = await openAcme([{ agent: 'bob', lifetime: 'PT12H', renewBefore: 'PT1H' }]);
    await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'PT2H' });
    const bobs = await issueToAgent(node, { agent: 'bob', capabilities: [LIMITED], validFor: 'PT2H' });
    later(1.5);
    const { renewed } = await renewCredentials(node);
    expect(renewed.map((r) => r.from)).toEqual([bobs.id]);
    expect((await stored(renewed[0]!.to!)).validUntil).toBe(new Date(now.getTime() + 12 * HOUR).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });

  it('on a dry run lists what is due and issues nothing; --agent narrows to one agent', async () => {
    const alices = await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'P1D' });
    await issueToAgent(node, { agent: 'bob', capabilities: [LIMITED], validFor: 'P1D' });
    later(20);
    const before = (await node.store.listCredentials()).length;
    const dry = await renewCredentials(node, { dryRun: true, agent: 'alice' });
    expect(dry.renewed).toEqual([{ agent: 'alice', from: alices.id, lineage: alices.id, expires: alices.credential.validUntil }]);
    expect((await node.store.listCredentials()).length).toBe(before);
    await expect(renewCredentials(node, { agent: 'nobody' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('runs on one instance at a time: while another holds the lease, a run does nothing', async () => {
    await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'P1D' });
    later(20);
    expect(await node.store.acquireLease(RENEWAL_LEASE, 'other-instance', new Date(now.getTime() + 60_000).toISOString(), now.toISOString())).toBe(true);
    expect(await renewCredentials(node)).toEqual({ ran: false, renewed: [], failed: [], more: false });
    later(0.1); // the other holder's lease has lapsed
    expect((await renewCredentials(node)).renewed).toHaveLength(1);
  });

  it('writes each renewal to the audit log as an issuance naming the lineage', async () => {
    const first = await issueToAgent(node, { agent: 'alice', capabilities: [LIMITED], validFor: 'P1D' });
    later(20);
    const [renewal] = (await renewCredentials(node)).renewed;
    const entries = (await node.store.listAuditEntries()).map((e) => JSON.parse(e.entry) as { type: string; credentials?: string[]; details?: { lineage?: string } });
    expect(entries.find((e) => e.type === 'issuance' && e.credentials?.[0] === renewal!.to)?.details?.lineage).toBe(first.id);
  });
});

describe('the renewal policy', () => {
  const spec = settingSpec('renewal')!;
  it('is a list of { agent, lifetime, renewBefore } with renewBefore shorter than lifetime', () => {
    expect(parseSetting(spec, '[{"agent":"*","lifetime":"P1D","renewBefore":"PT6H"}]')).toEqual(EVERYONE);
    for (const bad of [
      '[{"agent":"*","lifetime":"PT6H","renewBefore":"PT6H"}]',
      '[{"agent":"*","lifetime":"P1D"}]',
      '[{"agent":"*","lifetime":"P1D","renewBefore":"PT6H","extra":1}]',
      '[{"agent":"","lifetime":"P1D","renewBefore":"PT6H"}]',
      '[{"agent":"*","lifetime":"tomorrow","renewBefore":"PT6H"}]',
      '{"agent":"*"}',
      'not json',
    ]) {
      expect(() => parseSetting(spec, bad), bad).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'renewal' }));
    }
  });

  it('given in code is checked the same way', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-renew-')), 'acme');
    await initNode({ dataDir, domain: 'acme.example', clock });
    await expect(openNode({ dataDir, clock, renewal: [{ agent: '*', lifetime: 'PT1H', renewBefore: 'P1D' }] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'renewal' });
  });
});
