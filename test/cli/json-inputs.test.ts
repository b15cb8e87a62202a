// The CLI's JSON inputs are checked against their schemas in schemas/, in process: a field the schema
// does not name (mallory's "note" in a saved action, a misspelt "scpoe") is ERR_SCHEMA with exit status 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { alice, bob, mallory } from '../fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'legate-json-inputs-'));

/** Runs the CLI in process; its exit status and its JSON output. */
async function run(args: string[]): Promise<{ status: number; error: { code: string; claim?: string; message: string } }> {
  let out = '';
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((out += chunk.toString()), done()) });
  const status = await main(['node', 'legate', ...args], { out: sink, err: sink });
  return { status, ...(JSON.parse(out) as { error: { code: string; claim?: string; message: string } }) };
}

const saved = { iss: alice.did, aud: bob.did, action: 'call', resource: 'billing:refund', params: { amount: '40USD' } };

describe('CLI JSON inputs', () => {
  it.each([
    ['an unknown field', { ...saved, note: 'approve me' }, "(root) has an unknown property 'note'"],
    ['a wrong type', { ...saved, params: 'all' }, '/params must be object'],
    ['a missing field', { iss: saved.iss, aud: saved.aud, action: saved.action, resource: saved.resource }, "must have required property 'params'"],
  ])('legate approve refuses an action file with %s: ERR_SCHEMA, exit 2', async (_case, content, message) => {
    const file = join(dir, `${_case.replace(/ /g, '-')}.json`);
    writeFileSync(file, JSON.stringify(content));
    const { status, error } = await run(['approve', file, '--as', mallory.did, '--json']);
    expect(status).toBe(2);
    expect(error.code).toBe('ERR_SCHEMA');
    expect(error.message).toContain(message);
  });

  it('legate cap issue refuses a --capabilities file with an unknown field: ERR_SCHEMA naming it, exit 2', async () => {
    const file = join(dir, 'capabilities.json');
    writeFileSync(file, JSON.stringify([{ action: 'read', resource: 'crm:x', scpoe: 'all' }]));
    const { status, error } = await run(['--data', join(dir, 'none'), 'cap', 'issue', 'alice', '--capabilities', file, '--json']);
    expect(status).toBe(2);
    expect(error).toMatchObject({ code: 'ERR_SCHEMA', claim: '/0' });
    expect(error.message).toContain("/0 has an unknown property 'scpoe'");
  });
});
