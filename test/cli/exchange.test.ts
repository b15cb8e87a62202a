// The CLI as the support vendor (its own `legate serve`, run in process) talking to a bank node in this process:
//   support: carol (did:key, human owner) -> customer-support      bank: teller
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { accredit } from '../../src/node/registry.js';
import { freePort, startNode, type RunningNode } from '../helpers/federation.js';
import { legate, serveInProcess, type ServingInProcess } from './helpers.js';

const env = { LEGATE_ALLOW_HTTP_LOOPBACK: '1' };

describe('legate serve, handshake, action, approve', () => {
  let dir: string;
  let d: string[];
  let bank: RunningNode;
  let teller: string;
  let carol: string;
  let support: string;
  let serve: ServingInProcess | undefined;
  const run = async (args: string[]) => await legate([...d, ...args], { env });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legate-exchange-cli-'));
    d = ['--data', join(dir, 'support')];
    bank = await startNode('bank', { root: dir });
    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });

    const port = await freePort();
    expect((await run(['init', '--domain', `localhost:${port}`, '--name', 'Helpdesk Tools'])).code).toBe(0);
    carol = ((await run(['agent', 'create', 'carol', '--owner', 'mailto:carol@helpdesk.example', '--method', 'key', '--json'])).json() as { did: string }).did;
    expect((await run(['agent', 'create', 'customer-support', '--owner', carol])).code).toBe(0);
    expect((await run(['cap', 'issue', 'customer-support', '--action', 'call', '--resource', 'billing:refund', '--max-amount', '100USD'])).code).toBe(0);
    expect((await run(['cap', 'issue', 'customer-support', '--action', 'close', '--resource', 'billing:account_closure', '--require-approval'])).code).toBe(0);
    expect((await run(['registry', 'accredit', bank.did, '--for', 'serve:billing:*'])).code).toBe(0);
    const supportDid = `did:web:localhost%3A${port}`;
    support = `${supportDid}:agents:customer-support`;
    await accredit(bank.node, { issuer: supportDid, capabilities: ['call:billing:*', 'close:billing:*'] });

    serve = await serveInProcess(d, ['--port', String(port)], env);
  });
  afterAll(async () => {
    expect(await serve?.stop()).toBe(0);
    await bank?.server.close();
  });

  it('handshakes and prints what is trusted', async () => {
    const json = await run(['handshake', 'customer-support', teller, '--json', '--intent', 'call:billing:refund', '--intent', 'delete:billing:ledger']);
    expect(json.json()).toMatchObject({ trusted: [{ action: 'call' }], rejected: [{ action: 'delete', code: 'ERR_NOT_AUTHORIZED' }] });
    // The last handshake's session is the one kept: ask for everything.
    const human = await run(['handshake', 'customer-support', `${bank.url}/agents/teller`]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('trusted   call billing:refund');
    expect(human.stdout).toContain('trusted   close billing:account_closure');
  });

  it('acts: allowed within the limit (exit 0), denied over it (exit 1)', async () => {
    const ok = await run(['action', 'customer-support', teller, '--action', 'call', '--resource', 'billing:refund', '--amount', '80USD', '--json']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.json()).toMatchObject({ decision: 'allow' });
    const over = await run(['action', 'customer-support', teller, '--action', 'call', '--resource', 'billing:refund', '--amount', '150USD']);
    expect(over.code).toBe(1);
    expect(over.stdout).toContain('ERR_CONSTRAINT_AMOUNT');
    // Authority first, as `authorize` and `audit show` print it: owner -> agent.
    expect(over.stdout).toContain(`  authority  ${carol} -> ${support}\n`);
  });

  it('needs an approval, which the owner signs', async () => {
    const file = join(dir, 'close.json');
    const close = ['action', 'customer-support', teller, '--action', 'close', '--resource', 'billing:account_closure'];
    const pending = await run([...close, '--save-action', file, '--json']);
    expect(pending.code).toBe(1);
    expect(pending.json()).toMatchObject({ decision: 'approval_required' });
    const approval = await run(['approve', file, '--as', carol]);
    expect(approval.code, approval.stderr).toBe(0);
    const approvalFile = join(dir, 'approval.jwt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(approvalFile, approval.stdout);
    const approved = await run([...close, '--approval', approvalFile, '--json']);
    expect(approved.json()).toMatchObject({ decision: 'allow' });
    expect((await run(['approve', file, '--as', 'did:web:nobody.example', '--json'])).json()).toMatchObject({ error: { code: 'ERR_KEY_UNAVAILABLE' } });
  });

  it('refuses actions without a session, and bad input, with exit 2', async () => {
    expect((await run(['action', 'carol', teller, '--action', 'call', '--resource', 'billing:refund', '--json'])).json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    expect((await run(['action', 'customer-support', teller, '--action', 'call', '--resource', 'x', '--params', '[1]', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect((await run(['handshake', 'customer-support', 'not a peer', '--json'])).json()).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
  });
});
