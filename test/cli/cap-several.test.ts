// acme (did:web:acme.example) -> customer-support -> helper (a did:key agent of acme), through the built CLI:
// the seed CustomerSupportAgent credential issued with --capabilities and shared constraints, repeated flags
// refused, and delegation that inherits the scope and takes a local agent's name.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';
const AGENT = 'did:web:acme.example:agents:customer-support';

/** The seed example: four capabilities, each with its own limit or scope. */
const SEED = [
  { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
  { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
  { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } },
  { action: 'escalate', resource: 'human:*' },
];
/** Operating hours, shared by every capability. */
const HOURS = { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' };

describe('legate cap issue|delegate --capabilities', () => {
  let dir: string;
  let d: string[];
  let seedFile: string;
  let helperDid: string;
  let parentId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-cap-several-'));
    d = ['--data', join(dir, 'acme')];
    seedFile = join(dir, 'seed.json');
    writeFileSync(seedFile, JSON.stringify(SEED));
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'customer-support', '--owner', OWNER])).code).toBe(0);
    helperDid = ((await legate([...d, 'agent', 'create', 'helper', '--owner', OWNER, '--method', 'key', '--json'])).json() as { did: string }).did;
  });

  it('issues the seed credential: four capabilities, and the constraint flags as shared constraints', async () => {
    const run = await legate([
      ...d, 'cap', 'issue', 'customer-support', '--capabilities', seedFile, '--hours', 'Mon-Fri 09:00-17:00 Europe/Paris',
      '--agent-version', '2.3', '--delegable', '1', '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const body = run.json() as { id: string; jwt: string; credential: { credentialSubject: unknown } };
    parentId = body.id;
    expect(body.credential.credentialSubject).toEqual({
      id: AGENT,
      owner: OWNER,
      agent: { name: 'customer-support', version: '2.3' },
      capabilities: SEED,
      constraints: { timeWindow: HOURS },
      delegation: { depth: 0, maxDepth: 1 },
    });
    const fromStdin = await legate([...d, 'cap', 'issue', 'customer-support', '--capabilities', '-', '--json'], { input: JSON.stringify(SEED) });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.json()).toMatchObject({ credential: { credentialSubject: { capabilities: SEED } } });
    expect((await legate([...d, 'verify', '-'], { input: body.jwt })).code).toBe(0);
  });

  it('refuses a repeated --action (or any single-valued flag) instead of keeping the last one', async () => {
    const twice = await legate([...d, 'cap', 'issue', 'customer-support', '--action', 'read', '--resource', 'crm:customer_records', '--action', 'call', '--json']);
    expect(twice.code).toBe(2);
    expect(twice.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--action', reason: 'repeated' } });
    expect((twice.json() as { error: { message: string } }).error.message).toContain('--capabilities');
    for (const flag of [['--resource', 'x'], ['--scope', 's'], ['--max-amount', '1USD'], ['--hours', 'daily 00:00-24:00 UTC'], ['--valid-for', 'P1D']]) {
      const run = await legate([...d, 'cap', 'issue', 'customer-support', '--action', 'a', '--resource', 'x', ...flag, ...flag, '--json']);
      expect(run.code, flag[0]).toBe(2);
      expect(run.json(), flag[0]).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: flag[0] } });
    }
    const human = await legate([...d, 'cap', 'issue', 'customer-support', '--action', 'a', '--action', 'b', '--resource', 'x']);
    expect(human.stderr).toMatch(/^legate: ERR_INVALID_ARGUMENT: --action may be given only once/);
  });

  it('refuses --capabilities beside --action, neither of them, and a list that does not match the schema', async () => {
    const both = await legate([...d, 'cap', 'issue', 'customer-support', '--capabilities', seedFile, '--action', 'read', '--json']);
    expect(both.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--action' } });
    const neither = await legate([...d, 'cap', 'issue', 'customer-support', '--json']);
    expect(neither.code).toBe(2);
    expect(neither.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: '--action' } });
    const cases: [string, string][] = [
      [JSON.stringify([{ ...SEED[0], scpoe: 'all' }]), 'ERR_SCHEMA'],
      [JSON.stringify([]), 'ERR_SCHEMA'],
      [JSON.stringify({ capabilities: SEED }), 'ERR_SCHEMA'],
      ['[{', 'ERR_MALFORMED'],
    ];
    for (const [input, code] of cases) {
      const run = await legate([...d, 'cap', 'issue', 'customer-support', '--capabilities', '-', '--json'], { input });
      expect(run.code, input).toBe(2);
      expect(run.json(), input).toMatchObject({ error: { code } });
    }
    const unknown = await legate([...d, 'cap', 'issue', 'customer-support', '--capabilities', '-'], { input: JSON.stringify([{ ...SEED[0], scpoe: 'all' }]) });
    expect(unknown.stderr).toContain("/0 has an unknown property 'scpoe'");
  });

  it('delegates to a local agent by name; the child inherits the scope and the shared hours', async () => {
    const child = await legate([...d, 'cap', 'delegate', '--from', 'customer-support', '--credential', parentId, '--to', 'helper', '--action', 'read', '--resource', 'crm:customer_records', '--json']);
    expect(child.code, child.stderr).toBe(0);
    expect(child.json()).toMatchObject({
      credential: {
        credentialSubject: { id: helperDid, capabilities: [SEED[0]], constraints: { timeWindow: HOURS }, delegation: { parent: parentId, depth: 1 } },
      },
    });
    const several = await legate([
      ...d, 'cap', 'delegate', '--from', 'customer-support', '--credential', parentId, '--to', helperDid, '--capabilities', '-',
      '--hours', 'Mon-Fri 10:00-16:00 Europe/Paris', '--json',
    ], { input: JSON.stringify([{ action: 'call', resource: 'billing:refund' }, { action: 'escalate', resource: 'human:supervisor' }]) });
    expect(several.code, several.stderr).toBe(0);
    expect(several.json()).toMatchObject({
      credential: {
        credentialSubject: {
          capabilities: [SEED[1], { action: 'escalate', resource: 'human:supervisor' }],
          constraints: { timeWindow: { ...HOURS, start: '10:00', end: '16:00' } },
        },
      },
    });
  });

  it('refuses another scope, wider shared hours and an unknown --to with their codes', async () => {
    const scope = await legate([...d, 'cap', 'delegate', '--from', 'customer-support', '--credential', parentId, '--to', 'helper', '--action', 'read', '--resource', 'crm:customer_records', '--scope', 'all_tickets', '--json']);
    expect(scope.code).toBe(2);
    expect(scope.json()).toMatchObject({ error: { code: 'ERR_CAPABILITY_WIDENED', reason: 'scope' } });
    expect((scope.json() as { error: { message: string } }).error.message).toMatch(/scope 'assigned_tickets_only', not 'all_tickets'/);
    const wider = await legate([...d, 'cap', 'delegate', '--from', 'customer-support', '--credential', parentId, '--to', 'helper', '--capabilities', seedFile, '--hours', 'daily 00:00-24:00 UTC', '--json']);
    expect(wider.json()).toMatchObject({ error: { code: 'ERR_CAPABILITY_WIDENED' } });
    const nobody = await legate([...d, 'cap', 'delegate', '--from', 'customer-support', '--credential', parentId, '--to', 'nobody', '--action', 'read', '--resource', 'crm:customer_records']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toBe('legate: ERR_INVALID_ARGUMENT: nobody is neither a DID nor the name of an agent of this node\n');
  });
});
