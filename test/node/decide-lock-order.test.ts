// node/decide on PostgreSQL: a decision locks the usage keys it reads (pg_advisory_xact_lock) in one
// sorted order, whatever order its chains list them in, so two decisions on keys {a, b} and {b, a}
// queue instead of deadlocking. The two decisions are held, each after its first lock, until both hold
// one or one waits for the other's (seen in pg_locks): in chain order that interleaving is a deadlock,
// which PostgreSQL breaks by failing one of them (ERR_STORE); sorted, both are allowed.
//   issuer (did:key) -> two credentials X and Y of one agent, each with a 100 USD/day refund budget
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CredentialChain } from '../../src/capability/authorize-chain.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { AgentCapabilityCredential } from '../../src/credential/types.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import type { NodeContext } from '../../src/node/context.js';
import { decideAndRecord } from '../../src/node/decide.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import type { Store } from '../../src/store/types.js';
import { NOW } from '../fixtures.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

const clock = () => new Date(NOW.getTime());
const REFUND = { action: 'call', resource: 'billing:refund' };

/** `target` with `overrides`, every other method bound to `target` (the store's methods use private fields). */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, property) {
      if (property in overrides) return overrides[property as keyof T];
      const value = Reflect.get(t, property, t) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

describePostgres('usage locks in one order', () => {
  let db: FreshDatabase;
  let dir: string;
  let node: NodeContext;
  let admin: pg.Client;
  let x: AgentCapabilityCredential;
  let y: AgentCapabilityCredential;

  beforeAll(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'legate-lock-order-'));
    await initNode({ dataDir: join(dir, 'bank'), domain: 'bank.example', database: db.url, clock });
    node = await openNode({ dataDir: join(dir, 'bank'), database: db.url, databasePoolSize: 4, clock });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const issuer = generateEphemeralSigner();
    const agent = generateEphemeralSigner();
    const issue = async () =>
      (await issueCapabilityCredential({
        issuer: issuer.did,
        signer: issuer,
        subject: { id: agent.did, owner: 'mailto:carol@helpdesk.example', capabilities: [{ ...REFUND, constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } }] },
        clock,
      })).credential;
    [x, y] = [await issue(), await issue()];
  });

  afterAll(async () => {
    await admin?.end();
    await node?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Whether some transaction waits for an advisory lock another holds. */
  async function someoneWaits(): Promise<boolean> {
    const { rows } = await admin.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    return rows[0]!.waiting > 0;
  }

  it('allows both of two concurrent decisions whose chains list the same two budgets in opposite orders', async () => {
    let holding = 0;
    /** After a transaction's first usage read (its first lock taken): wait until both hold one, or one waits. */
    const barrier = async () => {
      holding++;
      while (holding < 2 && !(await someoneWaits())) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const store = overriding<Store>(node.store, {
      transaction: (fn) =>
        node.store.transaction((tx) => {
          let first = true;
          return fn(
            overriding<Store>(tx, {
              listUsage: async (key, since) => {
                const rows = await tx.listUsage(key, since);
                if (first) {
                  first = false;
                  await barrier();
                }
                return rows;
              },
            }),
          );
        }),
    });
    const ctx = Object.create(node, { store: { value: store, writable: true } }) as NodeContext;
    const decide = (live: CredentialChain[]) =>
      decideAndRecord(ctx, {
        request: { ...REFUND, amount: { value: 10, currency: 'USD' } },
        live,
        reasons: [],
        verifier: 'did:web:bank.example:agents:teller',
        approval: { approved: false, reasons: [] },
        log: () => Promise.resolve(),
      });
    const outcomes = await Promise.allSettled([decide([[x], [y]]), decide([[y], [x]])]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.decision : (o.reason as { code?: string }).code))).toEqual(['allow', 'allow']);
    // Each charged one budget once: the rows are there, nothing was lost to a rollback.
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM usage');
    expect(rows[0]!.n).toBe(2);
  });
});
