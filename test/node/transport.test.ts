// The node:http(s) path peers POST through when no fetch is injected: the
// response body is bounded, redirects are refused, and the whole exchange has
// one deadline, so a peer that trickles its answer cannot hold a handshake.
// mallory runs the server on loopback.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../../src/node/transport.js';

const open = new Set<ServerResponse>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      switch (request.url) {
        case '/ok':
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          break;
        case '/refused':
          response.writeHead(403, { 'content-type': 'application/json' }).end('{"code":"ERR_DENIED"}');
          break;
        case '/big':
          // Streamed, no Content-Length: the client must count.
          response.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < 8; i++) response.write('x'.repeat(1024));
          response.end();
          break;
        case '/redirect':
          response.writeHead(307, { location: '/ok' }).end();
          break;
        case '/trickle': {
          // A byte every 20 ms, forever: never idle long enough for a socket timeout.
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of open) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const limits = { timeoutMs: 300, maxBytes: 4096 };

describe('postJson', () => {
  it('answers the status and the body as text', async () => {
    expect(await postJson(new URL(`${base}/ok`), '{}', limits)).toEqual({ status: 200, ok: true, text: '{"ok":true}' });
    expect(await postJson(new URL(`${base}/refused`), '{}', limits)).toEqual({ status: 403, ok: false, text: '{"code":"ERR_DENIED"}' });
  });

  it('gives no text for a body over maxBytes (the peer then refuses it as ERR_INPUT_TOO_LARGE)', async () => {
    expect((await postJson(new URL(`${base}/big`), '{}', limits)).text).toBeUndefined();
    expect((await postJson(new URL(`${base}/big`), '{}', { ...limits, maxBytes: 8192 })).text).toHaveLength(8192);
  });

  it('refuses a redirect, as fetch with redirect: error does', async () => {
    await expect(postJson(new URL(`${base}/redirect`), '{}', limits)).rejects.toThrow(TypeError);
  });

  it('times out a peer that never answers', async () => {
    const started = Date.now();
    await expect(postJson(new URL(`${base}/silent`), '{}', limits)).rejects.toMatchObject({ cause: { message: 'timed out after 300 ms' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a peer that trickles its answer: the deadline covers the whole exchange, not idle gaps', async () => {
    const started = Date.now();
    await expect(postJson(new URL(`${base}/trickle`), '{}', limits)).rejects.toMatchObject({ cause: { message: 'timed out after 300 ms' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
