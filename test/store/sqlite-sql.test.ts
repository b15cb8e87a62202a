/**
 * @module test/store/sqlite-sql
 *
 * The shared repositories (`store/sql`) on SQLite: the store contract,
 * single-writer part included, against a file and `':memory:'`, with the
 * same SQL text the PostgreSQL backend runs.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll } from 'vitest';

import { openSqliteSqlStore } from '../../src/store/sqlite-sql/open.js';
import { storeContract } from './contract.js';

const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

storeContract('sqlite over the shared repositories (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'legate-sql-store-'));
  tempDirs.push(dir);
  return openSqliteSqlStore(join(dir, 'legate.db'));
});
storeContract('sqlite over the shared repositories (memory)', () => openSqliteSqlStore(':memory:'));
