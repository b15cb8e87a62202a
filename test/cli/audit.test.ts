// acme (did:web:acme.example) logs decisions about alice -> helper (did:key); `legate audit …` through
// the built CLI against the real SQLite file, before and after an attacker edits it.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { openNode } from '../../src/node/open.js';
import { ALICE, HELPER, OWNER, plainRows, sampleFields } from '../audit/helpers.js';
import { legate } from './helpers.js';

describe('legate audit', () => {
  let dir: string;
  let d: string[];
  const db = () => new Database(join(dir, 'acme', 'legate.db'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-audit-cli-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
  });

  /** Appends samples through the library, as node operations will. */
  async function append(count: number): Promise<void> {
    const node = await openNode({ dataDir: join(dir, 'acme') });
    try {
      const start = ((await node.store.listAuditChains())[0]?.seq ?? 0) + 1;
      for (let i = start; i < start + count; i++) await appendAudit(node, sampleFields(i));
    } finally {
      await node.close();
    }
  }

  it('verifies, checkpoints, exports and shows an untouched log', async () => {
    const empty = await legate([...d, 'audit', 'verify', '--json']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.json()).toEqual({ ok: true, lastSeq: 0, entries: 0, checkpoints: 0, chains: [] });
    expect((await legate([...d, 'audit', 'checkpoint'])).stdout).toContain('empty');

    await append(8);
    const checkpoint = await legate([...d, 'audit', 'checkpoint', '--json']);
    expect(checkpoint.code, checkpoint.stderr).toBe(0);
    expect(checkpoint.json()).toMatchObject({ created: true, checkpoint: { seq: 8, hash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown }, remaining: 0 });
    expect((await legate([...d, 'audit', 'checkpoint', '--json'])).json()).toMatchObject({ created: false, checkpoint: { seq: 8 } });
    await append(2);

    const verify = await legate([...d, 'audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true, lastSeq: 10, entries: 10, checkpoints: 1, lastCheckpoint: { seq: 8 } });
    expect((await legate([...d, 'audit', 'verify'])).stdout).toMatch(/^audit log ok: 10 entries, last seq 10, 1 checkpoint \(last at seq 8, /);

    const exported = await legate([...d, 'audit', 'export']);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const helperOnly = (await legate([...d, 'audit', 'export', '--agent', HELPER, '--since', 'P1D'])).stdout.trimEnd().split('\n');
    expect(helperOnly.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([4, 8]);
    expect((await legate([...d, 'audit', 'export', '--since', '2999-01-01T00:00:00Z'])).stdout).toBe('');

    const out = join(dir, 'audit.jsonl');
    const toFile = await legate([...d, 'audit', 'export', '--agent', ALICE, '--out', out, '--json']);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(toFile.json()).toEqual({ out, entries: 7 });
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(7);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    const show = await legate([...d, 'audit', 'show', '--agent', HELPER]);
    expect(show.code).toBe(0);
    expect(show.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^\S+Z {2}#4 {2}action {2}allow {2}call billing:refund$/),
      `    authority  ${OWNER} -> ${ALICE} -> ${HELPER}`,
      expect.stringMatching(/^\S+Z {2}#8 {2}action {2}deny {2}call billing:refund {2}\[ERR_REVOKED\]$/),
      `    authority  ${OWNER} -> ${ALICE} -> ${HELPER}`,
    ]);
    expect((await legate([...d, 'audit', 'show', '--agent', HELPER, '--json'])).json()).toMatchObject({
      agent: HELPER,
      entries: [{ seq: 4, chain: [HELPER, ALICE, OWNER] }, { seq: 8 }],
    });
    expect((await legate([...d, 'audit', 'show', '--agent', 'did:web:nobody.example'])).stdout).toContain('no audit entries');
  });

  it('exits 1 naming the first bad seq and why, for a changed entry and a truncated tail', async () => {
    const raw = db();
    plainRows(raw);
    const original = raw.prepare<[], { entry: string }>('SELECT entry FROM audit_entries WHERE seq = 3').get()?.entry ?? '';
    try {
      const edited = { ...(JSON.parse(original) as Record<string, unknown>), resource: 'urn:uuid:someone-elses-credential' };
      raw.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 3').run(JSON.stringify(edited));
      const text = await legate([...d, 'audit', 'verify']);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain('audit log TAMPERED at seq 3 (changed)');
      const json = await legate([...d, 'audit', 'verify', '--json']);
      expect(json.code).toBe(1);
      expect(json.json()).toMatchObject({ ok: false, lastSeq: 10, checkpoints: 1, firstBad: { seq: 3, reason: 'changed', code: 'ERR_AUDIT_TAMPERED' } });
      // From the checkpoint at 8 on, the log is intact.
      expect((await legate([...d, 'audit', 'verify', '--from', '8', '--json'])).json()).toMatchObject({ ok: true, entries: 3 });
      raw.prepare('UPDATE audit_entries SET entry = ? WHERE seq = 3').run(original);
      expect((await legate([...d, 'audit', 'verify'])).code).toBe(0);

      raw.prepare('DELETE FROM audit_entries WHERE seq >= 7').run();
      const truncated = await legate([...d, 'audit', 'verify', '--json']);
      expect(truncated.code).toBe(1);
      expect(truncated.json()).toMatchObject({ ok: false, lastSeq: 6, firstBad: { seq: 7, reason: 'truncated' } });
    } finally {
      raw.close();
    }
  });

  it('exits 2 on bad usage', async () => {
    expect((await legate([...d, 'audit', 'verify', '--from', 'abc', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    const missing = await legate([...d, 'audit', 'verify', '--from', '99', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    expect((await legate([...d, 'audit', 'show'])).code).toBe(2);
    expect((await legate([...d, 'audit', 'export', '--since', 'someday', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect((await legate(['--data', join(dir, 'nowhere'), 'audit', 'verify'])).code).toBe(2);
  });
});
