// acme (did:web:acme.example) -> alice: what the CLI prints, and how it behaves when the reader of its output goes away.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
const ALICE = 'did:web:acme.example:agents:alice';

/** Runs the CLI with its stdout a pipe whose reading end is closed before the CLI writes (as `| head` does, early). */
function withClosedStdout(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('CLI output', () => {
  let dir: string;
  let d: string[];
  let revokedFile: string;
  let validFile: string;
  let suspended: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-output-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'bob', '--owner', OWNER, '--method', 'key'])).code).toBe(0);
    const issue = async () => (await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund', '--json'])).json() as { id: string; jwt: string };
    const valid = await issue();
    const revoked = await issue();
    suspended = (await issue()).id;
    validFile = join(dir, 'valid.jwt');
    revokedFile = join(dir, 'revoked.jwt');
    writeFileSync(validFile, valid.jwt);
    writeFileSync(revokedFile, revoked.jwt);
    expect((await legate([...d, 'cap', 'revoke', revoked.id])).code).toBe(0);
  });

  it('says "suspended", "reinstated" and "revoked" in full', async () => {
    const suspend = await legate([...d, 'cap', 'suspend', suspended]);
    expect(suspend.code, suspend.stderr).toBe(0);
    expect(suspend.stdout).toMatch(new RegExp(`^suspended ${suspended} \\(list `));
    expect((await legate([...d, 'cap', 'reinstate', suspended])).stdout).toMatch(/^reinstated /);
    expect((await legate([...d, 'cap', 'revoke', suspended])).stdout).toMatch(/^revoked /);
  });

  it('lists agents under a header line', async () => {
    const lines = (await legate([...d, 'agent', 'list'])).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('NAME\tSTATUS\tDID\tOWNER');
    expect(lines.slice(1).map((l) => l.split('\t').slice(0, 2))).toEqual([
      ['alice', 'active'],
      ['bob', 'active'],
    ]);
    expect(lines[1]).toBe(`alice\tactive\t${ALICE}\t${OWNER}`);
  });

  it('reports a DID that does not resolve as legate: CODE: message, exit 2', async () => {
    const human = await legate(['--data', join(dir, 'nowhere'), 'did', 'resolve', 'did:example:nothing']);
    expect(human.code).toBe(2);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/^legate: ERR_DID_UNRESOLVABLE: cannot resolve did:example:nothing: .+ \(methodNotSupported\)\n$/);
    const json = await legate(['--data', join(dir, 'nowhere'), 'did', 'resolve', 'not-a-did', '--json']);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({ error: { code: 'ERR_DID_UNRESOLVABLE', claim: 'did', reason: 'invalidDid' } });
    // The node's own DIDs still resolve from its store.
    expect((await legate([...d, 'did', 'resolve', ALICE, '--json'])).json()).toMatchObject({ didDocument: { id: ALICE } });
  });

  it('stops quietly when the reader closes early, keeping its own exit code', async () => {
    for (const [args, code] of [
      [['audit', 'show', '--agent', ALICE], 0],
      [['audit', 'export'], 0],
      [['verify', validFile], 0],
      [['verify', revokedFile], 1],
      [['agent', 'list'], 0],
    ] as const) {
      const run = await withClosedStdout([...d, ...args]);
      expect(run.signal, args.join(' ')).toBeNull();
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(code);
      expect(run.stderr, args.join(' ')).not.toMatch(/EPIPE|Error|\n\s+at /);
    }
  });
});
