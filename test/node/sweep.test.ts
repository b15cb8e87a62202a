// The sweeping rule for usage rows, and the sweeper `legate serve` runs:
// a use is kept while any budget or rate limit could still count it (calendar
// periods at their longest), plus a day of slack; the sweeper deletes what
// has expired by the node's clock, on its timer, and stops when told.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendAudit } from '../../src/audit/append.js';
import { createAuditService } from '../../src/node/audit.js';
import type { NodeContext } from '../../src/node/context.js';
import { startSweeper, sweepNode, USAGE_SLACK_MS, usageExpiry } from '../../src/node/sweep.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { NOW } from '../fixtures.js';

const DAY = 86_400_000;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe('usageExpiry', () => {
  it('keeps a use for the longest period that counts it, plus the slack', () => {
    const budget = { budget: { value: 300, currency: 'USD', period: 'P1D' } };
    const rate = { rateLimit: { count: 10, period: 'PT1H' } };
    expect(usageExpiry(NOW, [rate])).toBe(at(3_600_000 + USAGE_SLACK_MS));
    expect(usageExpiry(NOW, [rate, budget])).toBe(at(DAY + USAGE_SLACK_MS));
    expect(usageExpiry(NOW, [undefined, { budget: { value: 1, currency: 'USD', period: 'P2W' } }])).toBe(at(14 * DAY + USAGE_SLACK_MS));
  });

  it('takes calendar months and years at their longest', () => {
    expect(usageExpiry(NOW, [{ rateLimit: { count: 1, period: 'P1M' } }])).toBe(at(31 * DAY + USAGE_SLACK_MS));
    expect(usageExpiry(NOW, [{ rateLimit: { count: 1, period: 'P1Y' } }])).toBe(at(366 * DAY + USAGE_SLACK_MS));
  });

  it('keeps a use under no periodic limit for the slack alone', () => {
    expect(usageExpiry(NOW, [])).toBe(at(USAGE_SLACK_MS));
    expect(usageExpiry(NOW, [{ maxAmount: { value: 5, currency: 'USD' } }])).toBe(at(USAGE_SLACK_MS));
  });

  it('keeps for good what it cannot read, and never writes a time past year 9999', () => {
    expect(usageExpiry(NOW, [{ rateLimit: { count: 1, period: 'every day' } }])).toBeUndefined();
    expect(usageExpiry(NOW, [{ rateLimit: { count: 1, period: 'P999999Y' } }])).toBe('9999-12-31T23:59:59.999Z');
  });
});

describe('the sweeper', () => {
  let dir: string;
  let store: Store;
  let now: number;
  let ctx: NodeContext;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'legate-sweep-'));
    store = await openSqliteStore(join(dir, 'legate.db'));
    now = NOW.getTime();
    const clock = () => new Date(now);
    // Sweeping needs only the store, the clock and the audit service (for refusal summaries).
    const audit = createAuditService({ clock, append: (fields) => appendAudit({ store, clock }, fields) });
    ctx = { store, clock, services: { audit } } as unknown as NodeContext;
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sweeps by the node clock once', async () => {
    await store.putSession({ id: 's', chains: {}, expiresAt: at(1000) });
    await store.recordUsage({ key: 'k', at: at(0), expiresAt: at(1000) });
    expect(await sweepNode(ctx)).toMatchObject({ sessions: 0, usage: 0 });
    now += 1000;
    expect(await sweepNode(ctx)).toMatchObject({ sessions: 1, usage: 1 });
  });

  it('sweeps on its timer until stopped', async () => {
    const stop = startSweeper(ctx, { intervalMs: 10 });
    try {
      await store.putSession({ id: 's1', chains: {}, expiresAt: at(-1) });
      await vi.waitFor(async () => expect(await store.getSession('s1')).toBeUndefined(), { timeout: 10_000, interval: 20 });
    } finally {
      await stop();
    }
    await store.putSession({ id: 's2', chains: {}, expiresAt: at(-1) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await store.getSession('s2')).toBeDefined();
  });
});
