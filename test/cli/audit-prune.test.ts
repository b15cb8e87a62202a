// `legate audit prune`: the bundle goes to a new owner-only file and verifies offline, the log verifies after,
// and each bad invocation names its code with nothing deleted.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { checkpointAudit } from '../../src/audit/checkpoint.js';
import { openNode } from '../../src/node/open.js';
import { sampleFields } from '../audit/helpers.js';
import { legate } from './helpers.js';

describe('legate audit prune', () => {
  let dir: string;
  let d: string[];

  // A fresh node for each test: pruning is for good.
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-audit-prune-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    const node = await openNode({ dataDir: join(dir, 'acme') });
    try {
      for (let i = 1; i <= 6; i++) {
        await appendAudit(node, sampleFields(i));
        if (i % 3 === 0) await checkpointAudit(node); // at 3 and 6
      }
    } finally {
      await node.close();
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses bad invocations with their codes, deleting nothing', async () => {
    const out = join(dir, 'none.json');
    const neither = await legate([...d, '--json', 'audit', 'prune', '--out', out]);
    expect(neither.code).toBe(2);
    expect(neither.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--through' } });
    expect((await legate([...d, '--json', 'audit', 'prune', '--through', '3', '--before', 'P1D', '--out', out])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect((await legate([...d, '--json', 'audit', 'prune', '--through', 'x', '--out', out])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--through' } });
    expect((await legate([...d, '--json', 'audit', 'prune', '--before', 'last tuesday', '--out', out])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect((await legate([...d, '--json', 'audit', 'prune', '--through', '4', '--out', out])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND', claim: 'through' } });
    expect((await legate([...d, '--json', 'audit', 'prune', '--before', '2000-01-01T00:00:00Z', '--out', out])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND', claim: '--before' } });
    const taken = join(dir, 'taken.json');
    writeFileSync(taken, 'keep me');
    expect((await legate([...d, '--json', 'audit', 'prune', '--through', '3', '--out', taken])).json()).toMatchObject({ error: { code: 'ERR_CONFLICT', claim: '--out', reason: 'exists' } });
    expect(readFileSync(taken, 'utf8')).toBe('keep me');
    expect((await legate([...d, '--json', 'audit', 'prune', '--through', '3', '--out', join(dir, 'no-such-dir', 'b.json')])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--out' } });
    expect(existsSync(out)).toBe(false);
    expect((await legate([...d, '--json', 'audit', 'verify'])).json()).toMatchObject({ ok: true, entries: 6 });
  });

  it('writes the bundle, prunes behind the checkpoint, and both verify', async () => {
    const out = join(dir, 'audit-1-3.json');
    const pruned = await legate([...d, '--json', 'audit', 'prune', '--through', '3', '--out', out]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.json()).toMatchObject({ throughCheckpoint: 3, entries: 2, exported: 3, out });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect((await legate([...d, '--json', 'audit', 'verify', '--bundle', out])).json()).toMatchObject({ ok: true, entries: 3 });
    const verified = await legate([...d, '--json', 'audit', 'verify']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json()).toMatchObject({ ok: true, lastCheckpoint: { seq: 6 } });
    expect((await legate([...d, '--json', 'audit', 'prune', '--through', '3', '--out', join(dir, 'again.json')])).json()).toMatchObject({
      error: { code: 'ERR_CONFLICT', reason: 'already_pruned' },
    });
    // --before: the last checkpoint signed before now is the one at 6.
    const later = await legate([...d, 'audit', 'prune', '--before', '2999-01-01T00:00:00Z', '--out', join(dir, 'audit-3-6.json')]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toContain('pruned 3 entries behind checkpoint 6');
  });
});
