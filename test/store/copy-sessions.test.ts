// `legate store migrate` folds SQLite-only storage back into the shared schema: a session row that
// names its chains' JWTs by reference (store/sql/sessions, session_tokens) arrives on PostgreSQL
// with the JWTs themselves, and a replay claim in the WITHOUT ROWID table comes along, still claimed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { copySqliteToPostgres } from '../../src/store/postgres/copy-from-sqlite.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import { describePostgres, useFreshDatabase } from '../helpers/postgres.js';
import { organization } from './contract.js';

const ROOT = 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViOmFjbWUuZXhhbXBsZSJ9.root';
const LINK = 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6d2ViOmFjbWUuZXhhbXBsZTphZ2VudHM6YWxpY2UifQ.link';

describePostgres('copying a SQLite store into PostgreSQL', () => {
  const db = useFreshDatabase();
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('puts the JWTs of a by-reference session row back, and keeps replay claims claimed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legate-copy-'));
    dirs.push(dir);
    const path = join(dir, 'legate.db');
    const sqlite = await openSqliteStore(path);
    const session = { id: 'urn:uuid:alice-session', chains: { 'urn:uuid:child': [LINK, ROOT], 'urn:uuid:root': [ROOT] }, expiresAt: '2099-01-01T00:00:00.000Z' };
    await sqlite.putOrganization(organization);
    await sqlite.putSession(session);
    expect(await sqlite.claimOnce('oauth:vp:alice:n1', '2099-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')).toBe(true);
    await sqlite.close();

    const copied = await copySqliteToPostgres(path, db().url);
    expect(copied.map((c) => c.table)).not.toContain('session_tokens');
    expect(copied.find((c) => c.table === 'sessions')?.rows).toBe(1);

    const pg = await openPostgresStore(db().url);
    try {
      expect(await pg.getSession(session.id)).toEqual(session);
      expect(await pg.claimOnce('oauth:vp:alice:n1', '2099-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')).toBe(false);
    } finally {
      await pg.close();
    }
  });
});
