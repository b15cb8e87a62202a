/**
 * @module did/verification-key
 *
 * The signature path's view of a DID: the Ed25519 key a `kid` names under a
 * verification relationship, imported once as a `node:crypto` KeyObject. A
 * resolver made by `createDidResolver` registers a lookup that answers from
 * its cache without copying the DID document (keys are memoized per cached
 * document, so they expire and rotate with it); any other `Resolvable` is
 * resolved and searched each time. Same answers either way. Internal.
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

const lookups = new WeakMap<object, KeyLookupFn>();

/** @internal Called by `createDidResolver` for the resolvers it makes. */
export function registerKeyLookup(resolver: object, lookup: KeyLookupFn): void {
  lookups.set(resolver, lookup);
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
 * The key `kid` of `did` under `relationship`, through `resolver`. Never throws
 * for a failed resolution (a throwing foreign resolver's error propagates, as
 * its `resolve` would). Synchronous when the resolver has the key cached.
 */
export function lookupVerificationKey(
  resolver: Resolvable,
  did: string,
  kid: string,
  relationship: VerificationRelationship,
): KeyLookup | Promise<KeyLookup> {
  const fast = lookups.get(resolver);
  return fast === undefined ? resolveAndFind(resolver, did, kid, relationship) : fast(did, kid, relationship);
}

async function resolveAndFind(resolver: Resolvable, did: string, kid: string, relationship: VerificationRelationship): Promise<KeyLookup> {
  const resolution = await resolver.resolve(did);
  const reason = resolution.didResolutionMetadata.error;
  if (resolution.didDocument === null || reason !== undefined) return { unresolved: reason };
  if (resolution.didDocumentMetadata?.deactivated === true) return { unresolved: DEACTIVATED };
  return { key: keyFromDocument(resolution.didDocument, kid, relationship) };
}
