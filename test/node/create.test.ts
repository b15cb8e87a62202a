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
import { KeyStore } from '../../src/keys/keystore.js';
import { createMasterKey } from '../../src/keys/master-key.js';
import type { AuditFields } from '../../src/audit/types.js';
import { createAgentService } from '../../src/node/agents.js';
import type { HttpClient } from '../../src/lib/http-client.js';
import { REFUSALS_PER_PEER_PER_MINUTE } from '../../src/node/audit.js';
import { inTransaction, type NodeContext } from '../../src/node/context.js';
import { createNode, type NodeDeps } from '../../src/node/create.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import type { AgentRepository, AuditRepository, KeyRepository } from '../../src/store/ports/index.js';
import type { AgentRecord, AuditEntryRecord, KeyRecord, Store } from '../../src/store/types.js';
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
    auditHead: () => {
      const last = entries.at(-1);
      return Promise.resolve(last && { seq: last.seq, hash: last.hash, entry: last.entry });
    },
    listAuditChains: () => Promise.resolve(entries.slice(-1)),
    listAuditEntries: (query = {}) => Promise.resolve(entries.slice(0, query.limit ?? entries.length)),
    listAuditHashes: () => Promise.reject(new Error('not needed')),
    putAuditCheckpoint: () => Promise.reject(new Error('not needed')),
    listAuditCheckpoints: () => Promise.resolve([]),
    lastAuditCheckpoint: () => Promise.resolve(undefined),
    pruneAuditEntries: () => Promise.reject(new Error('not needed')),
    pruneAuditAttachments: () => Promise.reject(new Error('not needed')),
    sealAuditEntries: () => Promise.reject(new Error('not needed')),
  };
  // The store's own audit chain is named in its settings (audit/chain).
  const settings = new Map<string, string>();
  const settingsPort = {
    getSetting: (name: string) => Promise.resolve(settings.get(name)),
    putSetting: (name: string, value: string) => Promise.resolve(void settings.set(name, value)),
  };
  const ports: Record<string, unknown> = { ...agentPort, ...auditPort, ...settingsPort };
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

  it('logs refusals through the audit port alone (and the setting naming its chain), within the per-sender limit', async () => {
    used.length = 0;
    const node = createNode(deps);
    for (let i = 0; i <= REFUSALS_PER_PEER_PER_MINUTE; i++) await node.services.audit.refusal(refusal, strangerError);
    const logged = await store.listAuditEntries();
    expect(logged).toHaveLength(REFUSALS_PER_PEER_PER_MINUTE);
    expect(JSON.parse(logged[0]!.entry)).toMatchObject({ type: 'handshake', decision: 'deny', reasons: ['ERR_UNTRUSTED_ISSUER'], agent: mallory.did });
    expect(used).toContain('appendAuditEntry');
    expect(used.every((name) => ['auditHead', 'appendAuditEntry', 'lastAuditCheckpoint', 'listAuditEntries', 'getSetting', 'putSetting'].includes(name))).toBe(true);
  });
});

describe('the agents service over its own ports', () => {
  // Only the agents and keys ports, in memory, with transactions that commit on success: no node, no SQLite.
  type Ports = AgentRepository & KeyRepository;
  function memoryPorts(): Ports & { transaction<T>(fn: (tx: Ports) => Promise<T>): Promise<T>; agents: AgentRecord[]; keys: KeyRecord[] } {
    const state = { agents: [] as AgentRecord[], keys: [] as KeyRecord[] };
    const over = (agents: AgentRecord[], keys: KeyRecord[]): Ports => ({
      putAgent: (agent) => Promise.resolve(void agents.push(agent)),
      getAgent: (name) => Promise.resolve(agents.find((a) => a.name === name)),
      getAgentByDid: (did) => Promise.resolve(agents.find((a) => a.did === did)),
      listAgents: () => Promise.resolve([...agents]),
      setAgentStatus: () => Promise.reject(new Error('not needed')),
      putKey: (key) => Promise.resolve(void keys.push(key)),
      getKey: (kid) => Promise.resolve(keys.find((k) => k.kid === kid)),
      listKeys: (controller) => Promise.resolve(keys.filter((k) => controller === undefined || k.controller === controller)),
      setKeyStatus: () => Promise.reject(new Error('not needed')),
      retireKey: () => Promise.reject(new Error('not needed')),
    });
    return {
      ...over(state.agents, state.keys),
      agents: state.agents,
      keys: state.keys,
      async transaction(fn) {
        const agents = [...state.agents];
        const keys = [...state.keys];
        const result = await fn(over(agents, keys));
        state.agents.splice(0, Infinity, ...agents);
        state.keys.splice(0, Infinity, ...keys);
        return result;
      },
    };
  }

  let dir: string;
  let master: ReturnType<typeof createMasterKey>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'legate-agents-service-'));
    master = createMasterKey(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  function build() {
    const store = memoryPorts();
    const recorded: { fields: AuditFields; tx: Ports | undefined }[] = [];
    const retired: string[] = [];
    const agents = createAgentService({
      organization: { did: acme.did, domain: 'acme.example', name: 'Acme', createdAt: NOW.toISOString() },
      store,
      keys: new KeyStore(store, master, { clock }),
      clock,
      audit: { record: (fields, tx) => Promise.resolve(void recorded.push({ fields, tx })) },
      resolver: personaResolver(),
      retire: (name) => {
        retired.push(name);
        return Promise.reject(new LegateError('ERR_NOT_FOUND', `no agent named ${name}`));
      },
    });
    return { agents, store, recorded, retired };
  }

  it('creates a did:web agent with its key and audit entry in one transaction, and shows its document', async () => {
    const { agents, store, recorded } = build();
    const created = await agents.create({ name: 'alice', owner: 'mailto:carol@acme.example' });
    expect(created).toMatchObject({ name: 'alice', did: 'did:web:acme.example:agents:alice', kid: 'did:web:acme.example:agents:alice#key-1', status: 'active', createdAt: NOW.toISOString() });
    expect(store.agents).toEqual([created]);
    expect(store.keys.map((k) => k.kid)).toEqual([created.kid]);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.fields).toMatchObject({ type: 'agent', decision: 'allow', action: 'create', agent: created.did });
    // The entry goes through the transaction's ports, not the outer store.
    expect(recorded[0]!.tx).toBeDefined();
    expect(recorded[0]!.tx).not.toBe(store);
    expect(await agents.get('alice')).toEqual(created);
    expect((await agents.list()).map((a) => a.name)).toEqual(['alice']);
    const { didDocument } = await agents.show('alice');
    expect(didDocument?.id).toBe(created.did);
    expect(didDocument?.verificationMethod?.map((m) => m.id)).toEqual([created.kid]);
  });

  it('refuses a taken name with ERR_CONFLICT and a bad one with ERR_INVALID_ARGUMENT, writing nothing', async () => {
    const { agents, store, recorded } = build();
    await agents.create({ name: 'alice', owner: 'mailto:carol@acme.example' });
    await expect(agents.create({ name: 'alice', owner: 'mailto:carol@acme.example' })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    await expect(agents.create({ name: 'Mallory!', owner: 'mailto:carol@acme.example' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(agents.get('bob')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(store.agents.map((a) => a.name)).toEqual(['alice']);
    expect(store.keys).toHaveLength(1);
    expect(recorded).toHaveLength(1);
  });

  it('hands retiring to the retire port it was given', async () => {
    const { agents, retired } = build();
    await expect(agents.retire('bob')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(retired).toEqual(['bob']);
  });
});
