/**
 * @module veramo/signer
 *
 * Finding the key that signs for a DID: one of the plugin's own Legate
 * `Signer`s, else an Ed25519 key the Veramo agent manages for that DID
 * (`didManagerGet`), signing through `keyManagerSign`, so the private key
 * never leaves the agent's key management system. The JWS `kid` of an agent
 * key is the verification method of the DID document (resolved) that holds
 * its public key under the needed relationship, so Legate's verifiers find
 * it. Each signature the key manager returns is checked against the public
 * key before use: a KMS answering in another encoding, or with another key,
 * fails here rather than in every verifier. Internal to the plugin.
 */

import type { DIDDocument, Resolvable } from 'did-resolver';
import { LegateError, legateError } from '../errors/index.js';
import { findVerificationMethod } from '../did/resolver.js';
import type { Signer } from '../keys/signer.js';
import { isRecord } from '../lib/assert.js';
import { decodeBase64url } from '../lib/base64url.js';
import { verifyEd25519 } from '../lib/ed25519.js';
import { ed25519FromVerificationMethod } from '../lib/multikey.js';
import { agentHas } from './runtime.js';
import type { LegateContext } from './types.js';

export type Relationship = 'assertionMethod' | 'authentication';

export interface SignerQuery {
  did: string;
  /** A verification method id, or the agent's key id; undefined: the first key that fits. */
  kid: string | undefined;
  relationship: Relationship;
  /** The argument that named the DID, for errors. */
  claim: string;
}

const didOf = (kid: string) => kid.split('#', 1)[0];

const unavailable = (query: SignerQuery, message: string) => legateError('ERR_KEY_UNAVAILABLE', message, { claim: query.kid === undefined ? query.claim : 'kid' });

function hexToBytes(hex: unknown): Uint8Array | undefined {
  return typeof hex === 'string' && /^[0-9a-fA-F]{64}$/.test(hex) ? Uint8Array.from(Buffer.from(hex, 'hex')) : undefined;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** The Ed25519 verification methods of `doc` under `relationship`, with absolute ids. */
function methodsOf(doc: DIDDocument, relationship: Relationship): { id: string; publicKey: Uint8Array }[] {
  const listed: unknown = doc[relationship];
  if (!Array.isArray(listed)) return [];
  const methods: { id: string; publicKey: Uint8Array }[] = [];
  for (const entry of listed as unknown[]) {
    const ref = typeof entry === 'string' ? entry : isRecord(entry) && typeof entry.id === 'string' ? entry.id : undefined;
    if (ref === undefined) continue;
    const id = ref.startsWith('#') ? `${doc.id}${ref}` : ref;
    const publicKey = ed25519FromVerificationMethod(findVerificationMethod(doc, id, relationship));
    if (publicKey !== undefined) methods.push({ id, publicKey });
  }
  return methods;
}

/** A Signer whose signatures come from the agent's key manager. */
function agentSigner(agent: LegateContext['agent'], keyRef: string, kid: string, publicKey: Uint8Array): Signer {
  return Object.freeze({
    alg: 'EdDSA' as const,
    kid,
    publicKey: publicKey.slice(),
    async sign(data: Uint8Array): Promise<Uint8Array> {
      // base16 carries any bytes; Veramo's KMSs answer EdDSA with base64url, as did-jwt's signers do.
      const answer: unknown = await agent.keyManagerSign({ keyRef, algorithm: 'EdDSA', data: Buffer.from(data).toString('hex'), encoding: 'base16' });
      const signature = typeof answer === 'string' ? decodeBase64url(answer) : undefined;
      if (signature?.length !== 64 || !verifyEd25519(publicKey, data, signature)) {
        throw legateError('ERR_KEY_UNAVAILABLE', "the agent's key manager did not return a valid EdDSA signature", { claim: 'kid' });
      }
      return signature;
    },
  });
}

/**
 * The signer for `query.did`: a configured Signer of that DID (the one with
 * `kid`, when given), else the agent's managed Ed25519 key whose public key
 * the DID document lists under `query.relationship`.
 *
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when neither holds a fitting key;
 * VerificationError `ERR_DID_UNRESOLVABLE` when the DID document, needed to
 * name an agent key, cannot be resolved.
 */
export async function signerFor(
  query: SignerQuery,
  signers: readonly Signer[],
  agent: LegateContext['agent'] | undefined,
  resolver: Resolvable,
): Promise<Signer> {
  const own = signers.find((s) => didOf(s.kid) === query.did && (query.kid === undefined || s.kid === query.kid));
  if (own !== undefined) return own;
  if (!agentHas(agent, 'didManagerGet') || !agentHas(agent, 'keyManagerSign')) {
    throw unavailable(query, `no key of ${query.did} is available: the plugin has no such signer and the agent manages no keys`);
  }
  let keys: { kid: string; publicKey: Uint8Array }[];
  try {
    const identifier: unknown = await agent.didManagerGet({ did: query.did });
    const listed: unknown = isRecord(identifier) ? identifier.keys : undefined;
    keys = (Array.isArray(listed) ? (listed as unknown[]) : []).flatMap((key) => {
      if (!isRecord(key) || key.type !== 'Ed25519' || typeof key.kid !== 'string') return [];
      const publicKey = hexToBytes(key.publicKeyHex);
      return publicKey === undefined ? [] : [{ kid: key.kid, publicKey }];
    });
  } catch (cause) {
    if (cause instanceof LegateError) throw cause;
    throw legateError('ERR_KEY_UNAVAILABLE', `no key of ${query.did} is available: the plugin has no such signer and the agent manages no such identifier`, {
      claim: query.kid === undefined ? query.claim : 'kid',
      cause,
    });
  }
  if (keys.length === 0) throw unavailable(query, `the agent holds no Ed25519 key of ${query.did}`);
  const resolution = await resolver.resolve(query.did);
  const doc = resolution.didDocument;
  if (doc === null || resolution.didResolutionMetadata.error !== undefined) {
    const reason = resolution.didResolutionMetadata.error;
    throw legateError('ERR_DID_UNRESOLVABLE', `${query.did} could not be resolved (${reason ?? 'no document'})`, { claim: query.claim, reason });
  }
  for (const method of methodsOf(doc, query.relationship)) {
    const key = keys.find((k) => sameBytes(k.publicKey, method.publicKey) && (query.kid === undefined || query.kid === k.kid || query.kid === method.id));
    if (key !== undefined) return agentSigner(agent, key.kid, method.id, key.publicKey);
  }
  throw unavailable(query, `none of the agent's Ed25519 keys${query.kid === undefined ? '' : ` named ${query.kid}`} is an ${query.relationship} key of ${query.did}`);
}
