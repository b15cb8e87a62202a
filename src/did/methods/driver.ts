/**
 * @module did/methods/driver
 *
 * What a DID method is to Legate's resolver: a driver that turns a parsed
 * DID of its method into a resolution result. The resolver around the
 * drivers does everything they share (syntax, `local` documents, the cache
 * with its failure cooldown, key lookups), so a driver does one thing. A
 * driver that needs the network is given the one outbound HTTP client
 * (lib/http-client) and fetches through nothing else. Internal.
 */

import type { DIDResolutionResult, ParsedDID } from 'did-resolver';

/** One DID method. */
export interface DidMethodDriver {
  /** The method name: `key` in `did:key:…`. */
  readonly method: string;
  /**
   * Resolves `parsed.did` (never its path, query or fragment). Never throws:
   * failures are `didResolutionMetadata.error` (did/resolution's `failure`).
   */
  resolve(parsed: ParsedDID): Promise<DIDResolutionResult>;
}
