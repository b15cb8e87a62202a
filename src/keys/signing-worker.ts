/**
 * @module keys/signing-worker
 *
 * A worker thread that signs for a batch (`issueMany`): the key store's
 * signers hand it their private key (a node:crypto `KeyObject`, copied to a
 * thread of this same process, never written anywhere), and their
 * signatures are made there while the calling thread builds and records
 * the credentials. Signatures requested in the same tick travel together,
 * {@link PER_MESSAGE} to a message. A signer whose key cannot move (one
 * built elsewhere) signs where it is. The thread keeps the keys it was
 * given until it stops; it signs only what an offloaded signer sends it,
 * and those come from the key store, which refuses a retired key. Internal:
 * a node keeps one for its batches (`node/signing`).
 */

import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { legateError } from '../errors/index.js';
import { signingKeyOf, type Signer } from './signer.js';

/** The worker's code: keeps the keys it is given, signs what it is asked, in order. CommonJS, evaluated (no file to find). */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { sign } = require('node:crypto');
const keys = new Map();
parentPort.on('message', (m) => {
  if (m.key !== undefined) { keys.set(m.slot, m.key); return; }
  try {
    const key = keys.get(m.slot);
    parentPort.postMessage({ id: m.id, signatures: m.inputs.map((input) => new Uint8Array(sign(null, input, key))) });
  } catch (error) {
    parentPort.postMessage({ id: m.id, failure: error instanceof Error ? error.name : 'Error' });
  }
});
`;

/** Most keys one worker takes (a batch signs with one or two: a rotation between chunks). */
const MAX_KEYS = 8;
/** Signatures per message: the worker starts on the first ones while the caller builds the rest. */
const PER_MESSAGE = 32;

export interface SigningWorker {
  /** `signer`, signing on the worker (same kid, key and signatures); `signer` itself when its key cannot move there. */
  offload(signer: Signer): Signer;
  /** False once the thread failed, stopped or was closed: its signers then refuse. */
  usable(): boolean;
  /** Stops the thread; signatures still pending fail (`ERR_INTERNAL`). */
  close(): Promise<void>;
}

interface Waiting {
  resolve: (signature: Uint8Array) => void;
  reject: (error: Error) => void;
}

/** Starts a signing worker; the thread never keeps the process alive. */
export function startSigningWorker(): SigningWorker {
  const worker = new Worker(SOURCE, { eval: true });
  worker.unref();
  const slots = new Map<KeyObject, number>();
  const pending = new Map<number, Waiting[]>();
  let nextId = 0;
  let broken: Error | undefined;
  const failAll = (error: Error) => {
    broken ??= error;
    for (const waiting of pending.values()) for (const w of waiting) w.reject(broken);
    pending.clear();
  };
  worker.on('message', (response: { id: number; signatures?: Uint8Array[]; failure?: string }) => {
    const waiting = pending.get(response.id);
    if (waiting === undefined) return;
    pending.delete(response.id);
    waiting.forEach((w, i) => {
      const signature = response.signatures?.[i];
      if (signature?.length === 64) w.resolve(signature);
      else w.reject(legateError('ERR_INTERNAL', `the signing worker failed (${response.failure ?? 'no signature'})`));
    });
  });
  worker.on('error', () => failAll(legateError('ERR_INTERNAL', 'the signing worker failed')));
  worker.on('exit', () => failAll(legateError('ERR_INTERNAL', 'the signing worker stopped')));

  return {
    offload(signer) {
      const key = signingKeyOf(signer);
      if (key === undefined) return signer;
      let slot = slots.get(key);
      if (slot === undefined) {
        if (slots.size >= MAX_KEYS) return signer;
        slot = slots.size;
        slots.set(key, slot);
        worker.postMessage({ slot, key });
      }
      const keySlot = slot;
      // Requests of one tick, gathered for one message.
      let inputs: Uint8Array[] = [];
      let waiting: Waiting[] = [];
      const flush = () => {
        if (inputs.length === 0) return;
        const batch = { inputs, waiting };
        inputs = [];
        waiting = [];
        if (broken !== undefined) {
          for (const w of batch.waiting) w.reject(broken);
          return;
        }
        const id = nextId++;
        pending.set(id, batch.waiting);
        worker.postMessage({ id, slot: keySlot, inputs: batch.inputs });
      };
      return Object.freeze({
        alg: signer.alg,
        kid: signer.kid,
        publicKey: signer.publicKey,
        sign: (data: Uint8Array) =>
          new Promise<Uint8Array>((resolve, reject) => {
            if (broken !== undefined) return reject(broken);
            if (inputs.length === 0) queueMicrotask(flush);
            inputs.push(data);
            waiting.push({ resolve, reject });
            if (inputs.length >= PER_MESSAGE) flush();
          }),
      });
    },
    usable: () => broken === undefined,
    async close() {
      failAll(legateError('ERR_INTERNAL', 'the signing worker was closed'));
      await worker.terminate();
    },
  };
}
