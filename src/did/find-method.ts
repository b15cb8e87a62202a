/**
 * @module did/find-method
 *
 * Finding the verification method a `kid` names in a DID document, under a
 * verification relationship (DID Core §5.3), without ever returning a method
 * of another DID or picking between duplicates.
 */

import type { DIDDocument, VerificationMethod } from 'did-resolver';
import { isRecord } from '../lib/assert.js';

/** The verification relationships {@link findVerificationMethod} looks in (DID Core §5.3). */
export type VerificationRelationship = 'assertionMethod' | 'authentication';

/** `ref` as an absolute DID URL: a relative `#frag` is resolved against `base` (DID Core §3.2.2). */
function absolute(ref: string, base: string): string {
  return ref.startsWith('#') ? `${base}${ref}` : ref;
}

/**
 * The verification method `kid` names, if `doc` authorizes it for
 * `relationship` (DID Core §5.3): listed there either by reference (a full or
 * relative `#frag` id of an entry of `verificationMethod`) or embedded.
 * `kid` may be absolute or a relative `#frag` (resolved against `doc.id`),
 * and must be a DID URL under `doc.id`; methods of other DIDs are never
 * returned. An ambiguous id (listed twice) yields undefined. Never throws on
 * malformed documents.
 *
 * @example
 * ```ts
 * const method = findVerificationMethod(doc, 'did:web:acme.example#key-1', 'assertionMethod');
 * const publicKey = method && ed25519FromVerificationMethod(method);
 * ```
 */
export function findVerificationMethod(
  doc: DIDDocument,
  kid: string,
  relationship: VerificationRelationship,
): VerificationMethod | undefined {
  if (!isRecord(doc) || typeof doc.id !== 'string' || typeof kid !== 'string') return undefined;
  if (relationship !== 'assertionMethod' && relationship !== 'authentication') return undefined;
  const id = absolute(kid, doc.id);
  if (!id.startsWith(`${doc.id}#`) || id.length === doc.id.length + 1) return undefined;
  const listed: unknown = doc[relationship];
  if (!Array.isArray(listed)) return undefined;

  const matches = (entry: unknown): entry is VerificationMethod =>
    isRecord(entry) && typeof entry.id === 'string' && absolute(entry.id, doc.id) === id;
  const methods: unknown = doc.verificationMethod;
  const declared = Array.isArray(methods) ? (methods as unknown[]).filter(matches) : [];
  const embedded = (listed as unknown[]).filter(matches);
  const referenced = (listed as unknown[]).some((entry) => typeof entry === 'string' && absolute(entry, doc.id) === id);
  // Ids are unique in a conforming document (DID Core §5.2); refuse to pick between duplicates.
  if (declared.length + embedded.length !== 1) return undefined;
  if (embedded.length === 1) return embedded[0];
  return referenced ? declared[0] : undefined;
}
