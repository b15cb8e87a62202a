// createNode is the node's composition root (#14 item 1): each service is
// built once from narrow ports, and what a service remembers (the refusal
// window, the status and trust caches) belongs to its node instance.
//
// acme runs two node instances over one store in one process; mallory sends
// them refusable input. A third, in-memory node has only the agents and
// audit ports behind it: its agents and audit services never touch another.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LegateError } from '../../src/errors/index.js';
import type { KeyStore } from '../../src/keys/keystore.js';
import type { HttpClient } from '../../src/lib/http-client.js';
import { REFUSALS_PER_PEER_PER_MINUTE } from '../../src/node/audit.js';
import { inTransaction, type NodeContext } from '../../src/node/context.js';
import { createNode, type NodeDeps } from '../../src/node/create.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import type { AgentRepository, AuditRepository } from '../../src/store/ports/index.js';
import type { AgentRecord, AuditEntryRecord, Store } from '../../src/store/types.js';
import { acme, alice, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';

const clock = frozenClock();
const refusal = { type: 'handshake' as const, action: 'advertise', agent: mallory.did };
const strangerError = new LegateError('ERR_UNTRUSTED_ISSUER', 'not trusted');

describe('two nodes in one process', () => {
  let dir: string;
  let first: NodeContext;
  let second: NodeContext;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'legate-create-'));
    await initNode({ dataDir: dir, domain: 'acme.example', name: 'Acme', clock });
    first = await openNode({ dataDir: dir, clock });
    // The second instance shares the first one's store itself: only the instance differs.
    second = createNode({ ...first, close: () => Promise.resolve() });
  });
  afterAll(async () => {
    await first.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keep their own refusal windows: one node suppressing mallory does not silence the other', async () => {
    const lines = async () => (await first.store.listAuditEntries()).filter((e) => e.entry.includes(mallory.did)).length;
    const before = await lines();
    for (let i = 0; i <= REFUSALS_PER_PEER_PER_MINUTE; i++) await first.services.audit.refusal(refusal, strangerError);
    expect(await lines()).toBe(before + REFUSALS_PER_PEER_PER_MINUTE);
    await second.services.audit.refusal(refusal, strangerError);
    expect(await lines()).toBe(before + REFUSALS_PER_PEER_PER_MINUTE + 1);
  });

  it('keep their own status checker and trust registry', () => {
    expect(second.services.verifier.statusChecker).not.toBe(first.services.verifier.statusChecker);
    expect(second.services.verifier.trustRegistry).not.toBe(first.services.verifier.trustRegistry);
  });

  it("share one node's services with its transaction views, which write through the transaction", async () => {
    const seen = await inTransaction(first, (tx) => Promise.resolve({ services: tx.services, store: tx.store, organization: tx.organization }));
    expect(seen.services).toBe(first.services);
    expect(seen.store).not.toBe(first.store);
    expect(seen.organization).toBe(first.organization);
  });
});

/** Agents and an audit log in memory, and nothing else: any other port used throws. */
function narrowStore(agents: AgentRecord[], used: string[]): Store {
  const entries: AuditEntryRecord[] = [];
  const agentPort: AgentRepository = {
    putAgent: (agent) => Promise.resolve(void agents.push(agent)),
    getAgent: (name) => Promise.resolve(agents.find((a) => a.name === name)),
    getAgentByDid: (did) => Promise.resolve(agents.find((a) => a.did === did)),
    listAgents: () => Promise.resolve([...agents].sort((a, b) => a.name.localeCompare(b.name))),
    setAgentStatus: () => Promise.reject(new Error('not needed')),
  };
  const auditPort: AuditRepository = {
    appendAuditEntry: (entry) => Promise.resolve(void entries.push(entry)),
    lastAuditEntry: () => Promise.resolve(entries.at(-1)),
    listAuditEntries: (query = {}) => Promise.resolve(entries.slice(0, query.limit ?? entries.length)),
    putAuditCheckpoint: () => Promise.reject(new Error('not needed')),
    listAuditCheckpoints: () => Promise.resolve([]),
    lastAuditCheckpoint: () => Promise.resolve(undefined),
  };
  const ports: Record<string, unknown> = { ...agentPort, ...auditPort };
  const store: Store = new Proxy({} as Store, {
    get(_, name: string) {
      if (name === 'transaction') return (fn: (tx: Store) => Promise<unknown>) => fn(store);
      if (name === 'then') return undefined;
      if (!(name in ports)) throw new Error(`the store's ${name} was used`);
      used.push(name);
      return ports[name];
    },
  });
  return store;
}

describe('createNode over narrow ports', () => {
  const aliceRecord: AgentRecord = {
    name: 'alice',
    did: alice.did,
    owner: alice.owner,
    method: 'web',
    status: 'active',
    kid: alice.signer.kid,
    createdAt: NOW.toISOString(),
  };
  const used: string[] = [];
  const store = narrowStore([aliceRecord], used);
  const deps: NodeDeps = {
    dataDir: '(memory)',
    organization: { did: acme.did, domain: 'acme.example', name: 'Acme', createdAt: NOW.toISOString() },
    store,
    // Neither the agents service's reads nor the audit service of refusals need a key or the network.
    keys: {} as KeyStore,
    sealing: 'keyfile',
    clock,
    resolver: personaResolver(),
    http: {} as HttpClient,
  };

  it('reads agents through the agents port alone', async () => {
    const node = createNode(deps);
    expect((await node.services.agents.list()).map((a) => a.did)).toEqual([alice.did]);
    expect(await node.services.agents.get('alice')).toEqual(aliceRecord);
    await expect(node.services.agents.get('bob')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(new Set(used)).toEqual(new Set(['listAgents', 'getAgent']));
  });

  it('logs refusals through the audit port alone, within the per-sender limit', async () => {
    used.length = 0;
    const node = createNode(deps);
    for (let i = 0; i <= REFUSALS_PER_PEER_PER_MINUTE; i++) await node.services.audit.refusal(refusal, strangerError);
    const logged = await store.listAuditEntries();
    expect(logged).toHaveLength(REFUSALS_PER_PEER_PER_MINUTE);
    expect(JSON.parse(logged[0]!.entry)).toMatchObject({ type: 'handshake', decision: 'deny', reasons: ['ERR_UNTRUSTED_ISSUER'], agent: mallory.did });
    expect(used).toContain('appendAuditEntry');
    expect(used.every((name) => ['lastAuditEntry', 'appendAuditEntry', 'lastAuditCheckpoint', 'listAuditEntries'].includes(name))).toBe(true);
  });
});
