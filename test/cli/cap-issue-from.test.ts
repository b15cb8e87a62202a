// acme (did:web:acme.example) provisions alice and bob from a file through `legate cap issue --from`: one JSON line
// out per credential, a progress bar on stderr when asked, and a bad line (or a bad mix of flags) issuing nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress.js';
import { MAX_PROVISIONING_LINES } from '../../src/cli/commands/cap-issue-many.js';
import { legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };

interface Issued {
  line: number;
  agent: string;
  id: string;
  jwt?: string;
  secured?: unknown;
}
const linesOf = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Issued);

describe('legate cap issue --from', () => {
  let dir: string;
  let d: string[];
  const listed = async () => ((await legate([...d, 'cap', 'list', '--json'])).json() as { credentials: unknown[] }).credentials.length;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-cap-from-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    for (const name of ['alice', 'bob']) expect((await legate([...d, 'agent', 'create', name, '--owner', OWNER])).code).toBe(0);
  });

  it('issues one credential per JSON line, says which line each came from, and draws the bar when asked', async () => {
    const file = join(dir, 'fleet.jsonl');
    const requests = [
      { agent: 'alice', capabilities: [refund], delegable: 1, agentVersion: '2.3' },
      { agent: 'bob', capabilities: [refund], constraints: { rateLimit: { count: 10, period: 'PT1M' } }, validFor: 'P7D' },
      { agent: 'bob', capabilities: [{ action: 'read', resource: 'crm:tickets' }], format: 'di' },
    ];
    writeFileSync(file, `${JSON.stringify(requests[0])}\n\n${JSON.stringify(requests[1])}\n${JSON.stringify(requests[2])}\n`);
    const run = await legate([...d, 'cap', 'issue', '--from', file, '--progress']);
    expect(run.code, run.stderr).toBe(0);
    const out = linesOf(run.stdout);
    expect(out.map((o) => [o.line, o.agent])).toEqual([[1, 'alice'], [3, 'bob'], [4, 'bob']]);
    expect(run.stderr).toContain('3/3  100%');
    expect(run.stderr).toContain('issued 3 credentials to 2 agents');
    const verified = await legate([...d, 'verify', '-', '--json'], { input: out[0]!.jwt! });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json()).toMatchObject({ credential: { credentialSubject: { agent: { name: 'alice', version: '2.3' }, delegation: { depth: 0, maxDepth: 1 } } } });
    expect(out[2]!.secured).toMatchObject({ proof: { cryptosuite: 'eddsa-rdfc-2022' } });
    const shown = await legate([...d, 'cap', 'show', out[1]!.id, '--json']);
    expect(shown.json()).toMatchObject({ agent: 'bob', constraints: { rateLimit: { count: 10, period: 'PT1M' } } });
  });

  it('takes one JSON array, or stdin, and draws no bar when stderr is no terminal', async () => {
    const array = await legate([...d, 'cap', 'issue', '--from', '-'], { input: JSON.stringify([{ agent: 'alice', capabilities: [refund] }, { agent: 'bob', capabilities: [refund] }]) });
    expect(array.code, array.stderr).toBe(0);
    expect(linesOf(array.stdout).map((o) => o.line)).toEqual([1, 2]);
    expect(array.stderr).not.toContain('[#');
  });

  it('refuses a bad line, naming it, before anything is issued', async () => {
    const before = await listed();
    const good = JSON.stringify({ agent: 'alice', capabilities: [refund] });
    const cases: [string, string, string][] = [
      [`${good}\n${JSON.stringify({ agent: 'mallory', capabilities: [refund] })}`, 'ERR_NOT_FOUND', 'line 2'],
      [`${good}\n{"agent": "alice",`, 'ERR_MALFORMED', 'line 2'],
      [`${good}\n${JSON.stringify({ agent: 'alice', capabilities: [refund], admin: true })}`, 'ERR_INVALID_ARGUMENT', 'line 2'],
      [`${good}\n${JSON.stringify({ agent: 'alice', capabilities: [{ action: 'call' }] })}`, 'ERR_SCHEMA', 'line 2'],
      [`${good}\n${JSON.stringify({ agent: 'alice', capabilities: [refund], constraints: { maxAmount: 5 } })}`, 'ERR_SCHEMA', 'line 2'],
      [`${good}\n${JSON.stringify({ agent: 'alice', capabilities: [refund], delegable: 9 })}`, 'ERR_INVALID_ARGUMENT', 'line 2'],
      [`${good}\n${JSON.stringify({ agent: 'alice', capabilities: [refund], validFor: 'P1D', validUntil: '2030-01-01T00:00:00Z' })}`, 'ERR_INVALID_ARGUMENT', 'line 2'],
      [`${good}\n${JSON.stringify({ agent: 'alice', capabilities: [refund], validUntil: 'next week' })}`, 'ERR_INVALID_ARGUMENT', 'line 2'],
      [`${good}\n${JSON.stringify({ agent: 'alice', capabilities: [refund], validFor: 30 })}`, 'ERR_INVALID_ARGUMENT', 'line 2'],
      [`${good}\n${JSON.stringify([{ agent: 'alice', capabilities: [refund] }])}`, 'ERR_INVALID_ARGUMENT', 'line 2'],
      ['\n\n', 'ERR_INVALID_ARGUMENT', '--from'],
      ['{}\n'.repeat(MAX_PROVISIONING_LINES + 1), 'ERR_INPUT_TOO_LARGE', '--from'],
    ];
    for (const [input, code, where] of cases) {
      const run = await legate([...d, 'cap', 'issue', '--from', '-', '--json'], { input });
      expect(run.code, input).toBe(2);
      const { error } = run.json() as { error: { code: string; message: string } };
      expect(error.code, input).toBe(code);
      expect(error.message, input).toContain(where);
    }
    expect(await listed()).toBe(before);
  });

  it('refuses an agent or capability flags beside --from, and neither an agent nor --from', async () => {
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, JSON.stringify({ agent: 'alice', capabilities: [refund] }));
    for (const args of [['alice', '--from', file], ['--from', file, '--action', 'call'], ['--from', file, '--max-amount', '5USD'], ['--action', 'call', '--resource', 'x']]) {
      const run = await legate([...d, 'cap', 'issue', ...args, '--json']);
      expect(run.code, args.join(' ')).toBe(2);
      expect((run.json() as { error: { code: string } }).error.code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('progressLine', () => {
  it('draws the share done, the counts grouped by thousands and the rate', () => {
    expect(progressLine(5_000, 10_000, 500)).toBe('[############------------] 5,000/10,000  50%  10,000/s');
    expect(progressLine(0, 3, 0)).toBe('[------------------------] 0/3  0%');
    expect(progressLine(3, 3, 1000)).toBe('[########################] 3/3  100%  3/s');
  });
});
