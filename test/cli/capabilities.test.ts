// acme (did:web:acme.example) -> alice (did:web agent) -> helper (did:key agent), through the built CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legate } from './helpers.js';

const OWNER = 'mailto:carol@acme.example';

/** The next given weekday (0 = Sunday) at 10:00 UTC, 11:00 or 12:00 in Paris: inside fresh credentials' validity. */
function next(weekday: number): string {
  const at = new Date();
  at.setUTCHours(10, 0, 0, 0);
  do at.setUTCDate(at.getUTCDate() + 1);
  while (at.getUTCDay() !== weekday);
  return at.toISOString();
}
const ACME = 'did:web:acme.example';

describe('legate cap issue/delegate, present, authorize', () => {
  let dir: string;
  let d: string[];
  let helperDid: string;
  let parentId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-caps-'));
    d = ['--data', join(dir, 'acme')];
    expect((await legate([...d, 'init', '--domain', 'acme.example'])).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', OWNER])).code).toBe(0);
    helperDid = ((await legate([...d, 'agent', 'create', 'helper', '--owner', OWNER, '--method', 'key', '--json'])).json() as { did: string }).did;
  });

  it('issues a credential with every constraint flag', async () => {
    const run = await legate([
      ...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund',
      '--max-amount', '100USD', '--budget', '500USD/P1M', '--hours', 'Mon-Sun 00:00-24:00 UTC', '--rate', '10/PT1M',
      '--audience', ACME, '--delegable', '1', '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const body = run.json() as { id: string; credential: { credentialSubject: unknown } };
    parentId = body.id;
    expect(body.credential.credentialSubject).toMatchObject({
      delegation: { depth: 0, maxDepth: 1 },
      capabilities: [
        {
          constraints: {
            maxAmount: { value: 100, currency: 'USD' },
            budget: { value: 500, currency: 'USD', period: 'P1M' },
            timeWindow: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], start: '00:00', end: '24:00', timeZone: 'UTC' },
            rateLimit: { count: 10, period: 'PT1M' },
            audience: [ACME],
          },
        },
      ],
    });
    const approval = await legate([...d, 'cap', 'issue', 'alice', '--action', 'close', '--resource', 'billing:account_closure', '--require-approval', '--hours', 'Mon-Fri 09:00-17:00 Europe/Paris', '--json']);
    expect(approval.json()).toMatchObject({ credential: { credentialSubject: { capabilities: [{ constraints: { requireApproval: true, timeWindow: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], timeZone: 'Europe/Paris' } } }] } } });
  });

  it('rejects malformed constraint flags with exit 2 and the flag named', async () => {
    for (const [flag, value] of [['--hours', 'Mon-Fri 9-5'], ['--hours', 'Mon-Fri 09:00-17:00 Mars/Olympus'], ['--budget', '100USD'], ['--budget', '100USD/30d'], ['--rate', 'lots'], ['--delegable', '9']] as const) {
      const run = await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'x', flag, value, '--json']);
      expect(run.code, `${flag} ${value}`).toBe(2);
      expect(run.json(), `${flag} ${value}`).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT', claim: flag } });
    }
  });

  it('delegates a narrower slice that inherits the parent limits, and refuses a wider one', async () => {
    const child = await legate([...d, 'cap', 'delegate', '--from', 'alice', '--credential', parentId, '--to', helperDid, '--action', 'call', '--resource', 'billing:refund', '--max-amount', '20USD', '--valid-for', 'PT1H', '--json']);
    expect(child.code, child.stderr).toBe(0);
    expect(child.json()).toMatchObject({
      credential: {
        issuer: `${ACME}:agents:alice`,
        credentialSubject: {
          id: helperDid,
          owner: OWNER,
          delegation: { parent: parentId, depth: 1, maxDepth: 1 },
          capabilities: [{ constraints: { maxAmount: { value: 20, currency: 'USD' }, budget: { value: 500 }, rateLimit: { count: 10 } } }],
        },
      },
    });
    const wider = await legate([...d, 'cap', 'delegate', '--from', 'alice', '--credential', parentId, '--to', helperDid, '--action', 'call', '--resource', 'billing:refund', '--max-amount', '500USD', '--json']);
    expect(wider.code).toBe(2);
    expect(wider.json()).toMatchObject({ error: { code: 'ERR_CAPABILITY_WIDENED' } });
    const other = await legate([...d, 'cap', 'delegate', '--from', 'alice', '--credential', parentId, '--to', helperDid, '--action', 'call', '--resource', 'billing:payout', '--json']);
    expect(other.json()).toMatchObject({ error: { code: 'ERR_CAPABILITY_WIDENED' } });
    const deeper = await legate([...d, 'cap', 'delegate', '--from', 'helper', '--credential', (child.json() as { id: string }).id, '--to', ACME, '--action', 'call', '--resource', 'billing:refund', '--json']);
    expect(deeper.json()).toMatchObject({ error: { code: 'ERR_DELEGATION_DEPTH' } });
    const notHers = await legate([...d, 'cap', 'delegate', '--from', 'helper', '--credential', parentId, '--to', ACME, '--action', 'call', '--resource', 'billing:refund', '--json']);
    expect(notHers.json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
  });

  it('presents the sub-agent chain and authorizes within its limits', async () => {
    const vp = await legate([...d, 'present', '--agent', 'helper', '--aud', ACME, '--nonce', 'n-1', '--json']);
    expect(vp.code, vp.stderr).toBe(0);
    const file = join(dir, 'vp.json');
    writeFileSync(file, vp.stdout);
    const ask = async (amount: string, nonce = 'n-1', spent = '0USD', recent = '0') =>
      await legate([...d, 'authorize', '--presentation', file, '--nonce', nonce, '--action', 'call', '--resource', 'billing:refund', '--amount', amount, '--spent', spent, '--recent', recent, '--json']);
    const allowed = await ask('15USD');
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(allowed.json()).toMatchObject({
      decision: 'allow',
      holder: helperDid,
      attribution: [{ role: 'issuer', id: ACME }, { role: 'owner', id: OWNER }, { role: 'agent' }, { role: 'sub-agent', id: helperDid }],
    });
    const denied = await ask('50USD');
    expect(denied.code).toBe(1);
    expect(denied.json()).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_CONSTRAINT_AMOUNT' }] });
    expect((await ask('15USD', 'n-1', '490USD')).json()).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_BUDGET_EXCEEDED' }] });
    expect((await ask('15USD', 'n-1', '0USD', '10')).json()).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_RATE_LIMITED' }] });
    const unknown = await legate([...d, 'authorize', '--presentation', file, '--nonce', 'n-1', '--action', 'call', '--resource', 'billing:refund', '--amount', '15USD', '--json']);
    expect(unknown.code).toBe(1);
    expect((unknown.json() as { reasons: { code: string }[] }).reasons.map((r) => r.code)).toEqual(['ERR_BUDGET_EXCEEDED', 'ERR_RATE_LIMITED']);
    const replayed = await ask('15USD', 'n-2');
    expect(replayed.code).toBe(1);
    expect(replayed.json()).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_NONCE' }] });
  });

  it('decides as of --at, and asks for approval where required', async () => {
    const vp = await legate([...d, 'present', '--agent', 'alice', '--aud', ACME, '--nonce', 'n-3']);
    const file = join(dir, 'alice.vp');
    writeFileSync(file, vp.stdout);
    const close = async (at: string, extra: string[] = []) =>
      await legate([...d, 'authorize', '--presentation', file, '--nonce', 'n-3', '--action', 'close', '--resource', 'billing:account_closure', '--at', at, '--json', ...extra]);
    const weekday = await close(next(3));
    expect(weekday.code).toBe(1);
    expect(weekday.json()).toMatchObject({ decision: 'approval_required', reasons: [{ code: 'ERR_APPROVAL_REQUIRED' }] });
    const saturday = await close(next(6));
    expect(saturday.json()).toMatchObject({ decision: 'deny' });
    expect(JSON.stringify(saturday.json())).toContain('ERR_CONSTRAINT_TIME');
    expect((await close('next tuesday')).code).toBe(2);
    expect((await close(next(3), ['--approved'])).json()).toMatchObject({ decision: 'allow' });
    const human = await legate([...d, 'authorize', '--presentation', file, '--nonce', 'n-3', '--action', 'call', '--resource', 'billing:refund', '--amount', '80USD', '--spent', '0USD', '--recent', '0']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^allow/);
    expect(human.stdout).toContain(`  authority  issuer ${ACME} -> owner ${OWNER} -> agent ${ACME}:agents:alice\n`);
  });
});
