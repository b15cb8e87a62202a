/**
 * @module did/resolution
 *
 * The results a Legate resolver hands out, as data (DID Core §7.1.2): a
 * failure with its DID Resolution error code, a document, or a deactivated
 * DID. Shared by the did:key and did:web methods and the resolver around
 * them. Internal.
 */

import type { DIDDocument, DIDResolutionResult } from 'did-resolver';

/** The DID document media type, asked for and reported. */
export const DID_JSON = 'application/did+json';

/**
 * A failed resolution, as data (DID Core §7.1.2 resolution metadata `error`).
 * `code`, when set, is the Legate code of a host that could not be reached
 * or was refused by the address policy (`ERR_PEER_UNREACHABLE`, …).
 */
export function failure(error: string, message: string, code?: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message, ...(code === undefined ? {} : { code }) }, didDocument: null, didDocumentMetadata: {} };
}

/** A resolved document. */
export function success(didDocument: DIDDocument): DIDResolutionResult {
  return { didResolutionMetadata: { contentType: DID_JSON }, didDocument, didDocumentMetadata: {} };
}

/**
 * A deactivated DID (DID Resolution §"DID Document Metadata": `deactivated:
 * true`): a document that names the DID and lists no verification method, so
 * nothing verifies against it; `didSignature` reports `ERR_DID_DEACTIVATED`.
 */
export function deactivatedResolution(did: string): DIDResolutionResult {
  return {
    didResolutionMetadata: { contentType: DID_JSON },
    didDocument: { '@context': 'https://www.w3.org/ns/did/v1', id: did },
    didDocumentMetadata: { deactivated: true },
  };
}
