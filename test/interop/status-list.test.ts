/**
 * Status list interop with Digital Bazaar's @digitalbazaar/vc-bitstring-status-list
 * (the decoder behind @digitalbazaar/vc and the W3C test suite): it reads a list
 * a Legate node published after real revocations and suspensions with the
 * same bits set, and Legate reads a list it wrote.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCredential, createList, decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusEntry } from '../../src/credential/types.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { changeStatus, publishedStatusList } from '../../src/node/status.js';
import { getBit } from '../../src/status/bitstring.js';
import { readStatusList } from '../../src/status/list-credential.js';
import { NOW } from '../fixtures.js';

const refund = { action: 'call', resource: 'billing:refund' };
const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

let node: NodeContext;
beforeEach(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-bsl-interop-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example', clock: () => NOW });
  node = await openNode({ dataDir, clock: () => NOW });
  await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
});
afterEach(() => node.close());

/** The published list a status entry points at, as Digital Bazaar's decoder reads it. */
async function theirView(entry: StatusEntry) {
  const listId = entry.statusListCredential!.split('/').pop()!;
  const credential = payloadOf((await publishedStatusList(node, listId)).token);
  const subject = credential.credentialSubject as { encodedList: string; statusPurpose: string };
  return { list: await decodeList({ encodedList: subject.encodedList }), purpose: subject.statusPurpose };
}

describe('a Legate list read by @digitalbazaar/vc-bitstring-status-list', () => {
  it('shows the revoked and suspended credentials, and only those', async () => {
    const issued = [];
    for (let i = 0; i < 6; i++) issued.push(await issueToAgent(node, { agent: 'alice', capabilities: [refund] }));
    const entries = issued.map(({ credential }) => credential.credentialStatus as StatusEntry[]);
    await changeStatus(node, issued[1]!.id, 'revoke');
    await changeStatus(node, issued[4]!.id, 'revoke');
    await changeStatus(node, issued[2]!.id, 'suspend');

    for (const [i, [revocation, suspension]] of entries.map((e, i) => [i, e] as const)) {
      const revocations = await theirView(revocation!);
      expect(revocations.purpose).toBe('revocation');
      expect(revocations.list.length).toBe(131_072);
      expect(revocations.list.getStatus(Number(revocation!.statusListIndex))).toBe(i === 1 || i === 4);
      const suspensions = await theirView(suspension!);
      expect(suspensions.purpose).toBe('suspension');
      expect(suspensions.list.getStatus(Number(suspension!.statusListIndex))).toBe(i === 2);
    }
  });

  it('agrees with Legate on every bit of the published list', async () => {
    const issued = [];
    for (let i = 0; i < 4; i++) issued.push(await issueToAgent(node, { agent: 'alice', capabilities: [refund] }));
    await changeStatus(node, issued[0]!.id, 'revoke');
    await changeStatus(node, issued[3]!.id, 'revoke');
    const [revocation] = issued[0]!.credential.credentialStatus as StatusEntry[];
    const listId = revocation!.statusListCredential!.split('/').pop()!;
    const ours = readStatusList(payloadOf((await publishedStatusList(node, listId)).token));
    const { list: theirs } = await theirView(revocation!);
    const set: number[] = [];
    const disagreements: number[] = [];
    for (let index = 0; index < ours.length; index++) {
      const bit = getBit(ours.bits, index);
      if (theirs.getStatus(index) !== bit) disagreements.push(index);
      if (bit) set.push(index);
    }
    expect(disagreements).toEqual([]);
    expect(set.sort((a, b) => a - b)).toEqual(
      issued.filter((_, i) => i === 0 || i === 3).map(({ credential }) => Number((credential.credentialStatus as StatusEntry[])[0]!.statusListIndex)).sort((a, b) => a - b),
    );
  });
});

describe('a @digitalbazaar/vc-bitstring-status-list list read by Legate', () => {
  it('reads the bits it set', async () => {
    const list = await createList({ length: 131_072 });
    for (const index of [0, 7, 8, 65_537, 131_071]) list.setStatus(index, true);
    const credential = await createCredential({ id: 'https://status.example/lists/1', list, statusPurpose: 'revocation' });
    const read = readStatusList(credential);
    expect(read.purposes).toEqual(['revocation']);
    expect(read.length).toBe(131_072);
    for (const index of [0, 7, 8, 65_537, 131_071]) expect(getBit(read.bits, index)).toBe(true);
    for (const index of [1, 6, 9, 65_536, 65_538, 131_070]) expect(getBit(read.bits, index)).toBe(false);
  });
});
