/**
 * The audit log's scheduled work across two instances of one organization
 * (#16 item 3, #15): two store handles on one SQLite file (each with a chain
 * of its own) and two on one PostgreSQL database. An instance gone silent
 * has its chain closed (`reason: 'lapsed'`) by the checkpoint job of the
 * other, and opens a fresh chain if it comes back; the job runs on one
 * instance at a time; under the schedule appends sign no checkpoint, and
 * close() still signs a due one. Clocks are injected.
 */

import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit, signAuditCheckpoint } from '../../src/audit/checkpoint.js';
import { hashAuditEntry } from '../../src/audit/entry.js';
import { checkpointHash, headsHash } from '../../src/audit/heads.js';
import { auditLogId } from '../../src/audit/log-id.js';
import { organizationSigner } from '../../src/node/signers.js';

import type { AuditEntry } from '../../src/audit/types.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import {
  AUDIT_LIVENESS_LEASE_MS,
  closeLapsedChains,
  DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS,
  renewAuditLiveness,
  runAuditCheckpointJob,
  startAuditJobs,
} from '../../src/node/audit-jobs.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { auditNode, sampleFields } from '../audit/helpers.js';
import { NOW } from '../fixtures.js';
import { describePostgres, freshDatabase } from '../helpers/postgres.js';

interface Fleet {
  a: NodeContext;
  b: NodeContext;
  advance(ms: number): void;
  /** Runs one statement on the database behind the store's back (`?` placeholders), as an attacker with database access would. */
  raw(statement: string, params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** Two instances of acme over one store: a SQLite file, or a PostgreSQL database. */
async function fleet(backend: 'sqlite' | 'postgres'): Promise<Fleet> {
  let now = NOW.getTime();
  const clock = () => new Date(now);
  const root = mkdtempSync(join(tmpdir(), 'legate-audit-jobs-'));
  const db = backend === 'postgres' ? await freshDatabase() : undefined;
  const [first, second] = [join(root, 'a'), join(root, 'b')];
  await initNode({ dataDir: first, domain: 'acme.example', clock, ...(db === undefined ? {} : { database: db.url }) });
  mkdirSync(second, { mode: 0o700 });
  for (const file of ['keystore.json', 'master.key']) copyFileSync(join(first, file), join(second, file));
  // On SQLite both handles open the first directory's file; each has a chain of its own, as on PostgreSQL.
  const open = (dataDir: string) =>
    db === undefined ? openNode({ dataDir: first, clock, auditChain: 'process' }) : openNode({ dataDir, clock, database: db.url, databasePoolSize: 2 });
  const a = await open(first);
  const b = await open(second);
  return {
    a,
    b,
    advance: (ms) => (now += ms),
    raw: async (statement, params) => {
      if (db === undefined) {
        const sqlite = new Database(join(first, 'legate.db'), { timeout: 5000 });
        try {
          sqlite.prepare(statement).run(...params);
        } finally {
          sqlite.close();
        }
        return;
      }
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      let n = 0;
      try {
        await client.query(statement.replace(/\?/g, () => `$${++n}`), params);
      } finally {
        await client.end();
      }
    },
    close: async () => {
      await a.close();
      await b.close();
      await db?.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const entriesOf = async (node: NodeContext, chain: string) => (await node.store.listAuditEntries({ chain })).map((e) => JSON.parse(e.entry) as AuditEntry);
const checkpointsOf = (node: NodeContext) => node.store.listAuditCheckpoints();

function lifecycle(backend: 'sqlite' | 'postgres'): void {
  it('closes the chain of an instance gone silent (lapsed), never one whose lease runs, and the revived instance opens a fresh chain', async () => {
    const f = await fleet(backend);
    try {
      const { a, b } = f;
      expect([await renewAuditLiveness(a), await renewAuditLiveness(b)]).toEqual([true, true]);
      await a.services.audit.record(sampleFields(1));
      await b.services.audit.record(sampleFields(2));
      const chainA = a.services.audit.chain() ?? '';
      // a stays alive without appending: its lease, renewed at 55 s, runs to 115 s.
      f.advance(55_000);
      await renewAuditLiveness(a);
      f.advance(10_000);
      await renewAuditLiveness(b);
      expect(await runAuditCheckpointJob(b, { holder: 'b' })).toMatchObject({ ran: true, closed: [] });
      // Then a falls silent past its lease.
      f.advance(AUDIT_LIVENESS_LEASE_MS);
      await renewAuditLiveness(b);
      expect(await runAuditCheckpointJob(b, { holder: 'b' })).toMatchObject({ ran: true, closed: [chainA] });
      expect((await entriesOf(b, chainA)).map((e) => [e.type, e.details?.reason])).toEqual([['chain-open', undefined], ['issuance', undefined], ['chain-close', 'lapsed']]);
      // b's own chain is untouched, and a second run closes nothing more.
      expect((await entriesOf(b, b.services.audit.chain() ?? '')).at(-1)?.type).toBe('handshake');
      expect(await runAuditCheckpointJob(b, { holder: 'b' })).toMatchObject({ ran: true, closed: [] });

      // a comes back: its append never follows the close, it lands on a fresh chain naming the old one.
      await a.services.audit.record(sampleFields(3));
      const fresh = a.services.audit.chain() ?? '';
      expect(fresh).not.toBe(chainA);
      expect(fresh).toMatch(/^urn:uuid:/);
      expect((await entriesOf(a, fresh)).map((e) => [e.type, e.details?.previous])).toEqual([['chain-open', chainA], ['revocation', undefined]]);
      expect((await entriesOf(a, chainA)).at(-1)?.type).toBe('chain-close');
      // Inside a transaction too (b closes the fresh chain in turn).
      f.advance(2 * AUDIT_LIVENESS_LEASE_MS);
      await renewAuditLiveness(b);
      expect((await runAuditCheckpointJob(b, { holder: 'b' })).closed).toEqual([fresh]);
      await a.store.transaction((tx) => a.services.audit.record(sampleFields(4), tx));
      expect(a.services.audit.chain()).not.toBe(fresh);

      await b.services.audit.record({ type: 'agent', agent: 'did:web:acme.example:agents:alice' });
      f.advance(DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS * 60);
      await renewAuditLiveness(a);
      await renewAuditLiveness(b);
      const { checkpoint } = await runAuditCheckpointJob(b, { holder: 'b' });
      const chains = decodeCompactJws(checkpoint?.token ?? '').payload.chains as { id: string; state: string }[];
      expect(chains.filter((c) => c.state === 'closed').map((c) => c.id).sort()).toEqual([chainA, fresh].sort());
      const result = await verifyAudit({ store: a.store, resolver: a.resolver });
      expect(result).toMatchObject({ ok: true });
      expect(result.chains.filter((c) => c.state === 'closed').map((c) => c.id).sort()).toEqual([chainA, fresh].sort());
    } finally {
      await f.close();
    }
  });

  it('seals what the last checkpoint covers into blocks, all but each chain\'s head, and then nothing more', async () => {
    const f = await fleet(backend);
    try {
      const { a, b } = f;
      for (let i = 1; i <= 3; i++) await a.services.audit.record(sampleFields(i));
      for (let i = 4; i <= 5; i++) await b.services.audit.record(sampleFields(i));
      const before = await b.store.listAuditEntries();
      // A checkpoint falls due; both instances are alive, so nothing is closed.
      f.advance(DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS * 60);
      await renewAuditLiveness(a);
      await renewAuditLiveness(b);
      const heads = await b.store.listAuditChains();
      const run = await runAuditCheckpointJob(b, { holder: 'b' });
      expect(run).toMatchObject({ ran: true, closed: [] });
      expect(run.checkpoint).toBeDefined();
      // Every entry but the heads, chain-opens aside (kept plain, never sealed): a's 2 of 3, b's 1 of 2.
      const headSeq = new Map(heads.map((head) => [head.chain, head.seq]));
      const sealable = before.filter((e) => e.seq < headSeq.get(e.chain)! && !e.entry.includes('"chain-open"'));
      expect(run.sealed).toBe(sealable.length);
      expect(run.sealed).toBe(3);
      expect(await a.store.listAuditEntries()).toEqual(before);
      expect((await runAuditCheckpointJob(b, { holder: 'b' })).sealed).toBe(0);
      expect(await verifyAudit({ store: a.store, resolver: a.resolver })).toMatchObject({ ok: true, entries: before.length });
    } finally {
      await f.close();
    }
  });

  it('leaves a chain closed meanwhile as it is (the close meets ERR_CONFLICT, and is not written twice)', async () => {
    const f = await fleet(backend);
    try {
      await f.a.services.audit.record(sampleFields(1));
      const chainA = f.a.services.audit.chain() ?? '';
      f.advance(2 * AUDIT_LIVENESS_LEASE_MS);
      const stale = await f.b.store.listAuditChains();
      expect(await closeLapsedChains(f.b, { holder: 'b' })).toEqual([chainA]);
      // A second closer read the heads before the first closed the chain.
      const store = new Proxy(f.b.store, {
        get: (target, key) => {
          if (key === 'listAuditChains') return () => Promise.resolve(stale);
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const late = Object.assign(Object.create(f.b) as NodeContext, { store });
      expect(await closeLapsedChains(late, { holder: 'late' })).toEqual([]);
      expect((await entriesOf(f.b, chainA)).filter((e) => e.type === 'chain-close')).toHaveLength(1);
    } finally {
      await f.close();
    }
  });

  it('verify finds a removed lapsed close, an entry after it, and a checkpoint leaving out a chain never signed closed', async () => {
    const f = await fleet(backend);
    try {
      const { a, b } = f;
      await a.services.audit.record(sampleFields(1));
      await b.services.audit.record(sampleFields(2));
      const [chainA, chainB] = [a.services.audit.chain() ?? '', b.services.audit.chain() ?? ''];
      f.advance(2 * AUDIT_LIVENESS_LEASE_MS);
      await renewAuditLiveness(b);
      expect((await runAuditCheckpointJob(b, { holder: 'b' })).closed).toEqual([chainA]);
      await checkpointAudit(b);
      await b.services.audit.record(sampleFields(3));
      const { checkpoint } = await checkpointAudit(b);
      // The chain signed closed is left out of the later checkpoint.
      expect((decodeCompactJws(checkpoint?.token ?? '').payload.chains as { id: string }[]).map((c) => c.id)).toEqual([chainB]);
      const verify = () => verifyAudit({ store: b.store, resolver: b.resolver });
      expect(await verify()).toMatchObject({ ok: true });

      const [close] = await b.store.listAuditEntries({ chain: chainA, fromSeq: 3, toSeq: 3 });
      await f.raw('DELETE FROM audit_entries WHERE chain = ? AND seq = ?', [chainA, 3]);
      expect((await verify()).firstBad).toMatchObject({ chain: chainA, seq: 3, reason: 'truncated', code: 'ERR_AUDIT_TAMPERED' });
      await b.store.appendAuditEntry(close!);
      const forged = { ...sampleFields(4), chainId: chainA, seq: 4, at: close!.at, prevHash: close!.hash } as AuditEntry;
      const { text, hash } = hashAuditEntry(forged);
      await b.store.appendAuditEntry({ chain: chainA, seq: 4, at: forged.at, entry: text, hash, prevHash: close!.hash });
      expect((await verify()).firstBad).toMatchObject({ chain: chainA, seq: 4, reason: 'inserted', code: 'ERR_AUDIT_TAMPERED' });
      await f.raw('DELETE FROM audit_entries WHERE chain = ? AND seq = ?', [chainA, 4]);
      expect(await verify()).toMatchObject({ ok: true });

      // A checkpoint signed by the organization's key that leaves out chain B, open.
      await appendAudit({ store: a.store, clock: () => new Date(NOW.getTime() + 10 * AUDIT_LIVENESS_LEASE_MS), chain: chainB }, sampleFields(5));
      const chains = [{ id: chainA, seq: 3, hash: close!.hash, state: 'closed' as const }];
      const at = new Date(NOW.getTime() + 10 * AUDIT_LIVENESS_LEASE_MS).toISOString();
      const seq = (checkpoint?.seq ?? 0) + 5;
      const claims = { iss: a.organization.did, seq, hash: headsHash(chains), at, log: await auditLogId(a.store), prev: checkpointHash(checkpoint?.token ?? ''), chains };
      await a.store.putAuditCheckpoint({ seq, hash: claims.hash, at, token: await signAuditCheckpoint(claims, await organizationSigner(a)) });
      expect((await verify()).firstBad).toMatchObject({ seq, reason: 'bad-checkpoint', code: 'ERR_AUDIT_TAMPERED' });
    } finally {
      await f.close();
    }
  });

  it('runs the checkpoint job on one instance at a time (the audit-checkpoint lease)', async () => {
    const f = await fleet(backend);
    try {
      expect(await runAuditCheckpointJob(f.a, { holder: 'a', leaseMs: 20_000 })).toMatchObject({ ran: true });
      expect(await runAuditCheckpointJob(f.b, { holder: 'b', leaseMs: 20_000 })).toEqual({ ran: false, closed: [], sealed: 0, remaining: 0 });
      f.advance(10_000);
      // The holder renews its own lease.
      expect(await runAuditCheckpointJob(f.a, { holder: 'a', leaseMs: 20_000 })).toMatchObject({ ran: true });
      f.advance(20_001);
      expect(await runAuditCheckpointJob(f.b, { holder: 'b', leaseMs: 20_000 })).toMatchObject({ ran: true });
      expect(await runAuditCheckpointJob(f.a, { holder: 'a', leaseMs: 20_000 })).toMatchObject({ ran: false });
    } finally {
      await f.close();
    }
  });

  it('under the schedule, appends sign no checkpoint: the job does; close() still signs a due one', async () => {
    const f = await fleet(backend);
    try {
      const { a } = f;
      const jobs = startAuditJobs(a, { checkpointIntervalMs: 3_600_000 });
      for (let i = 1; i <= 120; i++) await a.services.audit.record(sampleFields(i));
      expect(await checkpointsOf(a)).toEqual([]);
      const run = await runAuditCheckpointJob(a, { holder: 'test' });
      expect(run.checkpoint?.seq).toBe(121);
      // Its liveness lease was renewed at the start: the other instance's job does not close its chain.
      f.advance(30_000);
      expect(await runAuditCheckpointJob(f.b, { holder: 'b' })).toMatchObject({ ran: true, closed: [] });
      for (let i = 1; i <= 110; i++) await a.services.audit.record(sampleFields(i));
      expect(await checkpointsOf(a)).toHaveLength(1);
      // Closed while its schedule still runs (a library caller forgetting stop()), it still signs the due checkpoint.
      await a.close();
      await jobs.stop();
      const last = (await checkpointsOf(f.b)).at(-1);
      expect(decodeCompactJws(last?.token ?? '').payload.chains).toMatchObject([{ id: a.services.audit.chain(), seq: 232, state: 'closed' }]);
      expect(await verifyAudit({ store: f.b.store, resolver: f.b.resolver })).toMatchObject({ ok: true });
    } finally {
      await f.close();
    }
  });
}

function manyNew(backend: 'sqlite' | 'postgres'): void {
  it('signs a digest for every entry of both instances when more than 1,000 are new: one checkpoint reaches part of the way, the next the rest', async () => {
    const f = await fleet(backend);
    try {
      const { a, b } = f;
      // As under `legate serve`: appends sign no checkpoint, the job does.
      for (const node of [a, b]) node.services.audit.scheduleCheckpoints(true);
      for (let i = 1; i <= 700; i++) {
        await a.services.audit.record(sampleFields(i));
        await b.services.audit.record(sampleFields(i));
      }
      const result = await runAuditCheckpointJob(b, { holder: 'b' });
      expect(result).toMatchObject({ ran: true, remaining: 0 });
      const tokens = (await checkpointsOf(b)).map((c) => decodeCompactJws(c.token).payload.chains as { id: string; seq: number; from?: number; digests?: string }[]);
      expect(tokens).toHaveLength(2);
      // Per chain, the digests signed run from entry 1 to its head with no gap (its chain-open and 700 entries).
      for (const chain of [a.services.audit.chain(), b.services.audit.chain()]) {
        const spans = tokens.flat().filter((h) => h.id === chain && h.digests !== undefined);
        let next = 1;
        for (const span of spans) {
          expect(span.from).toBe(next);
          next += span.digests!.length / 16;
        }
        expect(next - 1).toBe(701);
      }
      expect(await verifyAudit({ store: b.store, resolver: b.resolver })).toMatchObject({ ok: true, entries: 1_402, checkpoints: 2 });
    } finally {
      await f.close();
    }
  });
}

describe('audit jobs, two handles on one SQLite file', () => {
  manyNew('sqlite');

  lifecycle('sqlite');

  it('never closes the store\'s own chain (it belongs to no process), and without a checkpoint job appends sign inline', async () => {
    const an = await auditNode();
    try {
      // A SQLite node appends to the store's chain: no chain-open, no liveness lease to renew.
      expect(an.node.services.audit.chain()).toBeUndefined();
      expect(await renewAuditLiveness(an.node)).toBe(false);
      const jobs = startAuditJobs(an.node, { checkpointIntervalMs: false });
      for (let i = 1; i <= 100; i++) await an.node.services.audit.record(sampleFields(i));
      await jobs.stop();
      expect(await checkpointsOf(an.node)).toHaveLength(1);
      an.advance(10 * AUDIT_LIVENESS_LEASE_MS);
      expect(await runAuditCheckpointJob(an.node, { holder: 'job' })).toMatchObject({ ran: true, closed: [] });
      const own = (await an.node.store.getSetting('audit.chain-id')) ?? '';
      expect((await entriesOf(an.node, own)).map((e) => e.type)).not.toContain('chain-close');
    } finally {
      await an.close();
    }
  });
});

describePostgres('audit jobs, two instances on one PostgreSQL database', () => {
  lifecycle('postgres');
  manyNew('postgres');
});
