// `legate store migrate --to postgres://…`: acme's SQLite node (agents, credentials, one of them
// revoked, registry entries, audit entries and a checkpoint) moves into an empty PostgreSQL database.
// Opened there through LEGATE_DATABASE_URL it is the same node: DID document, keys, status bits at the
// same indexes, audit log verifying on both sides; legate.db is not written; a non-empty target is
// refused with ERR_CONFLICT; the URL's password is never printed.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.js';
import { organizationDocument } from '../../src/node/documents.js';
import { openNode } from '../../src/node/open.js';
import { lockDataDir } from '../../src/node/serve-lock.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { OWNER, sampleFields } from '../audit/helpers.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';
import { legate } from './helpers.js';

const BANK = 'did:web:bank.example';

describePostgres('legate store migrate', () => {
  let dir: string;
  let data: string;
  let d: string[];
  let revoked: { id: string; file: string; listId: string };
  let kept: { id: string; file: string };
  const databases: FreshDatabase[] = [];
  const database = async () => {
    const db = await freshDatabase();
    databases.push(db);
    return db;
  };
  const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  const password = (url: string) => decodeURIComponent(new URL(url).password);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-store-migrate-'));
    data = join(dir, 'acme');
    d = ['--data', data];
    expect((await legate([...d, 'init', '--domain', 'localhost:9'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'helper', '--owner', OWNER, '--method', 'key'])).code).toBe(0);
    const issue = async (name: string) => {
      const run = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const body = run.json() as { id: string; jwt: string; credential: { credentialStatus: { statusListCredential: string }[] } };
      const file = join(dir, `${name}.jwt`);
      writeFileSync(file, body.jwt);
      return { id: body.id, file, listId: body.credential.credentialStatus[0]!.statusListCredential.split('/').pop()! };
    };
    revoked = await issue('revoked');
    kept = await issue('kept');
    expect((await legate([...d, 'cap', 'revoke', revoked.id])).code).toBe(0);
    expect((await legate([...d, 'registry', 'accredit', BANK, '--for', 'call:billing:*', '--max-depth', '1'])).code).toBe(0);
    const node = await openNode({ dataDir: data });
    try {
      for (let i = 1; i <= 6; i++) await appendAudit(node, sampleFields(i));
    } finally {
      await node.close();
    }
    expect((await legate([...d, 'audit', 'checkpoint', '--json'])).json()).toMatchObject({ created: true });
    const again = await openNode({ dataDir: data });
    try {
      for (let i = 7; i <= 8; i++) await appendAudit(again, sampleFields(i));
    } finally {
      await again.close();
    }
  });

  afterAll(async () => {
    await Promise.all(databases.map((db) => db.drop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves every row into an empty database, leaving legate.db as it was, and the node on PostgreSQL is the same node', async () => {
    const db = await database();
    const files = readdirSync(data).sort();
    const before = digest(join(data, 'legate.db'));
    const sqliteVerify = await legate([...d, 'audit', 'verify', '--json']);
    expect(sqliteVerify.code, sqliteVerify.stderr).toBe(0);

    const run = await legate([...d, 'store', 'migrate', '--to', db.url]);
    expect(run.code, run.stderr).toBe(0);
    // Progress per table, then how to run the node: the URL with its password masked, never the password.
    for (const table of ['organization', 'agents', 'keys', 'credentials', 'status_lists', 'status_list_cursors', 'registry_entries', 'audit_entries', 'audit_checkpoints']) {
      expect(run.stderr).toMatch(new RegExp(`^copied ${table}: [1-9]\\d* rows?$`, 'm'));
    }
    expect(run.stdout).toMatch(/^ {2}LEGATE_DATABASE_URL=postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\//m);
    expect(`${run.stdout}${run.stderr}`).not.toContain(password(db.url));
    // legate.db is not written (a reader may leave SQLite's -wal/-shm companions; the -wal then holds nothing).
    expect(digest(join(data, 'legate.db'))).toBe(before);
    // (and the serve lock, held during the copy, leaves its file behind as serve does).
    const ignored = /^(legate\.db-(wal|shm)|serve\.lock)$/;
    expect(readdirSync(data).filter((f) => !ignored.test(f)).sort()).toEqual(files.filter((f) => !ignored.test(f)));
    if (existsSync(join(data, 'legate.db-wal'))) expect(statSync(join(data, 'legate.db-wal')).size).toBe(0);

    const env = { LEGATE_DATABASE_URL: db.url };
    const pgVerify = await legate([...d, 'audit', 'verify', '--json'], { env });
    expect(pgVerify.code, pgVerify.stderr).toBe(0);
    expect(pgVerify.json()).toEqual(sqliteVerify.json());
    const { lastSeq } = pgVerify.json() as { lastSeq: number };
    expect(lastSeq).toBeGreaterThanOrEqual(8);
    expect(pgVerify.json()).toMatchObject({ ok: true, entries: lastSeq, checkpoints: 1 });
    // The revoked credential is still revoked, at the same index of the same list; the other is not.
    expect((await legate([...d, 'verify', revoked.file, '--json'], { env })).json()).toMatchObject({ verified: false, errors: [{ code: 'ERR_REVOKED' }] });
    expect((await legate([...d, 'verify', kept.file, '--json'], { env })).code).toBe(0);
    const [sqliteList, pgList] = [await legate([...d, 'status', 'show', revoked.listId, '--json']), await legate([...d, 'status', 'show', revoked.listId, '--json'], { env })];
    expect(pgList.json()).toEqual(sqliteList.json());
    // `store check` names the store it checked: the database, its password masked, not legate.db.
    const check = await legate([...d, 'store', 'check'], { env });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^store ok: postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\S+ answers/);
    expect(check.stdout + check.stderr).not.toContain(password(db.url));

    const [sqlite, pg] = [await openNode({ dataDir: data }), await openNode({ dataDir: data, database: db.url, databasePoolSize: 2 })];
    try {
      expect(pg.organization).toEqual(sqlite.organization);
      expect(await organizationDocument(pg.store, pg.organization)).toEqual(await organizationDocument(sqlite.store, sqlite.organization));
      expect(await pg.store.listAgents()).toEqual(await sqlite.store.listAgents());
      expect(await pg.store.getStatusAllocations(revoked.id)).toEqual(await sqlite.store.getStatusAllocations(revoked.id));
      // The open lists' cursors and seeds come along: the next credential takes the next position of the same order.
      for (const purpose of ['revocation', 'suspension'] as const) {
        const open = await sqlite.store.latestStatusList(sqlite.organization.did, purpose);
        expect(open?.seed).toBeInstanceOf(Uint8Array);
        expect(open!.allocated).toBeGreaterThanOrEqual(2); // the two credentials (and the trust list's own revocation entry)
        expect(await pg.store.latestStatusList(pg.organization.did, purpose)).toEqual(open);
      }
      expect(await pg.store.listAuditCheckpoints()).toEqual(await sqlite.store.listAuditCheckpoints());
      expect(await pg.store.listRegistryEntries()).toEqual(await sqlite.store.listRegistryEntries());
      // The sealed organization key unseals from PostgreSQL with the same master.key, and signs the same way.
      expect((await pg.keys.signer(`${pg.organization.did}#key-1`)).kid).toBe((await sqlite.keys.signer(`${sqlite.organization.did}#key-1`)).kid);
      // The copied chain (the store's own, named in its settings) continues: the next entry follows its head.
      const [copiedHead] = await pg.store.listAuditChains();
      expect(copiedHead?.seq).toBe(lastSeq);
      const next = await appendAudit(pg, sampleFields(9));
      expect(next.entry).toMatchObject({ chainId: copiedHead?.chain, seq: lastSeq + 1, prevHash: copiedHead?.hash });
    } finally {
      await sqlite.close();
      await pg.close();
    }
    expect((await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--json'], { env })).code).toBe(0);
    const after = await legate([...d, 'audit', 'verify', '--json'], { env });
    expect(after.code, after.stdout).toBe(0);
    expect((after.json() as { lastSeq: number }).lastSeq).toBeGreaterThan(lastSeq + 1);
  });

  it('refuses a target that holds any row with ERR_CONFLICT (target_not_empty), writing nothing, and never prints the password', async () => {
    const db = await database();
    expect((await legate([...d, 'store', 'migrate', '--to', db.url])).code).toBe(0);
    const env = { LEGATE_DATABASE_URL: db.url };
    const agents = (await legate([...d, 'agent', 'list', '--json'], { env })).stdout;

    const again = await legate([...d, '--json', 'store', 'migrate', '--to', db.url]);
    expect(again.code).not.toBe(0);
    expect(again.json()).toMatchObject({ error: { code: 'ERR_CONFLICT', reason: 'target_not_empty' } });
    expect(`${again.stdout}${again.stderr}`).not.toContain(password(db.url));
    expect((await legate([...d, 'agent', 'list', '--json'], { env })).stdout).toBe(agents);

    const text = await legate([...d, 'store', 'migrate', '--to', db.url]);
    expect(text.stderr).toContain('ERR_CONFLICT');
    expect(`${text.stdout}${text.stderr}`).not.toContain(password(db.url));
  });

  it('commits nothing when a row fails to copy, and a later migrate into the schema left behind succeeds', async () => {
    const db = await database();
    // The schema exists (an earlier attempt), and the target refuses checkpoints: the copy fails near its end.
    await (await openPostgresStore(db.url, { poolSize: 1 })).close();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$");
      await admin.query('CREATE TRIGGER refuse BEFORE INSERT ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION refuse()');
      const failed = await legate([...d, '--json', 'store', 'migrate', '--to', db.url]);
      expect(failed.code).not.toBe(0);
      expect(failed.json()).toMatchObject({ error: { code: 'ERR_STORE' } });
      expect(`${failed.stdout}${failed.stderr}`).not.toContain(password(db.url));
      const counts = await admin.query<{ n: string }>(
        'SELECT (SELECT count(*) FROM organization) + (SELECT count(*) FROM agents) + (SELECT count(*) FROM keys) + (SELECT count(*) FROM audit_entries) AS n',
      );
      expect(counts.rows[0]!.n).toBe('0');
      await admin.query('DROP TRIGGER refuse ON audit_checkpoints');
    } finally {
      await admin.end();
    }
    const retried = await legate([...d, 'store', 'migrate', '--to', db.url]);
    expect(retried.code, retried.stderr).toBe(0);
    expect((await legate([...d, 'audit', 'verify', '--json'], { env: { LEGATE_DATABASE_URL: db.url } })).json()).toMatchObject({ ok: true });
  });

  it('refuses to copy a node that is serving, with ERR_DATA_DIR_IN_USE', async () => {
    const db = await database();
    const lock = lockDataDir(data);
    try {
      const refused = await legate([...d, '--json', 'store', 'migrate', '--to', db.url]);
      expect(refused.json()).toMatchObject({ error: { code: 'ERR_DATA_DIR_IN_USE' } });
    } finally {
      lock.release();
    }
    expect((await legate([...d, 'store', 'migrate', '--to', db.url])).code).toBe(0);
  });

  it('never prints the password of a database it cannot reach', async () => {
    const closed = await legate([...d, '--json', 'store', 'migrate', '--to', 'postgres://legate:hunter2-secret@127.0.0.1:9/legate']);
    expect(closed.code).not.toBe(0);
    expect(closed.json()).toMatchObject({ error: { code: 'ERR_STORE' } });
    expect(`${closed.stdout}${closed.stderr}`).not.toContain('hunter2-secret');
  });

  it('refuses a target that is not PostgreSQL, and a directory with no SQLite node', async () => {
    const notPg = await legate([...d, '--json', 'store', 'migrate', '--to', 'mysql://root:hunter2@127.0.0.1/legate']);
    expect(notPg.json()).toMatchObject({ error: { code: 'ERR_STORE' } });
    expect(notPg.stdout).not.toContain('hunter2');
    const db = await database();
    const nowhere = await legate(['--data', join(dir, 'nowhere'), '--json', 'store', 'migrate', '--to', db.url]);
    expect(nowhere.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });
});
