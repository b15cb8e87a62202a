// Alerts and the peer throttle over HTTP (#18 item 3), on acme with an injected clock: eleven refused actions
// in a minute from one address fire one alert and refuse that address with ERR_PEER_THROTTLED (429,
// Retry-After) before its body is read, while a good peer goes on; X-Forwarded-For is ignored unless the
// connection comes from a trusted proxy, and then its right-most untrusted address is the peer; the alert
// series are on /metrics; `legate alerts` lists and acknowledges.
import type { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeContext } from '../../src/node/context.js';
import { createApp } from '../../src/server/app.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice } from '../node/acme.js';
import { legate } from '../cli/helpers.js';

const MALLORY = '198.51.100.66';
const ALICE_CLIENT = '203.0.113.10';
// Documentation ranges only (RFC 5737); app.request() runs in process with a stub socket: nothing is ever contacted.
const PROXY = '192.0.2.250';

let now: Date;
const clock = () => new Date(now.getTime());
let node: NodeContext;
let dataDir: string;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node, dataDir } = await acmeWithAlice('legate-alerts-http-', clock));
});
afterEach(() => node.close());

/** A refused action (not a JWS), as sent from `address`, optionally through a proxy naming `forwarded`. */
function badAction(app: Hono, address: string, forwarded?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(forwarded === undefined ? {} : { 'x-forwarded-for': forwarded }) };
  return Promise.resolve(app.request('/actions', { method: 'POST', headers, body: JSON.stringify({ action: 'not.a.jws' }) }, { incoming: { socket: { remoteAddress: address } } }));
}

describe('the peer throttle', () => {
  it('eleven failures in a minute fire one alert; then that address is refused with ERR_PEER_THROTTLED, a good peer is not', async () => {
    const app = createApp({ node, onUnexpectedError: () => undefined });
    for (let i = 0; i < 11; i++) expect((await badAction(app, MALLORY)).status).toBe(400);
    await node.services.alerts.settled();
    const fired = await node.store.listAlerts({ limit: 10 });
    expect(fired.map((a) => [a.rule, a.subject])).toEqual([['failed-auth', `ip:${MALLORY}`]]);

    now = new Date(NOW.getTime() + 15_000);
    const throttled = await badAction(app, MALLORY);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('45');
    expect(await throttled.json()).toMatchObject({ code: 'ERR_PEER_THROTTLED' });
    // Refused before anything is read: further requests leave no alert and no audit line.
    const audit = await node.store.lastAuditEntry((await node.store.getSetting('audit.chain-id'))!);
    for (let i = 0; i < 20; i++) expect((await badAction(app, MALLORY)).status).toBe(429);
    expect(await node.store.lastAuditEntry((await node.store.getSetting('audit.chain-id'))!)).toEqual(audit);
    expect(await node.store.listAlerts({ limit: 10 })).toHaveLength(1);
    // Another client is answered as before.
    expect((await badAction(app, ALICE_CLIENT)).status).toBe(400);
    // And the window ends.
    now = new Date(NOW.getTime() + 60_000);
    expect((await badAction(app, MALLORY)).status).toBe(400);
  });

  it('ignores X-Forwarded-For from a connection that is not a trusted proxy', async () => {
    const app = createApp({ node, onUnexpectedError: () => undefined });
    // A fresh forged address each time does not escape the connection's own count.
    for (let i = 0; i < 11; i++) expect((await badAction(app, MALLORY, `192.0.2.${i}`)).status).toBe(400);
    expect((await badAction(app, MALLORY, '192.0.2.200')).status).toBe(429);
  });

  it('behind a trusted proxy, the right-most address that is not a proxy is the peer', async () => {
    const app = createApp({ node, trustedProxies: ['192.0.2.248/29'], onUnexpectedError: () => undefined });
    // What the client wrote (a forged left-most entry) is not the peer; the address the proxies saw is.
    for (let i = 0; i < 11; i++) expect((await badAction(app, PROXY, `192.0.2.${i}, ${MALLORY}, 192.0.2.249`)).status).toBe(400);
    expect((await badAction(app, PROXY, `192.0.2.99, ${MALLORY}`)).status).toBe(429);
    // Another client behind the same proxy is not throttled.
    expect((await badAction(app, PROXY, ALICE_CLIENT)).status).toBe(400);
    await node.services.alerts.settled();
    expect((await node.store.listAlerts({ limit: 10 })).map((a) => a.subject)).toEqual([`ip:${MALLORY}`]);
  });

  it('exports legate_alerts_fired_total and legate_alerts_open per rule', async () => {
    const app = createApp({ node, onUnexpectedError: () => undefined });
    for (let i = 0; i < 11; i++) await badAction(app, MALLORY);
    await node.services.alerts.settled();
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('legate_alerts_fired_total{rule="failed-auth"} 1');
    expect(text).toContain('legate_alerts_open{rule="failed-auth"} 1');
  });
});

describe('legate alerts', () => {
  it('lists alerts and acknowledges one with the operator named', async () => {
    for (let i = 0; i < 11; i++) node.services.alerts.observe({ kind: 'auth_failed', peer: `ip:${MALLORY}` });
    await node.services.alerts.settled();
    const data = ['--data', dataDir];
    const listed = await legate([...data, 'alerts', '--json']);
    expect(listed.code).toBe(0);
    const [alert] = (listed.json() as { alerts: { id: string; rule: string }[] }).alerts;
    expect(alert).toMatchObject({ rule: 'failed-auth' });
    const text = await legate([...data, 'alerts', 'list', '--rule', 'failed-auth']);
    expect(text.stdout).toContain(`ip:${MALLORY}`);
    expect(text.stdout.split('\n')[0]).toBe('ID\tFIRED\tSEVERITY\tRULE\tSUBJECT\tSTATE\tMESSAGE');
    const acked = await legate([...data, 'alerts', 'ack', alert!.id, '--operator', 'carol', '--json']);
    expect(acked.json()).toMatchObject({ id: alert!.id, acknowledgedBy: 'carol' });
    expect((await legate([...data, 'alerts', 'list', '--open', '--json'])).json()).toEqual({ alerts: [] });
    const unknown = await legate([...data, 'alerts', 'ack', 'urn:uuid:nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('ERR_NOT_FOUND');
  });
});
