// The alert rules of a node (#18 item 3), on acme (did:web:acme.example) with an injected clock: failed
// authentications past the limit fire one alert and throttle the peer until the window ends; denials spike
// only above 3x the trailing hour's median and at least the minimum; a capability's first use fires once,
// across two instances sharing a store; credentials and keys near expiry fire once each; a list that could
// not be re-signed fires; acknowledging is audited with the operator's name; old acknowledged ones are swept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAuditEntry } from '../../src/audit/entry.js';
import { createAgent } from '../../src/node/agents.js';
import { acknowledgeAlert } from '../../src/node/alerts/acknowledge.js';
import { runAlertChecks } from '../../src/node/alerts/checks.js';
import { listAlerts } from '../../src/node/alerts/list.js';
import type { NodeContext } from '../../src/node/context.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { retireAgent } from '../../src/node/retire.js';
import { refreshStatusLists } from '../../src/node/status-refresh.js';
import type { AlertRecord } from '../../src/store/ports/alerts.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice, OWNER } from './acme.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MALLORY_IP = 'ip:198.51.100.66';
const BOB = 'did:web:bank.example:agents:bob';
const refund = { action: 'call', resource: 'billing:refund' };

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;
let dataDir: string;
const received: AlertRecord[] = [];

beforeEach(async () => {
  now = new Date(NOW.getTime());
  received.length = 0;
  ({ node, dataDir } = await acmeWithAlice('legate-alerts-', clock));
});
afterEach(() => node.close());

const alertsOf = async (rule: string) => {
  await node.services.alerts.settled();
  return node.store.listAlerts({ rule, limit: 100 });
};

describe('failed authentications', () => {
  it('the 11th in a minute from one peer fires exactly one alert, and throttles that peer until the window ends', async () => {
    const { alerts } = node.services;
    for (let i = 0; i < 10; i++) {
      alerts.admit(MALLORY_IP);
      alerts.observe({ kind: 'auth_failed', peer: MALLORY_IP });
    }
    expect(await alertsOf('failed-auth')).toEqual([]);
    now = new Date(now.getTime() + 20_000);
    alerts.observe({ kind: 'auth_failed', peer: MALLORY_IP });
    for (let i = 0; i < 5; i++) alerts.observe({ kind: 'auth_failed', peer: MALLORY_IP });
    const fired = await alertsOf('failed-auth');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ rule: 'failed-auth', severity: 'warning', subject: MALLORY_IP, details: { peer: MALLORY_IP, count: 11 } });
    // Throttled until the minute that opened with its first failure ends: 40 s from now.
    expect(() => alerts.admit(MALLORY_IP)).toThrow(expect.objectContaining({ code: 'ERR_PEER_THROTTLED', reason: 'PT40S' }));
    // Another peer is not.
    expect(() => alerts.admit('ip:203.0.113.5')).not.toThrow();
    now = new Date(NOW.getTime() + MINUTE);
    expect(() => alerts.admit(MALLORY_IP)).not.toThrow();
  });

  it('counts per agent too: failures against one agent from many peers fire one alert for the agent, and throttle none of them', async () => {
    const alice = (await node.store.getAgent('alice'))!.did;
    for (let i = 0; i < 11; i++) node.services.alerts.observe({ kind: 'auth_failed', peer: `ip:203.0.113.${i}`, agent: alice });
    const fired = await alertsOf('failed-auth');
    expect(fired.map((a) => a.subject)).toEqual([alice]);
    expect(() => node.services.alerts.admit('ip:203.0.113.1')).not.toThrow();
  });
});

describe('denial spikes', () => {
  it('fire above 3x the trailing hour per-minute median and at least 10 in the minute, once per minute', async () => {
    const start = Math.ceil(NOW.getTime() / HOUR) * HOUR;
    const deny = (n: number) => {
      for (let i = 0; i < n; i++) node.services.alerts.observe({ kind: 'deny', peer: BOB, agent: BOB, at: now });
    };
    // An hour of 4 denials a minute: the baseline median is 4.
    for (let m = 0; m < 60; m++) {
      now = new Date(start + m * MINUTE);
      deny(4);
    }
    // 12 is at least 10 but not above 3 x 4.
    now = new Date(start + 60 * MINUTE);
    deny(12);
    expect(await alertsOf('denial-spike')).toEqual([]);
    // 13 is.
    deny(1);
    deny(20);
    const fired = await alertsOf('denial-spike');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ subject: 'did:web:acme.example', details: { count: 13, baseline: 4, factor: 3 } });
  });

  it('need the minimum even over a quiet hour', async () => {
    for (let i = 0; i < 9; i++) node.services.alerts.observe({ kind: 'deny', peer: BOB });
    expect(await alertsOf('denial-spike')).toEqual([]);
    node.services.alerts.observe({ kind: 'deny', peer: BOB });
    expect(await alertsOf('denial-spike')).toHaveLength(1);
  });
});

describe('first use of a capability', () => {
  it('fires once for an agent and capability, across two instances sharing a store and after a restart', async () => {
    const other = await openNode({ dataDir, clock, onAlert: (a) => received.push(a) });
    try {
      const use = { kind: 'allow' as const, agent: BOB, peer: BOB, capability: refund };
      node.services.alerts.observe(use);
      other.services.alerts.observe(use);
      node.services.alerts.observe(use);
      await Promise.all([node.services.alerts.settled(), other.services.alerts.settled()]);
      const fired = await alertsOf('first-use');
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({ severity: 'info', subject: BOB, details: { agent: BOB, action: 'call', resource: 'billing:refund' } });
      // Another capability, or a scoped one, is a first use of its own.
      other.services.alerts.observe({ ...use, capability: { ...refund, scope: 'eu' } });
      await other.services.alerts.settled();
      expect(await alertsOf('first-use')).toHaveLength(2);
      expect(received.map((a) => a.rule)).toContain('first-use');
    } finally {
      await other.close();
    }
    // A restarted instance remembers through the store.
    const restarted = await openNode({ dataDir, clock });
    restarted.services.alerts.observe({ kind: 'allow', agent: BOB, peer: BOB, capability: refund });
    await restarted.close();
    expect(await alertsOf('first-use')).toHaveLength(2);
  });

  it('a failing onAlert never fails or holds up the rules', async () => {
    const other = await openNode({ dataDir, clock, onAlert: () => Promise.reject(new Error('webhook down')) });
    try {
      other.services.alerts.observe({ kind: 'allow', agent: BOB, peer: BOB, capability: refund });
      await other.services.alerts.settled();
      expect(await alertsOf('first-use')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('periodic checks', () => {
  it('alert once for a credential near expiry and a key near its rotation age, and sweep acknowledged alerts past retention', async () => {
    const credential = await issueToAgent(node, { agent: 'alice', capabilities: [refund], validFor: 'P10D' });
    const other = await issueToAgent(node, { agent: 'alice', capabilities: [refund], validFor: 'P30D' });
    now = new Date(NOW.getTime() + 4 * DAY);
    expect((await runAlertChecks(node)).fired).toHaveLength(1);
    // The organization's key is 90 days old at NOW + 83 days: within the week's warning.
    now = new Date(NOW.getTime() + 84 * DAY);
    const run = await runAlertChecks(node);
    expect(run.ran).toBe(true);
    const expiry = await alertsOf('expiry');
    const subjects = expiry.map((a) => a.subject);
    expect(subjects).toContain(credential.id);
    expect(subjects).not.toContain(other.id);
    const orgKey = (await node.store.listKeys('did:web:acme.example')).at(-1)!.kid;
    const aliceKey = (await node.store.listKeys((await node.store.getAgent('alice'))!.did)).at(-1)!.kid;
    expect(subjects).toEqual(expect.arrayContaining([orgKey, aliceKey]));
    // Nothing twice.
    expect((await runAlertChecks(node)).fired).toEqual([]);
    const acked = await acknowledgeAlert(node, expiry[0]!.id, { operator: 'carol' });
    expect(acked).toMatchObject({ acknowledgedBy: 'carol' });
    now = new Date(now.getTime() + 31 * DAY);
    expect((await runAlertChecks(node)).swept).toBe(1);
    expect(await node.store.getAlert(expiry[0]!.id)).toBeUndefined();
  });

  it('a status list that could not be re-signed fires a critical refresh-failed alert, once a day', async () => {
    // acme -> alice -> helper: alice signs the lists of the credential she delegates, then is retired.
    const helper = await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' });
    const root = await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } });
    const delegated = await delegateFromAgent(node, { from: 'alice', credential: root.id, to: helper.did, capability: refund });
    const alicesLists = (await node.store.getStatusAllocations(delegated.credential.id)).map((a) => a.listId);
    await retireAgent(node, 'alice');
    now = new Date(NOW.getTime() + 20 * HOUR);
    await refreshStatusLists(node);
    await refreshStatusLists(node);
    const fired = await alertsOf('refresh-failed');
    expect(fired.map((a) => a.subject).sort()).toEqual([...alicesLists].sort());
    expect(fired.every((a) => a.severity === 'critical' && a.details.code === 'ERR_KEY_UNAVAILABLE')).toBe(true);
  });
});

describe('listing and acknowledging', () => {
  it('lists newest first by rule and time; acknowledges with the operator in the audit log; refuses unknown ids and bad input', async () => {
    node.services.alerts.observe({ kind: 'allow', agent: BOB, peer: BOB, capability: refund });
    await node.services.alerts.settled();
    now = new Date(now.getTime() + MINUTE);
    for (let i = 0; i < 11; i++) node.services.alerts.observe({ kind: 'auth_failed', peer: MALLORY_IP });
    await node.services.alerts.settled();
    expect((await listAlerts(node)).map((a) => a.rule)).toEqual(['failed-auth', 'first-use']);
    expect((await listAlerts(node, { since: new Date(now.getTime() - 1000).toISOString() })).map((a) => a.rule)).toEqual(['failed-auth']);
    const [alert] = await listAlerts(node, { rule: 'failed-auth' });
    await acknowledgeAlert(node, alert!.id, { operator: 'carol' });
    expect((await listAlerts(node, { open: true })).map((a) => a.rule)).toEqual(['first-use']);
    const chain = node.services.audit.chain() ?? (await node.store.getSetting('audit.chain-id'))!;
    const last = readAuditEntry((await node.store.lastAuditEntry(chain))!.entry)!.entry;
    expect(last).toMatchObject({ type: 'alert', action: 'acknowledge', details: { alert: alert!.id, operator: 'carol' } });
    await expect(acknowledgeAlert(node, 'urn:uuid:nope', { operator: 'carol' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(acknowledgeAlert(node, alert!.id, { operator: ' ' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'operator' });
    await expect(listAlerts(node, { since: 'yesterday' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'since' });
    await expect(listAlerts(node, { limit: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'limit' });
  });
});
