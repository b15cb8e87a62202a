// SCRATCH, NOT COMMITTED: decision-shaped transactions per second.
import { it } from 'vitest';
import { appendAudit } from '../../src/audit/append.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/types.js';
import { freshDatabase } from '../helpers/postgres.js';

const clock = () => new Date('2025-05-01T12:00:00.000Z');
async function decide(store: Store, i: number, audit: boolean) {
  await store.transaction(async (tx) => {
    const key = `k${i % 64}`;
    const used = await tx.listUsage(key, '2025-01-01T00:00:00.000Z');
    if (used.length < 1_000_000) await tx.recordUsage({ key, at: clock().toISOString() });
    if (audit) await appendAudit({ store: tx, clock }, { type: 'action', decision: 'allow', action: 'call', resource: `r${i}`, agent: 'did:web:a' });
  });
}
async function drive(stores: Store[], total: number, inflight: number, audit: boolean) {
  let next = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, async (_, w) => {
    const store = stores[w % stores.length]!;
    while (next < total) {
      const i = next++;
      const s = performance.now();
      await decide(store, i, audit);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return `${(total / secs).toFixed(0)}/s p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(1)}ms p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(1)}ms`;
}
it('measures', async () => {
  for (const audit of [false, true]) {
    const sq = await openSqliteStore(':memory:');
    console.log(`sqlite 1 handle audit=${audit}: ${await drive([sq], 2000, 16, audit)}`);
    await sq.close();
    for (const n of [1, 2]) {
      const db = await freshDatabase();
      const stores = await Promise.all(Array.from({ length: n }, () => openPostgresStore(db.url, { poolSize: 8 })));
      await drive(stores, 200, 16, audit);
      console.log(`pg ${n} handle(s) audit=${audit}: ${await drive(stores, 2000, 16, audit)}`);
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  }
}, 600_000);
