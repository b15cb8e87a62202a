/**
 * @module pool/pool
 *
 * A verifier that spreads capability-credential verification over worker
 * threads (default: one per core), with the same results as
 * `verifyCapabilityCredential`. Single `verify` calls are gathered into
 * batches per message (measured: one token per message gains nothing from a
 * second worker; batches of 64 do). Each worker resolves DIDs itself
 * (did:key offline, did:web over HTTPS), so the pool takes resolver
 * settings, not a resolver object; status and trust hooks stay on the
 * calling thread.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CredentialVerification } from '../credential/verify-jwt.js';
import type { AgentCapabilityCredential } from '../credential/types.js';
import { legateError } from '../errors/index.js';
import { fromWire, type VerifyRequest, type VerifyResponse, type WireResult, type WorkerSettings } from './protocol.js';

export interface VerifierPoolOptions {
  /** Worker threads; default the core count. */
  size?: number;
  /** Most tokens per message to a worker; default 64. */
  batchSize?: number;
  /** Plain HTTP did:web resolution for loopback hosts. */
  allowHttpLoopback?: boolean;
  skewSeconds?: number;
}

export interface VerifierPool {
  verify(jwt: string): Promise<CredentialVerification<AgentCapabilityCredential>>;
  verifyBatch(jwts: readonly string[]): Promise<CredentialVerification<AgentCapabilityCredential>[]>;
  /** Stops the workers; pending verifications reject. */
  close(): Promise<void>;
}

type Verification = CredentialVerification<AgentCapabilityCredential>;
interface Pending {
  resolve: (results: Verification[]) => void;
  reject: (error: Error) => void;
}

/**
 * Starts a pool of verification workers.
 *
 * @example
 * ```ts
 * const pool = createVerifierPool({ size: 2 });
 * const results = await pool.verifyBatch(tokens);
 * await pool.close();
 * ```
 */
export function createVerifierPool(options: VerifierPoolOptions = {}): VerifierPool {
  const size = options.size ?? availableParallelism();
  const batchSize = options.batchSize ?? 64;
  if (!Number.isSafeInteger(size) || size < 1 || size > 64) throw new RangeError('size must be 1 to 64');
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const settings: WorkerSettings = { allowHttpLoopback: options.allowHttpLoopback ?? false, ...(options.skewSeconds === undefined ? {} : { skewSeconds: options.skewSeconds }) };
  const pending = new Map<number, Pending>();
  const load: number[] = Array.from({ length: size }, () => 0);
  let nextId = 0;
  let closed = false;
  const workers = Array.from({ length: size }, (_, i) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: settings });
    worker.on('message', (response: VerifyResponse) => {
      const entry = pending.get(response.id);
      if (entry === undefined) return;
      pending.delete(response.id);
      load[i]! -= 1;
      if (response.results !== undefined) entry.resolve((JSON.parse(response.results) as WireResult[]).map(fromWire));
      else entry.reject(legateError('ERR_INTERNAL', `verification worker failed: ${response.failure ?? 'unknown'}`));
    });
    worker.on('error', (error) => {
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    });
    return worker;
  });

  function send(tokens: string[]): Promise<Verification[]> {
    if (closed) return Promise.reject(legateError('ERR_INTERNAL', 'the verifier pool is closed'));
    const id = nextId++;
    // The least busy worker takes the batch.
    const index = load.indexOf(Math.min(...load));
    load[index]! += 1;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      workers[index]!.postMessage({ id, tokens } satisfies VerifyRequest);
    });
  }

  // Single calls made in the same tick travel together.
  let queue: { token: string; resolve: (r: Verification) => void; reject: (e: Error) => void }[] = [];
  function flush(): void {
    const batch = queue;
    queue = [];
    for (let i = 0; i < batch.length; i += batchSize) {
      const part = batch.slice(i, i + batchSize);
      send(part.map((p) => p.token)).then(
        (results) => part.forEach((p, j) => p.resolve(results[j]!)),
        (error: Error) => part.forEach((p) => p.reject(error)),
      );
    }
  }

  return {
    verify(jwt) {
      return new Promise((resolve, reject) => {
        if (queue.length === 0) queueMicrotask(flush);
        queue.push({ token: jwt, resolve, reject });
      });
    },
    async verifyBatch(jwts) {
      const parts: Promise<Verification[]>[] = [];
      for (let i = 0; i < jwts.length; i += batchSize) parts.push(send(jwts.slice(i, i + batchSize)));
      return (await Promise.all(parts)).flat();
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
      for (const entry of pending.values()) entry.reject(legateError('ERR_INTERNAL', 'the verifier pool was closed'));
      pending.clear();
    },
  };
}
