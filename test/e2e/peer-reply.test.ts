// What a stranger learns from POST /ace about the URLs its message named.
//   bank (a node on loopback): teller answers handshakes
//   mallory: signs advertises as did:web agents on hosts she chooses (all on 127.0.0.1 here)
// Whether mallory's host refused the connection, answered garbage, or answered
// an HTTP error, the reply must be the same: otherwise the node is a port
// scanner for whoever can send it a message. Since trust before fetch, the node
// does not even ask: no chain from a trusted root names mallory, so her did:web
// is never resolved and her hosts see no request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdvertise } from '../../src/handshake/advertise.js';
import { createNonce } from '../../src/handshake/message.js';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { mallory } from '../fixtures.js';
import { freePort, startNode, type RunningNode } from '../helpers/federation.js';

describe('POST /ace replies do not reveal what a fetch found', () => {
  let bank: RunningNode;
  let teller: string;
  let garbage: Server;
  let garbagePort: number;
  let closedPort: number;
  let requests = 0;

  beforeAll(async () => {
    bank = await startNode('bank');
    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    // A port that answers: garbage for DID documents, except /error which is an HTTP 500.
    garbage = createServer((request, response) => {
      requests++;
      if (request.url?.startsWith('/error/')) response.writeHead(500).end('boom');
      else response.writeHead(200, { 'content-type': 'application/did+json' }).end('this is not a DID document');
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    garbagePort = (garbage.address() as AddressInfo).port;
    closedPort = await freePort();
  }, 60_000);

  afterAll(async () => {
    garbage?.closeAllConnections();
    await new Promise((resolve) => garbage?.close(resolve));
    await bank?.server.close();
  });

  /** mallory's advertise as `did` (a did:web on a host of her choosing), signed with her key. */
  async function advertiseAs(did: string): Promise<{ status: number; body: unknown }> {
    const nonce = createNonce();
    const advertise = await createAdvertise({
      signer: { ...mallory.signer, kid: `${did}#key-1` },
      audience: teller,
      presentation: 'e30.e30.sig',
      nonce,
      intents: [{ action: 'call', resource: 'billing:refund' }],
    });
    const response = await fetch(`${bank.url}/ace`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: advertise.token }) });
    return { status: response.status, body: await response.json() };
  }

  it('answers a closed port, garbage and an HTTP error alike, with one fixed code and message', async () => {
    const closed = await advertiseAs(`did:web:127.0.0.1%3A${closedPort}:agents:mallory`);
    const junk = await advertiseAs(`did:web:127.0.0.1%3A${garbagePort}:agents:mallory`);
    const failing = await advertiseAs(`did:web:127.0.0.1%3A${garbagePort}:error:mallory`);
    expect(closed.status).toBeGreaterThanOrEqual(400);
    expect(junk).toEqual(closed);
    expect(failing).toEqual(closed);
    const text = JSON.stringify(closed.body);
    for (const leak of ['notFound', 'invalidDidDocument', 'ECONNREFUSED', String(closedPort), 'HTTP', 'timed out']) expect(text).not.toContain(leak);
  });

  it("never resolves the stranger's did:web: her host sees no request, and the refusal is audited with the reply's code", async () => {
    const reply = await advertiseAs(`did:web:127.0.0.1%3A${garbagePort}:agents:mallory2`);
    expect(requests).toBe(0);
    const code = (reply.body as { code: string }).code;
    const entries = await bank.node.store.listAuditEntries();
    expect(JSON.stringify(entries.at(-1))).toContain(code);
  });
});
