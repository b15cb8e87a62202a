/**
 * @module node/transport
 *
 * How a node POSTs JSON to a peer when no `fetch` was injected: `node:http`
 * and `node:https` with one keep-alive agent per process. On Node 20 this
 * costs about half of what a `fetch` round trip does (undici's web streams
 * and per-request signals), and a handshake plus an action is three round
 * trips. Same contract as the `fetch` it replaces: no redirects followed
 * (one is an error, as with `redirect: 'error'`), a timeout, a bounded body.
 */

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PostedResponse {
  status: number;
  ok: boolean;
  /** The body as text; undefined when it exceeded `maxBytes` (the rest was not read). */
  text: string | undefined;
}

const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

function readBody(response: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/**
 * POSTs `body` (JSON text) to an `http:` or `https:` URL.
 * @throws the socket's error (`code` `ECONNRESET` for a reset keep-alive
 * connection), or a TypeError for a redirect or a timeout, as `fetch` would.
 */
export function postJson(url: URL, body: string, options: { timeoutMs: number; maxBytes: number }): Promise<PostedResponse> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    // One deadline for the whole exchange, as AbortSignal.timeout gives fetch: a
    // socket timeout only measures idle gaps, which a trickling peer never leaves.
    // It rejects before destroying the request, so the reset that follows is
    // never mistaken for a stale keep-alive socket (which the caller retries).
    const deadline = setTimeout(() => {
      const error = new TypeError('fetch failed', { cause: new Error(`timed out after ${options.timeoutMs} ms`) });
      reject(error);
      request.destroy(error);
    }, options.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error);
    };
    const request = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          fail(new TypeError('fetch failed', { cause: new Error('unexpected redirect') }));
          return;
        }
        readBody(response, options.maxBytes).then((text) => {
          clearTimeout(deadline);
          resolve({ status, ok: status >= 200 && status < 300, text });
        }, fail);
      },
    );
    request.on('error', fail);
    request.end(body);
  });
}
