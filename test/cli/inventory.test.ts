// acme (did:web:acme.example) issues to alice and bob: `legate cap list|show`, `legate status show <url>`
// in process, and `legate audit export --bundle` / `audit verify --bundle` (the latter through the
// built binary, with no node: its data directory does not exist).
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate, spawnLegate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';

interface Listed {
  credentials: { id: string; agent?: string; state: string; status: { list: string; purpose: string }[] }[];
  cursor?: string;
}

describe('legate cap list / cap show / status show', () => {
  let dir: string;
  let d: string[];
  let refund: string;
  let read: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-inventory-cli-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    for (const name of ['alice', 'bob']) expect((await legate([...d, 'agent', 'create', name, '--owner', OWNER])).code).toBe(0);
    refund = (
      (await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--max-amount', '100USD', '--valid-for', 'P3D', '--json'])).json() as {
        id: string;
      }
    ).id;
    read = ((await legate([...d, 'cap', 'issue', 'bob', '--action', 'read', '--resource', 'crm:*', '--json'])).json() as { id: string }).id;
    expect((await legate([...d, 'cap', 'suspend', read])).code).toBe(0);
  });

  it('lists as a table and as JSON, with filters', async () => {
    const table = await legate([...d, 'cap', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('ID\tHOLDER\tSTATE\tVALID UNTIL\tCAPABILITIES');
    expect(lines.slice(1).map((l) => l.split('\t').slice(0, 3))).toEqual([
      [refund, 'alice', 'active'],
      [read, 'bob', 'suspended'],
    ]);
    expect(lines[1]).toContain('call billing:refund');

    const ids = async (...flags: string[]) => ((await legate([...d, 'cap', 'list', ...flags, '--json'])).json() as Listed).credentials.map((c) => c.id);
    expect(await ids('--agent', 'bob')).toEqual([read]);
    expect(await ids('--status', 'suspended')).toEqual([read]);
    expect(await ids('--status', 'active')).toEqual([refund]);
    expect(await ids('--expiring-within', '7d')).toEqual([refund]);
    expect(await ids('--expiring-within', 'P7D')).toEqual([refund]);
    expect(await ids('--expiring-within', '12h')).toEqual([]);
    const paged = (await legate([...d, 'cap', 'list', '--limit', '1', '--json'])).json() as Listed;
    expect(paged.credentials.map((c) => c.id)).toEqual([refund]);
    expect(await ids('--limit', '1', '--cursor', paged.cursor!)).toEqual([read]);
  });

  it('refuses bad options with exit 2 and their codes', async () => {
    for (const flags of [
      ['--status', 'lost'],
      ['--expiring-within', 'soon'],
      ['--limit', '0'],
      ['--limit', 'x'],
      ['--cursor', '!!'],
      ['--agent', 'alice', '--agent', 'bob'],
    ]) {
      const run = await legate([...d, 'cap', 'list', ...flags, '--json']);
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    }
    expect((await legate([...d, 'cap', 'list', '--agent', 'mallory', '--json'])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('shows one credential: capabilities, constraints, chain, status entries and expiry', async () => {
    const shown = await legate([...d, 'cap', 'show', refund]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^id {11}urn:uuid:/);
    expect(shown.stdout).toContain('state        active');
    expect(shown.stdout).toContain('call billing:refund');
    expect(shown.stdout).toContain('"maxAmount":{"value":100,"currency":"USD"}');
    expect(shown.stdout).toContain('chain        (root)');
    expect(shown.stdout).toMatch(/revocation +clear +#\d+ +https:\/\/acme\.example\/status\//);
    expect((await legate([...d, 'cap', 'show', read, '--json'])).json()).toMatchObject({ id: read, state: 'suspended', agent: 'bob' });
    const missing = await legate([...d, 'cap', 'show', 'urn:uuid:00000000-0000-4000-8000-000000000000', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('status show takes the list URL a credential names, as well as the list id', async () => {
    const listed = (await legate([...d, 'cap', 'list', '--agent', 'bob', '--json'])).json() as Listed;
    const suspension = listed.credentials[0]!.status.find((s) => s.purpose === 'suspension')!;
    const byUrl = await legate([...d, 'status', 'show', suspension.list, '--json']);
    expect(byUrl.code, byUrl.stderr).toBe(0);
    const id = suspension.list.split('/').pop()!;
    expect(byUrl.json()).toMatchObject({ id, url: suspension.list, purpose: 'suspension', set: 1 });
    expect((await legate([...d, 'status', 'show', id, '--json'])).json()).toEqual(byUrl.json());
    for (const url of [`https://evil.example/status/${id}`, 'https://acme.example/status/', `${suspension.list}/x`]) {
      const run = await legate([...d, 'status', 'show', url, '--json']);
      expect(run.code, url).toBe(2);
      expect(run.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    }
  });

  it('exports an audit bundle that the binary verifies with no node, and refuses a tampered or truncated one', async () => {
    const out = join(dir, 'bundle.json');
    const exported = await legate([...d, 'audit', 'export', '--bundle', '--out', out, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.json()).toMatchObject({ out, format: 'legate-audit-bundle/1', checkpoints: 1, keys: 1 });
    expect(statSync(out).mode & 0o777).toBe(0o600);

    // No node: the data directory named does not exist.
    const nowhere = ['--data', join(dir, 'nowhere')];
    const ok = await spawnLegate([...nowhere, 'audit', 'verify', '--bundle', out, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const verified = ok.json() as { ok: boolean; organization: string; keys: { thumbprint: string }[] };
    expect(verified).toMatchObject({ ok: true, organization: 'did:web:acme.example' });
    const human = await spawnLegate([...nowhere, 'audit', 'verify', '--bundle', out, '--trust-key', verified.keys[0]!.thumbprint]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^audit bundle ok: did:web:acme\.example, \d+ entries, 1 checkpoint/);
    expect(human.stdout).not.toContain('--trust-key');
    expect((await legate([...nowhere, 'audit', 'verify', '--bundle', out])).stdout).toContain('pin them with --trust-key');

    const untrusted = await spawnLegate([...nowhere, 'audit', 'verify', '--bundle', out, '--trust-key', 'AAAA', '--json']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.json()).toMatchObject({ ok: false, firstBad: { code: 'ERR_UNTRUSTED_ISSUER' } });

    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { entries: { entry: string }[] };
    bundle.entries[1]!.entry = bundle.entries[1]!.entry.replace(/"at":"\d/, '"at":"0');
    const tamperedFile = join(dir, 'tampered.json');
    writeFileSync(tamperedFile, JSON.stringify(bundle));
    const tampered = await spawnLegate([...nowhere, 'audit', 'verify', '--bundle', tamperedFile]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^audit bundle TAMPERED at seq 2 .*\(changed\)/);
    expect(tampered.stdout).toContain('ERR_AUDIT_TAMPERED');

    const truncatedFile = join(dir, 'truncated.json');
    writeFileSync(truncatedFile, readFileSync(out, 'utf8').slice(0, 200));
    const truncated = await spawnLegate([...nowhere, 'audit', 'verify', '--bundle', truncatedFile, '--json']);
    expect(truncated.code).toBe(2);
    expect(truncated.json()).toMatchObject({ error: { code: 'ERR_MALFORMED' } });
  });

  it('refuses bundle options that do not apply with ERR_INVALID_ARGUMENT', async () => {
    for (const args of [
      ['audit', 'export', '--bundle', '--since', 'P1D'],
      ['audit', 'export', '--bundle', '--agent', 'did:web:acme.example:agents:alice'],
      ['audit', 'export', '--bundle', '--from', '0'],
      ['audit', 'export', '--from', '1'],
      ['audit', 'export', '--to', '1'],
      ['audit', 'export', '--bundle', '--to', 'x'],
      ['audit', 'verify', '--bundle', join(dir, 'missing.json')],
      ['audit', 'verify', '--bundle', join(dir, 'missing.json'), '--from', '1'],
    ]) {
      const run = await legate([...d, ...args, '--json']);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    }
    const noCheckpoint = await legate([...d, 'audit', 'export', '--bundle', '--from', '999', '--json']);
    expect(noCheckpoint.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });
});
