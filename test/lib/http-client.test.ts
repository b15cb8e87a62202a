// The one outbound HTTP client: mallory names URLs (in credentials, DID
// documents, advertises) and the client must not let them reach the node's
// own network. Only 127.0.0.1 is ever contacted here: every other address is
// given as a literal or through an injected DNS lookup, and must be refused
// before any socket is opened (net.connect / tls.connect are watched).
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type * as NetModule from 'node:net';
import type { AddressInfo } from 'node:net';
import type * as TlsModule from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHttpClient, type HttpClient } from '../../src/lib/http-client.js';
import { freePort } from '../helpers/federation.js';
import { addressRange } from '../../src/lib/address-policy.js';
import type { LookupAddress } from '../../src/lib/http-transport.js';

const require = createRequire(import.meta.url);
// The CommonJS module objects undici calls `net.connect` / `tls.connect` on (an ESM namespace cannot be spied on).
const net = require('node:net') as typeof NetModule;
const tls = require('node:tls') as typeof TlsModule;

const open = new Set<ServerResponse>();
const paths: string[] = [];
let connections = 0;
let server: Server;
let port: number;
let closedPort: number;

beforeAll(async () => {
  server = createServer((request, response) => {
    paths.push(request.url ?? '');
    let received = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    request.on('end', () => {
      switch (request.url) {
        case '/echo':
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: request.headers['content-type'], dpop: request.headers.dpop, body: received }));
          break;
        case '/ok':
          response.writeHead(200, { 'content-type': 'application/json', etag: '"v1"' }).end('{"ok":true}');
          break;
        case '/refused':
          response.writeHead(403, { 'content-type': 'application/json' }).end('{"code":"ERR_NOT_AUTHORIZED"}');
          break;
        case '/big':
          // Streamed without Content-Length: the client must count.
          response.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < 8; i++) response.write('x'.repeat(1024));
          response.end();
          break;
        case '/declared':
          response.writeHead(200, { 'content-length': String(1024 * 1024) });
          response.write('x');
          open.add(response);
          break;
        case '/reset':
          request.socket.destroy();
          break;
        case '/redirect':
          response.writeHead(307, { location: '/ok' }).end();
          break;
        case '/trickle': {
          // A byte every 20 ms: never idle long enough for a socket timeout.
          open.add(response);
          response.writeHead(200, { 'content-type': 'application/json' });
          const timer = setInterval(() => response.write(' '), 20);
          response.on('close', () => {
            clearInterval(timer);
            open.delete(response);
          });
          break;
        }
        default:
          open.add(response); // never answers
          response.on('close', () => open.delete(response));
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  closedPort = await freePort(); // below the ephemeral range: no listen(0) elsewhere takes it
});

afterAll(async () => {
  for (const response of open) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const clients: HttpClient[] = [];
function client(options: Parameters<typeof createHttpClient>[0] = {}): HttpClient {
  const made = createHttpClient(options);
  clients.push(made);
  return made;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** Watches every TCP and TLS connection attempt of this process. */
function watchSockets() {
  const tcp = vi.spyOn(net, 'connect');
  const secure = vi.spyOn(tls, 'connect');
  return () => tcp.mock.calls.length + secure.mock.calls.length;
}

/** A DNS lookup answering `addresses` for every name, counting its calls. */
function fakeDns(...addresses: string[]) {
  const calls: string[] = [];
  const lookup = (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return { lookup, calls };
}

const GET = { accept: 'application/json', maxBytes: 4096 };

/**
 * Every refused class, with an example address of it: inputs only. Each is
 * refused as a literal or through an injected DNS lookup (`fakeDns`), and
 * every test asserts that no socket opened; only 127.0.0.1 and ::1 (the
 * local server) are ever contacted.
 */
const REFUSED: [string, string][] = [
  ['10.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['127.0.0.1', 'loopback'],
  ['127.8.9.10', 'loopback'],
  ['::1', 'loopback'],
  ['169.254.1.1', 'link-local'],
  ['169.254.169.254', 'metadata'],
  ['fd00:ec2::254', 'metadata'],
  ['fe80::1', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['100.64.0.1', 'shared'],
  ['100.127.255.254', 'shared'],
  ['0.0.0.0', 'unspecified'],
  ['::', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['ff02::1', 'multicast'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['::ffff:100.64.0.1', 'shared'],
  ['::127.0.0.1', 'loopback'],
  ['64:ff9b::a00:1', 'private'],
  ['2002:c0a8:101::1', 'private'],
];

function literal(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

describe('address policy', () => {
  it('classifies each refused range, and leaves public addresses alone', () => {
    for (const [address, range] of REFUSED) expect(addressRange(address), address).toBe(range);
    for (const address of ['93.184.216.34', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:93.184.216.34']) {
      expect(addressRange(address), address).toBeUndefined();
    }
  });

  it('refuses every class as a literal in the URL, for https, before any socket opens', async () => {
    const sockets = watchSockets();
    const http = client();
    for (const [address, range] of REFUSED) {
      await expect(http.get(`https://${literal(address)}:8443/status/1?x=1`, GET), address).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: range });
    }
    expect(sockets()).toBe(0);
  });

  it('refuses every class when DNS answers it for a name, before any socket opens', async () => {
    const sockets = watchSockets();
    for (const [address, range] of REFUSED) {
      const dns = fakeDns(address);
      const error = await client({ lookup: dns.lookup }).get('https://mallory.example/lists/1', GET).catch((e: unknown) => e);
      expect(error, address).toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: range });
      expect(dns.calls).toEqual(['mallory.example']);
    }
    expect(sockets()).toBe(0);
  });

  it('refuses a name when any of its addresses is refused (a public one beside it does not help)', async () => {
    const sockets = watchSockets();
    const dns = fakeDns('93.184.216.34', '10.0.0.1');
    await expect(client({ lookup: dns.lookup }).get('https://mallory.example/x', GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: 'private' });
    expect(sockets()).toBe(0);
  });

  it('refuses loopback without the opt-in, over https too: the local server sees no connection', async () => {
    const before = connections;
    const http = client();
    await expect(http.get(`https://127.0.0.1:${port}/ok`, GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: 'loopback' });
    await expect(http.get(`https://localhost:${port}/ok`, GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: 'loopback' });
    // A name that resolves to loopback is refused as well.
    await expect(client({ lookup: fakeDns('127.0.0.1').lookup }).get(`https://alice.example:${port}/ok`, GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED' });
    expect(connections).toBe(before);
  });

  it('with the opt-in, reaches 127.0.0.1, and connects to the checked address (one lookup, no second resolution)', async () => {
    // The watch sees the connections undici opens: the refusals above, which it saw none of, are real.
    const sockets = watchSockets();
    const http = client({ allowHttpLoopback: true });
    const response = await http.get(`http://127.0.0.1:${port}/ok`, GET);
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(response.body)).toBe('{"ok":true}');
    const dns = fakeDns('127.0.0.1');
    const named = client({ allowHttpLoopback: true, lookup: dns.lookup });
    expect((await named.get(`http://localhost:${port}/ok`, GET)).status).toBe(200);
    expect(dns.calls).toEqual(['localhost']);
    expect(sockets()).toBe(2);
  });

  it('the opt-in covers loopback only: a private address stays refused, and so does plain http to other hosts', async () => {
    const sockets = watchSockets();
    const http = client({ allowHttpLoopback: true, lookup: fakeDns('192.168.0.10').lookup });
    await expect(http.get(`http://localhost:${port}/ok`, GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: 'private' });
    await expect(http.get('http://10.0.0.1/x', GET)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', reason: 'scheme' });
    await expect(http.get('http://bank.example/x', GET)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', reason: 'scheme' });
    expect(sockets()).toBe(0);
  });

  it('allowAddress admits a refused range explicitly', async () => {
    const dns = fakeDns('127.0.0.1');
    const http = client({ lookup: dns.lookup, allowAddress: (_address, range) => range === 'loopback' });
    // Allowed by policy: the (https) connection is attempted, and fails at TLS against the plain server.
    const error = await http.get(`https://alice.example:${port}/ok`, GET).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_PEER_UNREACHABLE' });
  });

  it('checks names under an injected fetch when a lookup is injected too', async () => {
    const sockets = watchSockets();
    const fetch = vi.fn(() => Promise.resolve(new Response('{}')));
    const http = client({ fetch, lookup: fakeDns('10.1.2.3').lookup });
    await expect(http.get('https://mallory.example/x', GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED' });
    await expect(client({ fetch }).get('https://169.254.169.254/latest/meta-data/', GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED', reason: 'metadata' });
    expect(fetch).not.toHaveBeenCalled();
    expect(sockets()).toBe(0);
  });
});

describe('bounds', () => {
  it('refuses a redirect without following it', async () => {
    const before = paths.length;
    const http = client({ allowHttpLoopback: true });
    await expect(http.get(`http://127.0.0.1:${port}/redirect`, GET)).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'redirect' });
    await expect(http.postJson(`http://127.0.0.1:${port}/redirect`, '{}', { maxBytes: 4096 })).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'redirect' });
    expect(paths.slice(before)).toEqual(['/redirect', '/redirect']);
  });

  it('refuses a body over maxBytes, counted or declared', async () => {
    const http = client({ allowHttpLoopback: true });
    await expect(http.get(`http://127.0.0.1:${port}/big`, GET)).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    await expect(http.get(`http://127.0.0.1:${port}/declared`, GET)).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    expect((await client({ allowHttpLoopback: true }).get(`http://127.0.0.1:${port}/big`, { ...GET, maxBytes: 8192 })).body).toHaveLength(8192);
  });

  it('one deadline for the whole exchange: a silent peer and a trickling one both time out', async () => {
    const http = client({ allowHttpLoopback: true, timeoutMs: 300 });
    const started = Date.now();
    await expect(http.postJson(`http://127.0.0.1:${port}/silent`, '{}', { maxBytes: 4096 })).rejects.toMatchObject({ code: 'ERR_PEER_TIMEOUT' });
    await expect(http.get(`http://127.0.0.1:${port}/trickle`, { ...GET, maxBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'ERR_PEER_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('names the host of an unreachable peer, never its path or query', async () => {
    const error = await client({ allowHttpLoopback: true })
      .postJson(`http://127.0.0.1:${closedPort}/ace?token=secret`, '{}', { maxBytes: 4096 })
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'ERR_PEER_UNREACHABLE', reason: 'ECONNREFUSED' });
    expect((error as Error).message).toContain(`127.0.0.1:${closedPort}`);
    expect((error as Error).message).not.toMatch(/ace|secret/);
  });

  it('a DNS failure and a reset connection are ERR_PEER_UNREACHABLE too', async () => {
    const sockets = watchSockets();
    const noSuchHost = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(client({ lookup: noSuchHost }).get('https://nowhere.example/x', GET)).rejects.toMatchObject({ code: 'ERR_PEER_UNREACHABLE', reason: 'ENOTFOUND' });
    expect(sockets()).toBe(0);
    const reset = await client({ allowHttpLoopback: true }).postJson(`http://127.0.0.1:${port}/reset`, '{}', { maxBytes: 4096 }).catch((e: unknown) => e);
    expect(reset).toMatchObject({ code: 'ERR_PEER_UNREACHABLE' });
    expect((reset as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('answers a refusal with its status and body (POST)', async () => {
    const response = await client({ allowHttpLoopback: true }).postJson(`http://127.0.0.1:${port}/refused`, '{}', { maxBytes: 4096 });
    expect(response.status).toBe(403);
    expect(new TextDecoder().decode(response.body)).toBe('{"code":"ERR_NOT_AUTHORIZED"}');
  });

  it('POSTs a form with the caller\'s headers, its own Content-Type winning (OAuth endpoints)', async () => {
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', scope: 'read:a b' });
    const headers = { DPoP: 'proof', 'Content-Type': 'text/plain' };
    const response = await client({ allowHttpLoopback: true }).postForm(`http://127.0.0.1:${port}/echo`, form, { maxBytes: 4096, headers });
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({ type: 'application/x-www-form-urlencoded', dpop: 'proof', body: form.toString() });
  });

  it('keeps connections alive: several requests, one connection', async () => {
    const http = client({ allowHttpLoopback: true });
    const before = connections;
    // undici frees a socket a tick after the body ends; a request sent in that tick would open another.
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 3; i++) {
      expect((await http.get(`http://127.0.0.1:${port}/ok`, GET)).status).toBe(200);
      await tick();
    }
    expect((await http.postJson(`http://127.0.0.1:${port}/refused`, '{}', { maxBytes: 4096 })).status).toBe(403);
    expect(connections - before).toBe(1);
  });
});

describe('negative cache', () => {
  it('does not try a failed host again within the cooldown; does after it', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const dns = fakeDns('127.0.0.1');
    const http = client({ allowHttpLoopback: true, lookup: dns.lookup, cooldownMs: 30_000, clock: () => new Date(now) });
    const url = `http://localhost:${closedPort}/status/1`;
    const first = await http.get(url, GET).catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'ERR_PEER_UNREACHABLE' });
    expect(dns.calls).toHaveLength(1);
    // Another path of the same host, within the cooldown: answered from the cache.
    now += 29_000;
    await expect(http.get(`http://localhost:${closedPort}/status/2`, GET)).rejects.toBe(first);
    expect(dns.calls).toHaveLength(1);
    now += 2_000;
    await expect(http.get(url, GET)).rejects.toMatchObject({ code: 'ERR_PEER_UNREACHABLE' });
    expect(dns.calls).toHaveLength(2);
  });

  it('remembers a URL that answered with a redirect, not its whole host; POSTs are always tried', async () => {
    let now = 0;
    const http = client({ allowHttpLoopback: true, clock: () => new Date(now) });
    const before = paths.length;
    await expect(http.get(`http://127.0.0.1:${port}/redirect`, GET)).rejects.toMatchObject({ reason: 'redirect' });
    await expect(http.get(`http://127.0.0.1:${port}/redirect`, GET)).rejects.toMatchObject({ reason: 'redirect' });
    expect((await http.get(`http://127.0.0.1:${port}/ok`, GET)).status).toBe(200);
    now += 1;
    const post = () => http.postJson(`http://127.0.0.1:${closedPort}/ace`, '{}', { maxBytes: 4096 });
    await expect(post()).rejects.toMatchObject({ code: 'ERR_PEER_UNREACHABLE' });
    expect(paths.slice(before)).toEqual(['/redirect', '/ok']);
  });

  it('never opens a socket for a remembered address refusal', async () => {
    const sockets = watchSockets();
    const dns = fakeDns('10.0.0.1');
    const http = client({ lookup: dns.lookup });
    for (let i = 0; i < 5; i++) await expect(http.get(`https://mallory.example/lists/${i}`, GET)).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_ALLOWED' });
    expect(dns.calls).toHaveLength(1);
    expect(sockets()).toBe(0);
  });
});
