// The second-person policy (#18): with `operators.secondPerson` covering revocations and retirements, dana's
// revocation waits until a different admin (erin) confirms it, and the revocation's own audit entry names both;
// dana cannot confirm her own; an emergency skips the second person and its audit entry says so; a viewer may not
// ask; a change expires, and a closed one cannot be confirmed again. Then `legate changes` and `operator` over the CLI.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSharedConfig } from '../../src/config/shared.js';
import { cancelChange, confirmChange, listChanges } from '../../src/node/changes/decide.js';
import { requestChange } from '../../src/node/changes/request.js';
import type { NodeContext } from '../../src/node/context.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { credentialStatus } from '../../src/node/status.js';
import { legate } from '../cli/helpers.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice } from './acme.js';

const DANA = { name: 'dana', role: 'admin' as const };
const ERIN = { name: 'erin', role: 'admin' as const };
const VICTOR = { name: 'victor', role: 'viewer' as const };

let now: Date;
let node: NodeContext;
let dataDir: string;
let credential: string;

beforeEach(async () => {
  now = new Date(NOW.getTime());
  const clock = () => new Date(now.getTime());
  ({ node, dataDir } = await acmeWithAlice('legate-second-person-', clock));
  credential = (await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] })).id;
  await node.close();
  expect((await legate(['--data', dataDir, 'config', 'set', 'operators.secondPerson', '["revoke","retire"]'])).code).toBe(0);
  node = await openNode({ dataDir, clock });
});
afterEach(() => node.close());

const lastEntry = async () => JSON.parse((await node.store.listAuditChains())[0]!.entry) as { type: string; action?: string; details?: Record<string, unknown> };

describe('the second-person policy', () => {
  it('holds a revocation until a different admin confirms it; the revocation names both', async () => {
    expect(node.changes.secondPerson).toEqual(['revoke', 'retire']);
    const asked = await requestChange(node, { kind: 'revoke', target: credential, reason: 'left the company', operator: DANA });
    expect(asked.status).toBe('pending');
    const id = asked.status === 'pending' ? asked.change.id : '';
    expect((await credentialStatus(node, credential)).revoked).toBe(false);
    expect(await lastEntry()).toMatchObject({ type: 'operator-change', details: { operator: 'dana', change: id } });

    await expect(confirmChange(node, id, { operator: DANA })).rejects.toMatchObject({ code: 'ERR_SECOND_PERSON' });
    await expect(confirmChange(node, id, { operator: VICTOR })).rejects.toMatchObject({ code: 'ERR_OPERATOR_ROLE' });
    const { change } = await confirmChange(node, id, { operator: ERIN });
    expect(change).toMatchObject({ status: 'confirmed', decidedBy: 'erin', requestedBy: 'dana' });
    expect((await credentialStatus(node, credential)).revoked).toBe(true);
    expect(JSON.stringify((await lastEntry()).details)).toContain('erin');
    await expect(confirmChange(node, id, { operator: ERIN })).rejects.toMatchObject({ code: 'ERR_CHANGE_CLOSED' });
  });

  it('lets an emergency skip the second person, and says so in the audit log', async () => {
    await expect(requestChange(node, { kind: 'revoke', target: credential, operator: DANA, emergency: true })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const done = await requestChange(node, { kind: 'revoke', target: credential, operator: DANA, emergency: true, reason: 'key stolen' });
    expect(done).toMatchObject({ status: 'done', secondPerson: 'skipped' });
    expect((await credentialStatus(node, credential)).revoked).toBe(true);
    expect(await lastEntry()).toMatchObject({ action: 'revoke', details: { operator: 'dana', secondPerson: 'skipped', emergency: true, reason: 'key stolen' } });
  });

  it('takes a change the policy does not cover at once, and refuses a viewer', async () => {
    expect(await requestChange(node, { kind: 'suspend', target: credential, operator: DANA })).toMatchObject({ status: 'done', secondPerson: 'not-required' });
    await expect(requestChange(node, { kind: 'revoke', target: credential, operator: VICTOR })).rejects.toMatchObject({ code: 'ERR_OPERATOR_ROLE' });
    await expect(requestChange(node, { kind: 'revoke', target: 'urn:uuid:nope', operator: DANA })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('lets a change expire, and cancels one', async () => {
    const first = await requestChange(node, { kind: 'retire', target: 'alice', operator: DANA });
    const second = await requestChange(node, { kind: 'revoke', target: credential, operator: DANA });
    const [a, b] = [first, second].map((o) => (o.status === 'pending' ? o.change.id : ''));
    expect((await cancelChange(node, b!, { operator: ERIN })).status).toBe('cancelled');
    now = new Date(now.getTime() + 86_400_000 + 1000);
    await expect(confirmChange(node, a!, { operator: ERIN })).rejects.toMatchObject({ code: 'ERR_CHANGE_EXPIRED' });
    expect((await node.store.getAgent('alice'))?.status).toBe('active');
    expect((await listChanges(node)).map((c) => c.status).sort()).toEqual(['cancelled', 'expired']);
  });

  it('works from the CLI: request, list, confirm by another name', async () => {
    await node.close();
    const data = ['--data', dataDir];
    const asked = await legate([...data, '--json', 'changes', 'request', 'revoke', credential, '--operator', 'dana', '--reason', 'audit finding']);
    expect(asked.code).toBe(0);
    const { change } = asked.json() as { status: string; change: { id: string } };
    expect((await legate([...data, 'changes', 'list'])).stdout).toContain(change.id);
    const self = await legate([...data, 'changes', 'confirm', change.id, '--operator', 'dana']);
    expect(self.code).not.toBe(0);
    expect(self.stderr).toContain('ERR_SECOND_PERSON');
    expect((await legate([...data, '--json', 'changes', 'confirm', change.id, '--operator', 'erin'])).json()).toMatchObject({ status: 'confirmed', decidedBy: 'erin' });
    node = await openNode({ dataDir, clock: () => new Date(now.getTime()) });
    expect((await credentialStatus(node, credential)).revoked).toBe(true);
    expect(await readSharedConfig(node.store)).toHaveProperty(['operators.secondPerson']);
  });
});
