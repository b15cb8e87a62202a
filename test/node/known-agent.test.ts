// knownAgent (node/agents): the agent record an agent's handshakes and actions read (node/peer, node/present),
// kept while the store's change stamp holds. bank's teller is read once for many calls; a change to the agents
// (alice created, teller retired) is seen at once; an unknown name is ERR_NOT_FOUND; the record is frozen.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAgent, knownAgent } from '../../src/node/agents.js';
import { retireAgent } from '../../src/node/retire.js';
import { NOW } from '../fixtures.js';
import { openVerifier, type Verifier } from '../helpers/verifier.js';

let v: Verifier;
beforeEach(async () => {
  v = await openVerifier(() => new Date(NOW.getTime()));
});
afterEach(() => v.node.close());

describe('knownAgent', () => {
  it('reads an agent once while nothing changed, and again after any change to the agents', async () => {
    const reads = vi.spyOn(v.node.store, 'getAgent');
    const teller = await knownAgent(v.node, 'teller');
    expect(teller.did).toBe(v.teller);
    expect(Object.isFrozen(teller)).toBe(true);
    expect(await knownAgent(v.node, 'teller')).toBe(teller);
    expect(reads).toHaveBeenCalledTimes(1);
    await createAgent(v.node, { name: 'alice', owner: 'mailto:carol@bank.example' });
    expect((await knownAgent(v.node, 'teller')).did).toBe(v.teller);
    expect(reads).toHaveBeenCalledTimes(2);
    await retireAgent(v.node, 'teller');
    expect((await knownAgent(v.node, 'teller')).status).toBe('retired');
  });

  it('refuses an unknown name with ERR_NOT_FOUND, and finds it once created', async () => {
    await expect(knownAgent(v.node, 'mallory')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'name' });
    await createAgent(v.node, { name: 'mallory', owner: 'mailto:mallory@bank.example' });
    expect((await knownAgent(v.node, 'mallory')).name).toBe('mallory');
  });
});
