/**
 * Handshake fixtures: a second organization with a fixed key, credentials for
 * both parties, status hooks that revoke or distrust, and a resolver that
 * knows every persona. No network; the clock is frozen at NOW.
 *
 *   acme (did:web:acme.example)       globex (did:web:globex.example)
 *     ├─ alice (agent, A)                └─ alice: write crm:notes (a second root)
 *     │    └─ sub (did:key sub-agent)
 *     └─ bob (agent, B, the verifier)
 *   mallory (did:key) attacks both sides.
 */

import type { DIDDocument } from 'did-resolver';
import { ed25519 } from '@noble/curves/ed25519.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { StatusCheck } from '../../src/credential/verify-jwt.js';
import { createDidResolver } from '../../src/did/resolver.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { LegateError } from '../../src/errors/index.js';
import { signerFromKeyObject } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { acme, alice, bob, frozenClock, NOW } from '../fixtures.js';

export const globex = (() => {
  const did = 'did:web:globex.example';
  const secretKey = new Uint8Array(32).fill(11);
  const publicKey = ed25519.getPublicKey(secretKey);
  const signer = signerFromKeyObject(`${did}#key-1`, publicKey, privateKeyObject(secretKey, publicKey));
  const document = buildOrganizationDidDocument({ did, keys: [{ kid: signer.kid, publicKey }] });
  return { did, signer, document };
})();

const documents = new Map<string, DIDDocument>([acme, alice, bob, globex].map((p) => [p.did, p.document]));

/** Resolves acme, alice, bob and globex locally, did:key offline; no network. */
export function worldResolver() {
  return createDidResolver({
    local: (did) => Promise.resolve(documents.get(did)),
    fetch: () => Promise.resolve(new Response('not found', { status: 404 })),
  });
}

export const SCOPED_READ = { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' };
export const REFUND = { action: 'call', resource: 'billing:refund' };
export const NOTES = { action: 'write', resource: 'crm:notes' };
export const DELETE = { action: 'delete', resource: 'crm:customer_records' };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Credentials of the handshake: alice's from acme and globex, bob's from acme. */
export async function credentials() {
  const clock = frozenClock();
  const aliceAcme = await issueCapabilityCredential({
    issuer: acme.did,
    signer: acme.signer,
    subject: {
      id: alice.did,
      owner: alice.owner,
      capabilities: [SCOPED_READ, { ...REFUND, constraints: { maxAmount: { value: 100, currency: 'USD' } } }],
      delegation: { depth: 0, maxDepth: 1 },
    },
    validUntil: new Date(NOW.getTime() + DAY_MS),
    clock,
  });
  const aliceGlobex = await issueCapabilityCredential({
    issuer: globex.did,
    signer: globex.signer,
    subject: { id: alice.did, owner: alice.owner, capabilities: [NOTES] },
    clock,
  });
  const bobAcme = await issueCapabilityCredential({
    issuer: acme.did,
    signer: acme.signer,
    subject: { id: bob.did, owner: bob.owner, capabilities: [{ action: 'read', resource: 'inventory:*' }] },
    clock,
  });
  return { aliceAcme, aliceGlobex, bobAcme };
}

/** A status hook that reports `code` for credentials matching `match` (by id or issuer). */
export function statusHook(code: 'ERR_REVOKED' | 'ERR_UNTRUSTED_ISSUER', match: (credential: Record<string, unknown>, issuer: string) => boolean): StatusCheck {
  return (credential, issuer) =>
    Promise.resolve(match(credential, issuer) ? [new LegateError(code, `${code === 'ERR_REVOKED' ? 'revoked' : 'untrusted issuer'}: ${String(credential.id)}`)] : []);
}

/** Distrusts globex, as a trust hook would. */
export const distrustGlobex = statusHook('ERR_UNTRUSTED_ISSUER', (_credential, issuer) => issuer === globex.did);
