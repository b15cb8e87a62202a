// The built CLI on a real SQLite data directory: renewal and retirement that reassigns (#17 items 3 and 4).
//   acme (did:web:acme.example) -> alice, dave (owner carol); a renewal policy set with `config set`.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
let d: string[];

beforeAll(async () => {
  expect(existsSync(CLI), 'run `npm run build` first (npm test does)').toBe(true);
  d = ['--data', join(mkdtempSync(join(tmpdir(), 'legate-lifecycle-')), 'acme')];
  for (const args of [
    ['init', '--domain', 'acme.example'],
    ['agent', 'create', 'alice', '--owner', OWNER],
    ['agent', 'create', 'dave', '--owner', 'mailto:erin@acme.example'],
  ]) {
    const run = await legate([...d, ...args]);
    expect(run.code, run.stderr).toBe(0);
  }
});

describe('legate cap renew and agent retire --reassign-to', () => {
  it('renews what is due under the policy, once, and says so in JSON', async () => {
    const none = await legate([...d, 'cap', 'renew', '--json']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toContain('no renewal policy');
    expect(none.json()).toEqual({ ran: true, renewed: [], failed: [], more: false });

    const refused = await legate([...d, 'config', 'set', 'renewal', '[{"agent":"*","lifetime":"PT1H","renewBefore":"PT2H"}]', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    const set = await legate([...d, 'config', 'set', 'renewal', '[{"agent":"*","lifetime":"PT8H","renewBefore":"PT2H"}]']);
    expect(set.code, set.stderr).toBe(0);

    const issued = await legate([...d, 'cap', 'issue', 'alice', '--action', 'refund', '--resource', 'billing:*', '--budget', '500USD/P1D', '--valid-for', '1h', '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const { id } = issued.json() as { id: string };

    const dry = await legate([...d, 'cap', 'renew', '--dry-run', '--json']);
    expect(dry.json()).toMatchObject({ ran: true, renewed: [{ agent: 'alice', from: id, lineage: id }] });
    expect((dry.json() as { renewed: { to?: string }[] }).renewed[0]!.to).toBeUndefined();

    const run = await legate([...d, 'cap', 'renew', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [renewal] = (run.json() as { renewed: { from: string; to: string; lineage: string }[] }).renewed;
    expect(renewal).toMatchObject({ from: id, lineage: id });
    expect((await legate([...d, 'cap', 'renew', '--json'])).json()).toMatchObject({ renewed: [] });

    const unknown = await legate([...d, 'cap', 'renew', '--agent', 'nobody', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('retires alice onto dave: her live credentials are reissued to him first, then revoked', async () => {
    const ownerWithout = await legate([...d, 'agent', 'retire', 'alice', '--owner', OWNER, '--json']);
    expect(ownerWithout.code).toBe(2);
    expect(ownerWithout.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: 'owner' } });
    const self = await legate([...d, 'agent', 'retire', 'alice', '--reassign-to', 'alice', '--json']);
    expect(self.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: 'reassignTo' } });

    const run = await legate([...d, 'agent', 'retire', 'alice', '--reassign-to', 'dave']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^retired alice$/m);
    const moved = [...run.stdout.matchAll(/reassigned (\S+) -> (\S+) \(dave\)/g)];
    // Both of alice's live credentials: the one issued and its renewal.
    expect(moved).toHaveLength(2);
    for (const [, from] of moved) expect(run.stdout).toContain(`revoked ${from}`);
  });
});
