/**
 * @module data-integrity/canonicalize
 *
 * The transformation and hashing steps of `eddsa-rdfc-2022` (W3C Data
 * Integrity EdDSA Cryptosuites v1.0 §3.3.2–3.3.4): RDF Dataset
 * Canonicalization (RDFC-1.0) of a JSON-LD document through `jsonld` in safe
 * mode, with the offline document loader, then SHA-256 of the canonical
 * proof configuration followed by SHA-256 of the canonical document.
 *
 * Safe mode makes a term no context defines an error instead of a silently
 * unsigned property. Because Legate reads credentials as JSON, not as RDF,
 * a document is also refused when its JSON could say something its RDF does
 * not: a context that is not a known URL, an inline context, a key that is an
 * IRI or a keyword (a second spelling of a signed property), a `null`
 * (which JSON-LD drops), or a number its canonical form would round (more
 * than 16 significant digits). What is signed is then exactly what is read.
 *
 * Canonicalization costs about a millisecond (jsonld's context processing),
 * so a caller that verifies again and again (a node rechecking a chain at
 * every action) passes {@link CanonicalizeOptions.hashes}, its own
 * {@link createCanonicalHashes}: the hash of each canonical form is then
 * remembered by the SHA-256 of the exact JSON it came from, when only
 * built-in contexts are involved, and a credential verified again costs
 * hashing and one Ed25519 verification. The memory belongs to its owner, not
 * to the process: two verifiers never see each other's entries.
 */

import { createHash } from 'node:crypto';
import jsonld from 'jsonld';
import { InputError, LegateError, legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { createDocumentLoader, unknownContext, type DocumentLoader, type ExtraContexts } from '../lib/document-loader.js';
import { parseJson } from '../lib/json.js';
import type { CanonicalHashes } from './hashes.js';

export type { ExtraContexts } from '../lib/document-loader.js';
export { createCanonicalHashes, type CanonicalHashes } from './hashes.js';

/** Longest document accepted, in characters of its JSON: 64 KiB, as for tokens. */
export const DEFAULT_MAX_DOCUMENT_LENGTH = 64 * 1024;

/**
 * Default bound on the JSON values (objects, arrays, strings, numbers,
 * booleans) of a document canonicalized: jsonld's cost grows with them, not
 * with bytes (a long string is one value), at some 60 µs each here. A
 * capability credential with 64 fully constrained capabilities stays below it.
 */
export const DEFAULT_MAX_DOCUMENT_NODES = 4096;

export interface CanonicalizeOptions {
  /** Contexts beyond the built-in ones, by URL (still offline): `{ url: { '@context': … } }`. */
  contexts?: ExtraContexts | undefined;
  /** Most JSON values a document may hold. Default {@link DEFAULT_MAX_DOCUMENT_NODES}. */
  maxNodes?: number | undefined;
  /** Canonical hashes to remember and reuse (see {@link createCanonicalHashes}); none by default. */
  hashes?: CanonicalHashes | undefined;
}


export interface ProofHashData {
  /** The canonical N-Quads of the document without its proof. */
  canonicalDocument: string;
  /** The canonical N-Quads of the proof configuration. */
  canonicalProofConfig: string;
  documentHash: Uint8Array;
  proofConfigHash: Uint8Array;
  /** `proofConfigHash || documentHash`: what the signature covers. */
  hashData: Uint8Array;
}

type Canonize = (input: unknown, options: Record<string, unknown>) => Promise<string>;
// jsonld is CommonJS and its community types predate RDFC-1.0 and safe mode.
const processor = jsonld as unknown as { canonize: Canonize };

let defaultLoader: ReturnType<typeof createDocumentLoader> | undefined;

function loaderFor(options: CanonicalizeOptions): ReturnType<typeof createDocumentLoader> {
  if (options.contexts === undefined) return (defaultLoader ??= createDocumentLoader());
  return createDocumentLoader(options.contexts);
}

/**
 * A JSON document within limits, from its text or from an object (which is
 * serialized first, so only plain JSON survives).
 * @throws InputError `ERR_INPUT_TOO_LARGE` over `maxLength` or the nesting
 * depth; `ERR_MALFORMED` for anything that is not a JSON object.
 */
export function boundedDocument(input: unknown, what: string, maxLength = DEFAULT_MAX_DOCUMENT_LENGTH): Record<string, unknown> {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    if (!isRecord(input)) throw legateError('ERR_MALFORMED', `${what} must be a JSON object`, { claim: what });
    try {
      text = JSON.stringify(input);
    } catch (cause) {
      // Cycles, BigInts, or nesting deep enough to exhaust the stack.
      throw legateError('ERR_MALFORMED', `${what} is not serializable as JSON`, { claim: what, cause });
    }
  }
  const value = parseJson(text, what, { maxLength });
  if (!isRecord(value)) throw legateError('ERR_MALFORMED', `${what} must be a JSON object`, { claim: what });
  return value;
}

function malformed(message: string, claim: string, reason: string): InputError {
  return legateError('ERR_MALFORMED', message, { claim, reason });
}

function checkContexts(value: unknown, claim: string, loader: { has(url: string): boolean }): void {
  const entries: unknown[] = Array.isArray(value) ? value : [value];
  if (entries.length === 0) throw malformed(`${claim} must name at least one context`, claim, 'context');
  for (const entry of entries) {
    if (typeof entry !== 'string') throw malformed(`${claim} must list context URLs; inline contexts are not accepted`, claim, 'inline-context');
    if (!loader.has(entry)) throw unknownContext(entry);
  }
}

/**
 * Refuses JSON whose meaning as JSON could differ from its meaning as RDF
 * (see the module comment), and JSON of more values than `budget` leaves.
 */
function checkShape(value: unknown, path: string, root: boolean, budget: { left: number }): void {
  if (--budget.left < 0) {
    throw legateError('ERR_INPUT_TOO_LARGE', 'the document holds too many JSON values to canonicalize', { claim: '/', reason: 'nodes' });
  }
  if (value === null) throw malformed(`${path} is null; JSON-LD would drop it unsigned`, path, 'null');
  // RDF writes a non-integer number as an xsd:double of 16 significant digits: a number it does not
  // round-trip could be replaced by a neighbour (100.5 by 100.50000000000001) without breaking the proof.
  if (typeof value === 'number' && Number(value.toExponential(15)) !== value) {
    throw malformed(`${path} has more precision than its canonical form keeps`, path, 'number');
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkShape(item, `${path}/${i}`, false, budget));
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key}`;
    if (key === '@context' && root) continue;
    if (key.startsWith('@') || key.includes(':')) {
      throw malformed(`${at}: keys must be terms of the document's contexts, not keywords or IRIs`, at, 'term');
    }
    checkShape(item, at, root && key === 'proof', budget);
  }
}

/**
 * Checks a document before canonicalization: known context URLs only (at
 * the root, and in its proof if that states any), and JSON that means what
 * its RDF means.
 * @throws InputError `ERR_MALFORMED` (reason `unknown-context`,
 * `inline-context`, `context`, `term`, `null` or `number`);
 * `ERR_INPUT_TOO_LARGE` (reason `nodes`) over `maxNodes` values.
 */
export function checkDocument(document: Record<string, unknown>, options: CanonicalizeOptions = {}): void {
  const loader = loaderFor(options);
  if (!('@context' in document)) throw malformed('the document has no @context', '@context', 'context');
  checkContexts(document['@context'], '@context', loader);
  const proof = document.proof;
  if (isRecord(proof) && '@context' in proof) checkContexts(proof['@context'], 'proof/@context', loader);
  checkShape(document, '', true, { left: options.maxNodes ?? DEFAULT_MAX_DOCUMENT_NODES });
}

/** The LegateError a jsonld failure carries (our loader's), if any. */
function legateCause(error: unknown, depth = 0): LegateError | undefined {
  if (error instanceof LegateError) return error;
  if (depth > 8 || typeof error !== 'object' || error === null) return undefined;
  const { cause, details } = error as { cause?: unknown; details?: { cause?: unknown } };
  return legateCause(cause, depth + 1) ?? legateCause(details?.cause, depth + 1);
}

function jsonldFailure(error: unknown): InputError {
  const ours = legateCause(error);
  if (ours instanceof InputError) return ours;
  const { name, message, details } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    details?: { event?: { code?: unknown; details?: { property?: unknown } } };
  };
  const event = details?.event;
  if (name === 'jsonld.ValidationError' && event !== undefined) {
    const property = typeof event.details?.property === 'string' ? `: ${event.details.property.slice(0, 64)}` : '';
    return legateError('ERR_MALFORMED', `the document does not map to RDF in full (${String(event.code)}${property})`, {
      claim: typeof event.details?.property === 'string' ? event.details.property.slice(0, 64) : '/',
      reason: 'jsonld-safe-mode',
      cause: error,
    });
  }
  const text = typeof message === 'string' ? message.slice(0, 160) : 'failed';
  return legateError('ERR_MALFORMED', `JSON-LD processing failed: ${text}`, { claim: '/', reason: 'jsonld', cause: error });
}

/**
 * The RDFC-1.0 canonical N-Quads of a JSON-LD document, offline, in safe mode.
 * @throws InputError `ERR_MALFORMED` as {@link checkDocument}, or with reason
 * `jsonld-safe-mode` when a term is undefined or a value is dropped.
 *
 * @example
 * ```ts
 * const nquads = await canonicalize(credential);
 * ```
 */
export async function canonicalize(document: Record<string, unknown>, options: CanonicalizeOptions = {}): Promise<string> {
  checkDocument(document, options);
  return canonicalizeChecked(document, loaderFor(options));
}

async function canonicalizeChecked(document: Record<string, unknown>, documentLoader: DocumentLoader): Promise<string> {
  try {
    return await processor.canonize(document, {
      algorithm: 'RDFC-1.0',
      format: 'application/n-quads',
      safe: true,
      base: null,
      documentLoader,
      // RDFC-1.0's bound on blank-node work: hostile graphs fail instead of spinning.
      canonizeOptions: { algorithm: 'RDFC-1.0', maxWorkFactor: 1 },
    });
  } catch (error) {
    throw jsonldFailure(error);
  }
}

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

/** The SHA-256 of a checked document's canonical form, remembered in `options.hashes` when only built-in contexts can be involved. */
async function canonicalHash(document: Record<string, unknown>, options: CanonicalizeOptions): Promise<Uint8Array> {
  const { hashes } = options;
  if (options.contexts !== undefined || hashes === undefined) return sha256(await canonicalizeChecked(document, loaderFor(options)));
  const key = createHash('sha256').update(JSON.stringify(document), 'utf8').digest('base64url');
  const known = hashes.get(key);
  if (known !== undefined) return known;
  const hash = sha256(await canonicalizeChecked(document, loaderFor(options)));
  hashes.set(key, hash);
  return hash;
}

function join(proofConfigHash: Uint8Array, documentHash: Uint8Array): Uint8Array {
  const hashData = new Uint8Array(64);
  hashData.set(proofConfigHash, 0);
  hashData.set(documentHash, 32);
  return hashData;
}

/** The two documents the cryptosuite hashes: the document without `proof`, and the proof configuration with its `@context`. */
function hashInputs(document: Record<string, unknown>, proofConfig: Record<string, unknown>, options: CanonicalizeOptions) {
  const unsecured = { ...document };
  delete unsecured.proof;
  const { proofValue: _value, ...config } = proofConfig;
  const configured = { ...config, '@context': unsecured['@context'] };
  checkDocument(unsecured, options);
  checkDocument(configured, options);
  return { unsecured, configured };
}

/**
 * @internal The signature input of `eddsa-rdfc-2022`: as {@link proofHashData}'s
 * `hashData`, with the canonical hashes remembered in `options.hashes` (see the module comment).
 */
export async function signingInput(
  document: Record<string, unknown>,
  proofConfig: Record<string, unknown>,
  options: CanonicalizeOptions = {},
): Promise<Uint8Array> {
  const { unsecured, configured } = hashInputs(document, proofConfig, options);
  const proofConfigHash = await canonicalHash(configured, options);
  const documentHash = await canonicalHash(unsecured, options);
  return join(proofConfigHash, documentHash);
}

/**
 * Canonicalizes and hashes a document (without `proof`) and a proof
 * configuration (a proof without `proofValue`; it takes the document's
 * `@context`), and joins the hashes as the signature input.
 * @throws InputError as {@link canonicalize}.
 *
 * @example
 * ```ts
 * const { hashData } = await proofHashData(unsecured, { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', … });
 * ```
 */
export async function proofHashData(
  document: Record<string, unknown>,
  proofConfig: Record<string, unknown>,
  options: CanonicalizeOptions = {},
): Promise<ProofHashData> {
  const { unsecured, configured } = hashInputs(document, proofConfig, options);
  const loader = loaderFor(options);
  const canonicalProofConfig = await canonicalizeChecked(configured, loader);
  const canonicalDocument = await canonicalizeChecked(unsecured, loader);
  const proofConfigHash = sha256(canonicalProofConfig);
  const documentHash = sha256(canonicalDocument);
  return { canonicalDocument, canonicalProofConfig, documentHash, proofConfigHash, hashData: join(proofConfigHash, documentHash) };
}
