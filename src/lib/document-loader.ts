/**
 * @module lib/document-loader
 *
 * The offline JSON-LD document loader behind Data Integrity proofs: it holds
 * every context Legate uses (VC v1 and v2, Data Integrity v1 and v2,
 * Multikey, Bitstring Status List, and Legate's own `https://legate.dev/ns/v1`
 * from `schemas/contexts/`) and never fetches anything. Any other URL is an
 * `ERR_MALFORMED` error with reason `unknown-context`. Callers may add
 * contexts of their own (still offline) for one loader; those never replace a
 * built-in one. Internal.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { legateError, type InputError } from '../errors/index.js';
import { isRecord } from './assert.js';

/** What a JSON-LD document loader answers (JSON-LD 1.1 API §9.4.3). */
export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: Record<string, unknown>;
  /**
   * `static` lets jsonld keep the processed context for later operations.
   * Only built-in contexts carry it, so a caller's extra context never
   * outlives its own loader.
   */
  tag?: 'static';
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/** Legate's own JSON-LD context. */
export const LEGATE_CONTEXT_URL = 'https://legate.dev/ns/v1';
/** The W3C Bitstring Status List v1.0 context (VC v2 defines the same terms). */
export const STATUS_LIST_CONTEXT_URL = 'https://www.w3.org/ns/credentials/status/v1';

const CONTEXT_DIR = new URL('../../schemas/contexts/', import.meta.url);

interface ContextPackage {
  contexts: ReadonlyMap<string, unknown>;
}

let builtIn: ReadonlyMap<string, string> | undefined;

/** Built-in contexts as JSON text, by URL: parsed afresh for each load, because jsonld may rewrite what it is given. */
function builtInContexts(): ReadonlyMap<string, string> {
  if (builtIn !== undefined) return builtIn;
  const require = createRequire(import.meta.url);
  const map = new Map<string, string>();
  for (const name of ['@digitalbazaar/credentials-context', '@digitalbazaar/data-integrity-context', '@digitalbazaar/multikey-context']) {
    const { contexts } = require(name) as ContextPackage;
    for (const [url, context] of contexts) map.set(url, JSON.stringify(context));
  }
  // Issuer-dependent terms would define every undefined term, defeating safe-mode canonicalization.
  map.delete('https://www.w3.org/ns/credentials/undefined-terms/v2');
  map.set(LEGATE_CONTEXT_URL, readFileSync(new URL('legate-v1.jsonld', CONTEXT_DIR), 'utf8'));
  map.set(STATUS_LIST_CONTEXT_URL, readFileSync(new URL('bitstring-status-list-v1.jsonld', CONTEXT_DIR), 'utf8'));
  builtIn = map;
  return map;
}

/** The URLs of every built-in context. */
export function builtInContextUrls(): string[] {
  return [...builtInContexts().keys()];
}

/** The error for a context URL the loader does not hold. */
export function unknownContext(url: unknown): InputError {
  const shown = typeof url === 'string' ? JSON.stringify(url.slice(0, 128)) : 'a non-string value';
  return legateError('ERR_MALFORMED', `unknown JSON-LD context ${shown}: contexts are never fetched`, {
    claim: '@context',
    reason: 'unknown-context',
  });
}

/** A context document given by a caller: an object holding `@context`. */
export type ExtraContexts = Readonly<Record<string, unknown>>;

/**
 * Creates an offline loader: the built-in contexts, then `extra` (URL →
 * context document). Never touches the network.
 *
 * @throws TypeError when an extra context is not an object with `@context`.
 */
export function createDocumentLoader(extra: ExtraContexts = {}): DocumentLoader & { has(url: string): boolean } {
  const contexts = builtInContexts();
  const added = new Map<string, string>();
  for (const [url, document] of Object.entries(extra)) {
    if (!isRecord(document) || !('@context' in document)) throw new TypeError(`contexts[${JSON.stringify(url)}] must be an object with @context`);
    if (!contexts.has(url)) added.set(url, JSON.stringify(document));
  }
  const loader = (url: string): Promise<RemoteDocument> => {
    const builtInText = typeof url === 'string' ? contexts.get(url) : undefined;
    if (builtInText !== undefined) {
      return Promise.resolve({ contextUrl: null, documentUrl: url, document: JSON.parse(builtInText) as Record<string, unknown>, tag: 'static' });
    }
    const text = typeof url === 'string' ? added.get(url) : undefined;
    if (text === undefined) return Promise.reject(unknownContext(url));
    return Promise.resolve({ contextUrl: null, documentUrl: url, document: JSON.parse(text) as Record<string, unknown> });
  };
  return Object.assign(loader, { has: (url: string) => contexts.has(url) || added.has(url) });
}
