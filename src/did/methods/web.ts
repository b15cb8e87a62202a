/**
 * @module did/methods/web
 *
 * The did:web driver: the document is fetched from the DID's
 * `https://…/did.json` through the one outbound HTTP client (address policy,
 * one deadline, size bound, no redirects, cooldown after a failure), must be
 * UTF-8 JSON whose `id` is the DID, and a 410 means the DID is deactivated.
 * Failures come back as resolution data, with the client's code
 * (`ERR_PEER_UNREACHABLE`, …) when the host could not be reached. Internal.
 */

import type { DIDDocument } from 'did-resolver';
import { LegateError } from '../../errors/index.js';
import { isRecord } from '../../lib/assert.js';
import type { HttpClient, HttpResponse } from '../../lib/http-client.js';
import { parseJson } from '../../lib/json.js';
import { DID_JSON, deactivatedResolution, failure, success } from '../resolution.js';
import { didWebToUrl } from '../web.js';
import type { DidMethodDriver } from './driver.js';

class FetchFailure extends Error {
  constructor(
    readonly error: string,
    message: string,
    /** The client's Legate code when the host could not be reached or was refused (peer paths surface it). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** How the did:web driver fetches: through the one outbound client, within these bounds. */
export interface WebOptions {
  /** The bounded outbound client (lib/http-client): the driver fetches through nothing else. */
  http: HttpClient;
  allowHttpLoopback: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
}

/** The client's failure as resolution data: too large a body is a bad document; not reaching the host (or a redirect) is notFound. */
function clientFailure(error: unknown, url: URL, options: WebOptions): FetchFailure {
  if (!(error instanceof LegateError)) return new FetchFailure('notFound', 'DID document request failed');
  if (error.code === 'ERR_INPUT_TOO_LARGE') return new FetchFailure('invalidDidDocument', `DID document is larger than ${options.maxResponseBytes} bytes`);
  if (error.code === 'ERR_PEER_TIMEOUT') return new FetchFailure('notFound', `DID document request to ${url.host} timed out after ${options.timeoutMs} ms`, error.code);
  const peer = error.code === 'ERR_PEER_UNREACHABLE' || error.code === 'ERR_ADDRESS_NOT_ALLOWED' ? error.code : undefined;
  return new FetchFailure('notFound', `DID document request failed: ${error.message}`, peer);
}

async function fetchDidWeb(did: string, url: URL, options: WebOptions): Promise<DIDDocument> {
  let response: HttpResponse;
  try {
    // The client refuses redirects: one could move the request to another host or to plain HTTP.
    response = await options.http.get(url.href, {
      accept: `${DID_JSON}, application/json;q=0.9`,
      maxBytes: options.maxResponseBytes,
      timeoutMs: options.timeoutMs,
    });
  } catch (error) {
    throw clientFailure(error, url, options);
  }
  if (response.status === 404 || response.status === 410) {
    // did:web: 410 Gone is how a deactivated DID is served.
    if (response.status === 410) throw new FetchFailure('deactivated', 'DID is deactivated (HTTP 410)');
    throw new FetchFailure('notFound', `DID document not found (HTTP ${response.status})`);
  }
  if (response.status !== 200) throw new FetchFailure('notFound', `DID document request returned HTTP ${response.status}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(response.body);
  } catch {
    throw new FetchFailure('invalidDidDocument', 'DID document is not valid UTF-8');
  }
  let document: unknown;
  try {
    document = parseJson(text, 'DID document', { maxLength: options.maxResponseBytes });
  } catch (error) {
    const message = error instanceof LegateError ? error.message : 'DID document is not valid JSON';
    throw new FetchFailure('invalidDidDocument', message);
  }
  if (!isRecord(document) || typeof document.id !== 'string') {
    throw new FetchFailure('invalidDidDocument', 'DID document is not an object with a string id');
  }
  // did:web spec, "Read (Resolve)": the document must be about the DID asked for.
  if (document.id !== did) throw new FetchFailure('invalidDidDocument', 'DID document id does not match the DID');
  return document as DIDDocument;
}

/** The did:web driver, fetching through `options.http` only. */
export function didWebDriver(options: WebOptions): DidMethodDriver {
  return {
    method: 'web',
    async resolve(parsed) {
      const url = didWebToUrl(parsed.did, { allowHttpLoopback: options.allowHttpLoopback });
      if (url === undefined) return failure('invalidDid', 'not a valid did:web');
      try {
        return success(await fetchDidWeb(parsed.did, url, options));
      } catch (error) {
        if (error instanceof FetchFailure) return error.error === 'deactivated' ? deactivatedResolution(parsed.did) : failure(error.error, error.message, error.code);
        return failure('internalError', 'did:web resolution failed unexpectedly');
      }
    },
  };
}
