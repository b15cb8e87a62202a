/**
 * @module bench/issue-pg
 *
 * `issue-credential-pg` (#19 item 4 on PostgreSQL): single issuance one
 * after another (`issueToAgent`: the signature, two status entries, the
 * credential row and its audit entry in one transaction) by a node whose
 * store is a PostgreSQL database, in this process, after 500 untimed. Beside
 * the rate: round trips (statements, transaction control included),
 * transactions and advisory locks per issuance, from the store's counters.
 * Durability: the fleet cases' cluster (`fsync` and full-page writes on,
 * `synchronous_commit = off`: a crash of the server can lose the last
 * commits, never part of one).
 */

import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { createAgent, initNode, issueToAgent, openNode } from 'legate/node';
import type { Capability } from 'legate/credential';
import { pgCounters } from 'legate/store';

export interface IssuePgRow {
  name: string;
  opsPerSec: number;
  /** PostgreSQL round trips per issuance, transaction control included. */
  statementsPerIssuance: number;
  transactionsPerIssuance: number;
  /** Advisory locks taken per issuance. */
  locksPerIssuance: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Issues one after another against the database at `url` (empty): warm-up, then a timed run. */
export async function measureIssuancePg(name: string, root: string, url: string, smoke: boolean, capabilities: Capability[]): Promise<IssuePgRow> {
  const dataDir = mkdtempSync(join(root, 'issue-pg-'));
  await initNode({ dataDir, domain: 'acme.example', database: url });
  const counters = pgCounters();
  const node = await openNode({ dataDir, database: url, databasePoolSize: 4, databaseCounters: counters });
  try {
    await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
    const issue = () => issueToAgent(node, { agent: 'alice', capabilities });
    for (let i = 0; i < (smoke ? 5 : 500); i++) await issue();
    const count = smoke ? 10 : 2000;
    const before = { ...counters };
    const begin = performance.now();
    for (let i = 0; i < count; i++) await issue();
    const ms = performance.now() - begin;
    return {
      name,
      opsPerSec: Math.round((count / ms) * 1000),
      statementsPerIssuance: round((counters.statements - before.statements) / count),
      transactionsPerIssuance: round((counters.transactions - before.transactions) / count),
      locksPerIssuance: round((counters.locks - before.locks) / count),
    };
  } finally {
    await node.close();
  }
}
