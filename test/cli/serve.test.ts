// `legate serve` as separate processes on loopback (the commands beside it, and serves that refuse to start, run in process):
//   acme (did:web:localhost%3A<port>, sealed by master.key), bank (sealed by a passphrase).
// One server per data directory, CLI commands alongside it, and keys checked before listening.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/federation.js';
import { legate, startServe as startServeCli, stop } from './helpers.js';

const PASSPHRASE = 'correct horse battery staple';
const running: ChildProcess[] = [];

/** `legate <args> serve <flags>`, stopped after each test whatever happens. */
const startServe = (args: string[], flags: string[] = [], env: Record<string, string> = {}) => startServeCli(args, flags, env, (child) => running.push(child));

// Hooks spawn processes: generous timeouts for a busy two-core machine.
const HOOK_TIMEOUT_MS = 60_000;

afterEach(async () => {
  await Promise.all(running.splice(0).map((child) => stop(child)));
}, HOOK_TIMEOUT_MS);

describe('legate serve', { timeout: 120_000 }, () => {
  let root: string;
  let port: number;
  let acme: string[];
  let bank: string[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'legate-serve-cli-'));
    port = await freePort();
    acme = ['--data', join(root, 'acme')];
    bank = ['--data', join(root, 'bank')];
    const a = await legate([...acme, 'init', '--domain', `localhost:${port}`, '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.json()).toMatchObject({ did: `did:web:localhost%3A${port}`, sealing: 'keyfile' });
    const b = await legate([...bank, 'init', '--domain', 'localhost:1'], { env: { LEGATE_PASSPHRASE: PASSPHRASE } });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('keys sealed by LEGATE_PASSPHRASE');
  }, HOOK_TIMEOUT_MS);

  it("listens on the port in the organization's domain by default", async () => {
    const served = await startServe(acme);
    expect(served.stdout).toContain(`serving on http://127.0.0.1:${port} (keys sealed by master.key)`);
    expect(served.stderr()).not.toContain('warning');
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toMatchObject({ status: 'ok' });
  });

  it('warns when --port differs from the port its DID documents publish', async () => {
    const other = await freePort();
    const served = await startServe(acme, ['--port', String(other)]);
    expect(served.stdout).toContain(`serving on http://127.0.0.1:${other}`);
    expect(served.stderr()).toContain(`legate: warning: --port ${other} differs from the port in the organization's domain (localhost:${port})`);
  });

  it('refuses a second server on one data directory with ERR_DATA_DIR_IN_USE, while CLI commands keep working', async () => {
    const first = await startServe(acme);
    const second = await legate([...acme, 'serve', '--port', String(await freePort()), '--json']);
    expect(second.code).toBe(2);
    expect(second.json()).toMatchObject({ error: { code: 'ERR_DATA_DIR_IN_USE', claim: 'data' } });
    expect((second.json() as { error: { message: string } }).error.message).toContain(`process ${first.child.pid}`);
    const created = await legate([...acme, 'agent', 'create', 'alice', '--owner', 'mailto:carol@acme.example', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const listed = await legate([...acme, 'agent', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.stringify(listed.json())).toContain('alice');
    expect(await stop(first.child)).toBe(0);
  });

  it('takes over the lock of a server that was killed', async () => {
    const first = await startServe(acme);
    expect(await stop(first.child, 'SIGKILL')).toBeNull();
    const next = await startServe(acme);
    expect(next.stdout).toContain('serving on');
    expect(await stop(next.child)).toBe(0);
  });

  it('refuses to start with a wrong or missing passphrase: ERR_KEY_UNAVAILABLE, exit 2, nothing listening', async () => {
    const bankPort = await freePort();
    const wrong = await legate([...bank, 'serve', '--port', String(bankPort), '--json'], { env: { LEGATE_PASSPHRASE: 'mallory' } });
    expect(wrong.code).toBe(2);
    expect(wrong.json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE', reason: 'wrong-key' } });
    await expect(fetch(`http://127.0.0.1:${bankPort}/healthz`)).rejects.toThrow();
    const missing = await legate([...bank, 'serve', '--port', String(bankPort), '--json']);
    expect(missing.code).toBe(2);
    expect(missing.json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE', reason: 'passphrase-required' } });
    // bank's domain names port 1: the explicit port draws a warning, and serves.
    const right = await startServe(bank, ['--port', String(bankPort)], { LEGATE_PASSPHRASE: PASSPHRASE });
    expect(right.stdout).toContain('(keys sealed by LEGATE_PASSPHRASE)');
    expect((await fetch(`http://127.0.0.1:${bankPort}/healthz`)).status).toBe(200);
  });

  it('refuses LEGATE_PASSPHRASE for a node sealed by master.key instead of ignoring it', async () => {
    const served = await legate([...acme, 'serve', '--json'], { env: { LEGATE_PASSPHRASE: 'anything' } });
    expect(served.code).toBe(2);
    expect(served.json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE', reason: 'sealing-mismatch' } });
    const listed = await legate([...acme, 'agent', 'list', '--json'], { env: { LEGATE_PASSPHRASE: 'anything' } });
    expect(listed.code).toBe(2);
    expect(listed.json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE', reason: 'sealing-mismatch' } });
  });
});
