// The built binary as a user runs it, a few times only (the other CLI tests run `main` in process):
// its version, one full flow through real stdin/stdout/env and exit codes 0, 1, 2 and 3.
//   acme (did:web:acme.example, sealed by master.key: no KDF per call) -> alice; a closed loopback port as the peer.
// `serve.test.ts` spawns LEGATE_PASSPHRASE-sealed nodes.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/federation.js';
import { CLI, spawnLegate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';

/** A loopback port nothing listens on (drawn below the ephemeral range, so no `listen(0)` elsewhere takes it). */
const closedPort = freePort;

describe('legate binary (spawned)', () => {
  it('prints its version and exits 0', async () => {
    expect(existsSync(CLI), 'run `npm run build` first (npm test does)').toBe(true);
    const run = await spawnLegate(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('0.1.0\n');
    // The binary answers a bare --version itself; with another argument the program does, and they agree.
    const short = await spawnLegate(['-V']);
    expect(short.stdout).toBe('0.1.0\n');
    const viaProgram = await spawnLegate(['--version', '--json']);
    expect(viaProgram.code).toBe(0);
    expect(viaProgram.stdout).toBe('0.1.0\n');
  });

  it('runs a full flow through the process: env, stdin, stdout and exit codes 0, 1, 2 and 3', async () => {
    const d = ['--data', join(mkdtempSync(join(tmpdir(), 'legate-smoke-')), 'acme')];
    const init = await spawnLegate([...d, 'init', '--domain', 'acme.example', '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json()).toMatchObject({ did: 'did:web:acme.example', sealing: 'keyfile' });
    expect((await spawnLegate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    const issued = await spawnLegate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const { jwt } = issued.json() as { jwt: string };

    const verified = await spawnLegate([...d, 'verify', '-', '--json'], { input: jwt });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json()).toMatchObject({ verified: true });
    const forged = `${jwt.slice(0, -4)}AAAA`;
    const refused = await spawnLegate([...d, 'verify', '-', '--json'], { input: forged });
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ verified: false, errors: [{ code: 'ERR_SIGNATURE_INVALID' }] });

    // The binary hands its environment to main: a passphrase given to a master.key node is refused.
    const mismatch = await spawnLegate([...d, 'agent', 'list', '--json'], { env: { LEGATE_PASSPHRASE: 'anything' } });
    expect(mismatch.code).toBe(2);
    expect(mismatch.json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE', reason: 'sealing-mismatch' } });
    const usage = await spawnLegate([...d, 'frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown command 'frobnicate'");

    const port = await closedPort();
    const env = { LEGATE_ALLOW_HTTP_LOOPBACK: '1' };
    const unreachable = await spawnLegate([...d, 'handshake', 'alice', `http://127.0.0.1:${port}/agents/bob`, '--json'], { env });
    expect(unreachable.code, unreachable.stdout + unreachable.stderr).toBe(3);
    expect(unreachable.json()).toMatchObject({ error: { code: 'ERR_PEER_UNREACHABLE' } });
  });
});
