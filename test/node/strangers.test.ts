// Strangers cannot grow a node's database (issue #13 item 6): 1,000 advertises
// from fresh did:keys holding self-issued credentials leave at most the
// refusal lines the per-minute limit allows, one summary line, and replay
// claims that a sweep removes once their freshness window ends. A handshake
// that earns a session keeps its session and acknowledge until the session
// expires; the sweep removes them after.
//   acme (this node) -> teller (responding agent), alice (acme's agent, trusted)
//   mallory, and 1,000 fresh did:keys (strangers)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { createAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import { generateEphemeralSigner, type Signer } from '../../src/keys/signer.js';
import { handleAceMessage, sessionChains, type AceOutcome } from '../../src/node/ace.js';
import { createAgent } from '../../src/node/agents.js';
import { flushRefusals, REFUSALS_PER_MINUTE, REFUSALS_PER_PEER_PER_MINUTE } from '../../src/node/audit.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { presentAsAgent } from '../../src/node/present.js';
import { sweepNode, USAGE_SLACK_MS } from '../../src/node/sweep.js';
import { refreshStatusLists } from '../../src/node/status-refresh.js';
import { handleAction } from '../../src/node/actions.js';
import { createSignedAction } from '../../src/action/create.js';
import { createPresentation } from '../../src/presentation/create.js';
import { NOW } from '../fixtures.js';

const NOTES = { action: 'read', resource: 'crm:notes' };
const STRANGERS = 1000;

let dir: string;
let ctx: NodeContext;
let now = NOW.getTime();
let teller: string;

/** Rows in every table of the node's database, read from the file by a second connection. */
function rowCounts(): Record<string, number> {
  const db = new Database(join(dir, 'legate.db'), { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

/** An advertise to teller from `signer`, presenting a credential it issued itself. */
async function strangerAdvertise(signer: Signer & { did: string }): Promise<string> {
  const clock = () => new Date(now);
  const own = await issueCapabilityCredential({ issuer: signer.did, signer, subject: { id: signer.did, owner: 'mailto:nobody@evil.example', capabilities: [NOTES] }, clock });
  const nonce = createNonce();
  const presentation = await createPresentation({ signer, credentials: [own.jwt], audience: teller, nonce, clock });
  return (await createAdvertise({ signer, audience: teller, presentation, nonce, intents: [NOTES], clock })).token;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'legate-strangers-'));
  const clock = () => new Date(now);
  await initNode({ dataDir: dir, domain: 'acme.example', name: 'Acme', clock });
  ctx = await openNode({ dataDir: dir, clock, sessionLifetimeSeconds: 300 });
  teller = (await createAgent(ctx, { name: 'teller', owner: 'mailto:tess@acme.example' })).did;
  await issueToAgent(ctx, { agent: 'teller', capabilities: [NOTES] });
  await createAgent(ctx, { name: 'alice', owner: 'mailto:alice@acme.example' });
  // alice's capability carries a rate limit, so her actions leave usage rows (with an expiry) to sweep.
  await issueToAgent(ctx, { agent: 'alice', capabilities: [{ ...NOTES, constraints: { rateLimit: { count: 100, period: 'PT1H' } } }] });
});
afterAll(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

describe('what strangers leave in the database', () => {
  it(`keeps ${STRANGERS} advertises from fresh did:keys to a bounded number of rows`, async () => {
    // A minute before: the first verification publishes the node's own trust list, once (settings, a status entry).
    now = Date.UTC(2026, 2, 2, 9, 59, 0);
    await handleAceMessage(ctx, await strangerAdvertise(generateEphemeralSigner())).catch(() => undefined);
    now = Date.UTC(2026, 2, 2, 10, 0, 0);
    await sweepNode(ctx);
    const before = rowCounts();
    for (let i = 0; i < STRANGERS; i++) {
      const token = await strangerAdvertise(generateEphemeralSigner());
      const outcome: AceOutcome | undefined = await handleAceMessage(ctx, token).catch(() => undefined);
      // Nothing of a stranger's is trusted: no session, however it was refused.
      if (outcome !== undefined) expect(outcome.type === 'advertise' && outcome.handling.session === undefined).toBe(true);
      now += 20; // 1,000 advertises in 20 s: one minute of the refusal limit
    }
    const after = rowCounts();
    const grown = Object.fromEntries(Object.entries(after).map(([t, n]) => [t, n - (before[t] ?? 0)] as const).filter(([, n]) => n !== 0));
    // The audit log grew by the per-minute cap (each entry's row and its light body, sealed once a checkpoint covers
    // it), replay claims by two per advertise (its id, its nonce), and one failed-authentication alert for the agent
    // they were addressed to (alerts are kept once per window): nothing else.
    expect(grown).toEqual({ audit_entries: REFUSALS_PER_MINUTE, audit_light: REFUSALS_PER_MINUTE, one_time_keys: 2 * STRANGERS, alerts: 1 });

    // Once the minute is over, one line sums up the rest.
    now += 60_000;
    await flushRefusals(ctx);
    const last = (await ctx.store.listAuditChains())[0];
    const summary = JSON.parse(last!.entry) as { type: string; reasons: string[]; details: { count: number; peers: string[]; morePeers?: boolean } };
    expect(summary.type).toBe('refusals');
    expect(summary.details.count).toBe(STRANGERS - REFUSALS_PER_MINUTE);
    expect(summary.details.peers).toHaveLength(16);
    expect(summary.details.morePeers).toBe(true);
    expect(summary.reasons.length).toBeGreaterThan(0);

    // The replay claims end with the advertises' freshness window; a sweep takes them.
    now += 15 * 60_000;
    const swept = await sweepNode(ctx);
    // (and the warm-up advertise's two)
    expect(swept.oneTimeKeys).toBe(2 * (STRANGERS + 1));
    const end = rowCounts();
    const audit = { audit_entries: 0, audit_light: 0, one_time_keys: 0, alerts: 0 };
    expect({ ...end, ...audit }).toEqual({ ...before, ...audit });
    expect(end.audit_light! - before.audit_light!).toBe(REFUSALS_PER_MINUTE + 1);
    expect(end.one_time_keys).toBe(0);
    expect(end.audit_entries! - before.audit_entries!).toBe(REFUSALS_PER_MINUTE + 1);
  }, 300_000);

  it(`writes at most ${REFUSALS_PER_PEER_PER_MINUTE} lines a minute for one sender`, async () => {
    now = Date.UTC(2026, 2, 3, 10, 0, 0);
    const mallory = generateEphemeralSigner();
    const before = rowCounts().audit_entries!;
    for (let i = 0; i < 11; i++) await handleAceMessage(ctx, await strangerAdvertise(mallory)).catch(() => undefined);
    // Eleven failed authentications in the minute: the twelfth is throttled before anything is verified or written.
    await expect(handleAceMessage(ctx, await strangerAdvertise(mallory))).rejects.toMatchObject({ code: 'ERR_PEER_THROTTLED' });
    expect(rowCounts().audit_entries! - before).toBe(REFUSALS_PER_PEER_PER_MINUTE);
    now += 60_000;
    await flushRefusals(ctx);
    const summary = JSON.parse((await ctx.store.listAuditChains())[0]!.entry) as { type: string; details: { count: number; peers: string[] } };
    expect(summary).toMatchObject({ type: 'refusals', details: { count: 11 - REFUSALS_PER_PEER_PER_MINUTE, peers: [mallory.did] } });
    // A new minute: mallory is heard again.
    await handleAceMessage(ctx, await strangerAdvertise(mallory)).catch(() => undefined);
    expect(rowCounts().audit_entries! - before).toBe(REFUSALS_PER_PEER_PER_MINUTE + 2);
  }, 120_000);

  it('keeps the session and acknowledge of a trusted handshake until the session expires, then sweeps them', async () => {
    now = Date.UTC(2026, 2, 4, 10, 0, 0);
    // Days after the lists were signed: re-sign them as serve's job would (reads no longer do).
    await refreshStatusLists(ctx);
    const clock = () => new Date(now);
    const alice = (await ctx.store.getAgent('alice'))!;
    const signer = await ctx.keys.signer(alice.kid);
    const nonce = createNonce();
    const presentation = await presentAsAgent(ctx, { agent: 'alice', audience: teller, nonce });
    const advertise = await createAdvertise({ signer, audience: teller, presentation, nonce, intents: [NOTES], clock });
    const before = rowCounts();
    const outcome = await handleAceMessage(ctx, advertise.token);
    if (outcome.type !== 'advertise') throw new Error('expected an advertise outcome');
    const session = outcome.handling.session!;
    expect(session.claims.exp * 1000).toBe(now + 300_000);
    expect(Object.keys((await sessionChains(ctx, session.claims.jti))!)).toHaveLength(1);
    const ack = await ctx.store.getAcknowledge(outcome.handling.acknowledge!.payload.id);
    expect(ack?.expiresAt).toBe(new Date(now + 300_000).toISOString());
    // Only what the confirm is checked against is kept, not the whole acknowledge with its session token.
    const { id, iss, aud, challenge } = outcome.handling.acknowledge!.payload;
    expect(JSON.parse(ack!.payload)).toEqual({ id, iss, aud, challenge });
    const after = rowCounts();
    expect(after.sessions! - before.sessions!).toBe(1);
    expect(after.acknowledges! - before.acknowledges!).toBe(1);
    expect(after.settings).toBe(before.settings);

    // An allowed action records its use against the rate-limited capability, kept for the limit's period plus the slack.
    const action = await createSignedAction({ signer, audience: teller, session: session.token, action: 'read', resource: 'crm:notes', clock });
    expect((await handleAction(ctx, action.token)).decision).toBe('allow');
    const used = rowCounts().usage! - before.usage!;
    expect(used).toBe(1);

    now += 299_000;
    expect((await sweepNode(ctx)).sessions).toBe(0);
    expect(await sessionChains(ctx, session.claims.jti)).toBeDefined();
    now += 1_000;
    expect(await sweepNode(ctx)).toMatchObject({ sessions: 1, acknowledges: 1 });
    expect(await sessionChains(ctx, session.claims.jti)).toBeUndefined();
    expect(rowCounts().usage).toBe(before.usage! + 1);
    now = Date.UTC(2026, 2, 4, 10, 0, 0) + 3_600_000 + USAGE_SLACK_MS - 1_000;
    expect((await sweepNode(ctx)).usage).toBe(0);
    now += 1_000;
    expect((await sweepNode(ctx)).usage).toBe(1);
    expect(rowCounts().usage).toBe(before.usage);
  }, 60_000);
});
