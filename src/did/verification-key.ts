/**
 * @module did/verification-key
 *
 * The signature path's view of a DID: the Ed25519 key a `kid` names under a
 * verification relationship, imported once as a `node:crypto` KeyObject. The
 * key lookup is an explicit input: a resolver may carry it as its typed
 * `resolveKey` field ({@link KeyResolvable}); one made by `createDidResolver`
 * does, answering from its cache without copying the DID document (keys are
 * memoized per cached document, so they expire and rotate with it). Any other
 * `Resolvable` is resolved and searched each time. Same answers either way.
 * A wrapper around a resolver (a work budget, say) forwards `resolveKey` or
 * drops it; nothing is found behind its back.
 */

import type { DIDDocument, Resolvable } from 'did-resolver';
import type { KeyObject } from 'node:crypto';
import { publicKeyObject } from '../lib/ed25519.js';
import { ed25519FromVerificationMethod } from '../lib/multikey.js';
import { findVerificationMethod, type VerificationRelationship } from './find-method.js';

/** An Ed25519 verification method's key: raw, and imported for `node:crypto`. */
export interface VerificationKey {
  readonly publicKey: Uint8Array;
  /** Undefined when `node:crypto` refused to import the key: then no signature verifies. */
  readonly key: KeyObject | undefined;
}

/**
 * What a lookup found: the key; `undefined` key when the DID resolved but
 * `kid` is no Ed25519 key of it under the relationship; or `unresolved` with
 * the resolution error (undefined when there was neither error nor document).
 */
export type KeyLookup = { key: VerificationKey | undefined } | { unresolved: string | undefined };

/** `unresolved` for a DID whose resolution says `deactivated: true`: it has no keys any more. */
export const DEACTIVATED = 'deactivated';

/** Answers synchronously when it can (a cached key), else with a promise. */
export type KeyLookupFn = (did: string, kid: string, relationship: VerificationRelationship) => KeyLookup | Promise<KeyLookup>;

/**
 * A DID resolver as verifiers take it: any did-resolver `Resolvable`, and
 * optionally the key lookup that answers {@link lookupVerificationKey} for it
 * (`createDidResolver`'s resolvers carry one). `resolveKey` must give the
 * answers searching `resolve`'s document would give.
 */
export interface KeyResolvable extends Resolvable {
  resolveKey?: KeyLookupFn | undefined;
}

/** The Ed25519 key `kid` names in `doc` under `relationship`, imported; undefined when there is none. */
export function keyFromDocument(doc: DIDDocument, kid: string, relationship: VerificationRelationship): VerificationKey | undefined {
  const publicKey = ed25519FromVerificationMethod(findVerificationMethod(doc, kid, relationship));
  if (publicKey === undefined) return undefined;
  let key: KeyObject | undefined;
  try {
    key = publicKeyObject(publicKey);
  } catch {
    // A key node:crypto cannot import verifies nothing: a bad signature, not a bad kid.
    key = undefined;
  }
  return { publicKey, key };
}

/**
 * The key `kid` of `did` under `relationship`: by the resolver's own
 * `resolveKey` when it carries one, else by resolving and searching the
 * document. Never throws for a failed resolution (a throwing foreign
 * resolver's error propagates, as its `resolve` would). Synchronous when the
 * resolver has the key cached.
 */
export function lookupVerificationKey(
  resolver: KeyResolvable,
  did: string,
  kid: string,
  relationship: VerificationRelationship,
): KeyLookup | Promise<KeyLookup> {
  const { resolveKey } = resolver;
  return typeof resolveKey === 'function' ? resolveKey.call(resolver, did, kid, relationship) : resolveAndFind(resolver, did, kid, relationship);
}

async function resolveAndFind(resolver: Resolvable, did: string, kid: string, relationship: VerificationRelationship): Promise<KeyLookup> {
  const resolution = await resolver.resolve(did);
  const reason = resolution.didResolutionMetadata.error;
  if (resolution.didDocument === null || reason !== undefined) return { unresolved: reason };
  if (resolution.didDocumentMetadata?.deactivated === true) return { unresolved: DEACTIVATED };
  return { key: keyFromDocument(resolution.didDocument, kid, relationship) };
}
