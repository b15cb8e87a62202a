/**
 * Fixed personas with fixed keys, a frozen clock, and a resolver that knows
 * their DID documents, so tests are deterministic.
 *
 *   acme (organization, did:web:acme.example)
 *     └─ alice (agent, did:web:acme.example:agents:alice, owner carol)
 *   bob    (agent of acme)
 *   mallory (attacker, did:key)
 *   evil   (a stranger's organization, did:web:evil.example: its document is
 *           not in personaResolver, so resolving it goes to the network)
 */

import type { DIDDocument } from 'did-resolver';
import { ed25519 } from '@noble/curves/ed25519.js';
import { createDidResolver } from '../src/did/resolver.js';
import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../src/did/key.js';
import { buildAgentDidDocument, buildOrganizationDidDocument } from '../src/did/web.js';
import { LegateError } from '../src/errors/index.js';
import { signerFromKeyObject, type Signer } from '../src/keys/signer.js';
import { privateKeyObject } from '../src/lib/ed25519.js';

function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

function fixedSigner(kid: string, secretKey: Uint8Array): Signer {
  const publicKey = ed25519.getPublicKey(secretKey);
  return signerFromKeyObject(kid, publicKey, privateKeyObject(secretKey, publicKey));
}

export const NOW = new Date('2026-03-02T10:00:00Z');
export const frozenClock = (at: Date = NOW) => () => new Date(at.getTime());

/** A time-ordered id (`urn:uuid:`, UUID version 7) made at `at`: its first 48 bits are `at`'s milliseconds. */
export function timeOrderedIdAt(at: Date = NOW): RegExp {
  const ms = at.getTime().toString(16).padStart(12, '0');
  return new RegExp(`^urn:uuid:${ms.slice(0, 8)}-${ms.slice(8)}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`);
}

export const acme = (() => {
  const did = 'did:web:acme.example';
  const signer = fixedSigner(`${did}#key-1`, seed(1));
  const document = buildOrganizationDidDocument({ did, keys: [{ kid: signer.kid, publicKey: signer.publicKey }] });
  return { did, signer, document };
})();

function agent(name: string, byte: number) {
  const did = `${acme.did}:agents:${name}`;
  const signer = fixedSigner(`${did}#key-1`, seed(byte));
  const document = buildAgentDidDocument({
    did,
    controller: acme.did,
    key: { kid: signer.kid, publicKey: signer.publicKey },
    serviceEndpoint: 'https://acme.example/ace',
  });
  return { did, name, owner: `mailto:${name}-owner@acme.example`, signer, document };
}

export const alice = agent('alice', 2);
export const bob = agent('bob', 3);

export const mallory = (() => {
  const secretKey = seed(66);
  const did = didKeyFromPublicKey(ed25519.getPublicKey(secretKey));
  return { did, signer: fixedSigner(didKeyVerificationMethodId(did), secretKey) };
})();

export const evil = (() => {
  const did = 'did:web:evil.example';
  const signer = fixedSigner(`${did}#key-1`, seed(99));
  const document = buildOrganizationDidDocument({ did, keys: [{ kid: signer.kid, publicKey: signer.publicKey }] });
  return { did, signer, document };
})();

const documents = new Map<string, DIDDocument>([acme, alice, bob].map((p) => [p.did, p.document]));

/** A resolver that knows the personas' did:web documents and resolves did:key offline; no network. */
export function personaResolver() {
  return createDidResolver({
    local: (did) => Promise.resolve(documents.get(did)),
    fetch: () => Promise.resolve(new Response('not found', { status: 404 })),
  });
}

/** alice's capability subject, as acme would issue it. */
export function aliceSubject() {
  return {
    id: alice.did,
    owner: alice.owner,
    agent: { name: 'alice', version: '2.3' },
    capabilities: [
      { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
      { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
    ],
  };
}

/** The error `fn` throws (sync or async), failing the test when it does not throw a LegateError. */
export async function thrown(fn: () => unknown): Promise<LegateError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof LegateError) return error;
    throw error;
  }
  throw new Error('expected a LegateError, nothing was thrown');
}
