/**
 * @module pool/worker
 *
 * A verification worker: verifies batches of capability credentials with its
 * own DID resolver (did:key offline, did:web over HTTPS, cached) and answers
 * with plain-data results. Started by {@link createVerifierPool}.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { verifyCapabilityCredential } from '../credential/verify.js';
import { createCanonicalHashes } from '../data-integrity/hashes.js';
import { createDidResolver } from '../did/resolver.js';
import { toWire, type VerifyRequest, type VerifyResponse, type WorkerSettings } from './protocol.js';

const settings = workerData as WorkerSettings;
const resolver = createDidResolver({ allowHttpLoopback: settings.allowHttpLoopback });
// This worker's own memory of canonical hashes (a thread is its owner).
const options = { resolver, canonicalHashes: createCanonicalHashes(), ...(settings.skewSeconds === undefined ? {} : { skewSeconds: settings.skewSeconds }) };

parentPort?.on('message', (request: VerifyRequest) => {
  void Promise.all(request.tokens.map((token) => verifyCapabilityCredential(token, options))).then(
    (results) => parentPort?.postMessage({ id: request.id, results: JSON.stringify(results.map(toWire)) } satisfies VerifyResponse),
    (error: unknown) => parentPort?.postMessage({ id: request.id, failure: error instanceof Error ? error.message : 'verification failed' } satisfies VerifyResponse),
  );
});
