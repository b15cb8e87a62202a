// A peer that cannot be reached is not bad usage: `legate handshake` exits 3
// with ERR_PEER_UNREACHABLE (closed port) or ERR_PEER_TIMEOUT (a server that
// accepts and never answers), naming the host and never the URL's path.
//   helpdesk: alice  ->  bob (a peer on loopback that is down, hung, or whose ACE endpoint is down)
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legate, type Run } from './helpers.js';

const env = { LEGATE_ALLOW_HTTP_LOOPBACK: '1' };

function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function errorOf(run: Run): { code: string; message: string } {
  return (run.json() as { error: { code: string; message: string } }).error;
}

describe('legate handshake with a peer that cannot be reached', () => {
  let d: string[];
  let closedPort: number;
  let hung: Server;
  let hungPort: number;
  const sockets = new Set<Socket>();
  let documents: HttpServer;
  let documentsPort: number;

  beforeAll(async () => {
    d = ['--data', join(mkdtempSync(join(tmpdir(), 'legate-unreachable-')), 'helpdesk')];
    const probe = createServer();
    closedPort = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
    // Accepts connections and never answers a byte.
    hung = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    hungPort = await listen(hung);
    // Serves bob's DID document, whose ACE endpoint is the closed port: resolution works, the POST cannot.
    documents = createHttpServer((request, response) => {
      const did = `did:web:127.0.0.1%3A${documentsPort}:agents:bob`;
      if (request.url !== '/agents/bob/did.json') return void response.writeHead(404).end();
      const service = [{ id: `${did}#ace`, type: 'LegateAceEndpoint', serviceEndpoint: `http://127.0.0.1:${closedPort}/ace` }];
      response.writeHead(200, { 'content-type': 'application/did+json' }).end(JSON.stringify({ id: did, service }));
    });
    documentsPort = await listen(documents);
    expect((await legate([...d, 'init', '--domain', 'localhost:7999', '--name', 'Helpdesk'], { env })).code).toBe(0);
    expect((await legate([...d, 'agent', 'create', 'alice', '--owner', 'mailto:alice@helpdesk.example'], { env })).code).toBe(0);
    expect((await legate([...d, 'cap', 'issue', 'alice', '--action', 'call', '--resource', 'billing:refund'], { env })).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hung?.close(resolve));
    documents?.closeAllConnections();
    await new Promise((resolve) => documents?.close(resolve));
  });

  it('exits 3 with ERR_PEER_UNREACHABLE naming the host when the port is closed', async () => {
    const run = await legate([...d, 'handshake', 'alice', `http://127.0.0.1:${closedPort}/agents/bob?secret=1`, '--json'], { env });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    const error = errorOf(run);
    expect(error.code).toBe('ERR_PEER_UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${closedPort}`);
    expect(error.message).not.toContain('secret');
    // The human form too.
    const human = await legate([...d, 'handshake', 'alice', `http://127.0.0.1:${closedPort}/agents/bob`], { env });
    expect(human.code).toBe(3);
    expect(human.stderr).toMatch(new RegExp(`^legate: ERR_PEER_UNREACHABLE: .*127\\.0\\.0\\.1:${closedPort}`));
  }, 60_000);

  it('exits 3 with ERR_PEER_TIMEOUT naming the host when the peer accepts and never answers (--timeout)', async () => {
    const run = await legate([...d, '--timeout', '500', 'handshake', 'alice', `http://127.0.0.1:${hungPort}/agents/bob`, '--json'], { env });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    const error = errorOf(run);
    expect(error.code).toBe('ERR_PEER_TIMEOUT');
    expect(error.message).toContain(`127.0.0.1:${hungPort}`);
  }, 60_000);

  it('exits 3 with ERR_PEER_UNREACHABLE when the DID resolves but its ACE endpoint is down (the POST path actions use)', async () => {
    const run = await legate([...d, 'handshake', 'alice', `http://127.0.0.1:${documentsPort}/agents/bob`, '--json'], { env });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    const error = errorOf(run);
    expect(error.code).toBe('ERR_PEER_UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${closedPort}`);
    expect(error.message).not.toContain('/ace');
  }, 60_000);

  it('keeps exit 2 for bad usage: a malformed --timeout', async () => {
    const run = await legate([...d, '--timeout', 'soon', 'handshake', 'alice', `http://127.0.0.1:${closedPort}/agents/bob`, '--json'], { env });
    expect(run.code).toBe(2);
    expect(errorOf(run).code).toBe('ERR_INVALID_ARGUMENT');
  }, 60_000);
});
