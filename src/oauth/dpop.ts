/**
 * @module oauth/dpop
 *
 * DPoP (RFC 9449): proof-of-possession JWTs that bind an access token to a
 * key the client holds. Keys are Ed25519 (`EdDSA`, an agent's own key or a
 * fresh one) or P-256 (`ES256`, what most OAuth clients generate), all on
 * `node:crypto`. {@link verifyDpopProof} runs the checks of RFC 9449 §4.3 in
 * order: form, `typ`, `alg` (a proof in any other algorithm, `none` and HMAC
 * included, is refused before any key is used), the embedded public `jwk`,
 * the signature, `htm`, `htu` (query and fragment ignored, normalized),
 * `iat` within a window, `ath`, the key thumbprint the token binds, the
 * server nonce (§8), and last, once everything else holds, `jti` replay (so
 * a forged proof cannot burn an honest `jti`).
 */

import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { legateError } from '../errors/index.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import { isRecord } from '../lib/assert.js';
import { encodeBase64url, encodeBase64urlString } from '../lib/base64url.js';
import { generateKeyObjects } from '../lib/generate-key.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { decodeCompactJws, type DecodedJws } from '../lib/jws.js';
import { sameString } from '../lib/same-string.js';
import type { Signer } from '../lib/signer.js';
import { ed25519PublicJwk, importPublicJwk, jwkThumbprint, parsePublicJwk } from './jwk.js';
import { DPOP_ALGS, DPOP_TYP, MAX_DPOP_PROOF_LENGTH, type DpopAlg, type PublicJwk } from './types.js';

/** A key that signs DPoP proofs: its algorithm, public JWK, RFC 7638 thumbprint (`cnf.jkt`) and signing function. */
export interface DpopKeyPair {
  readonly alg: DpopAlg;
  readonly publicJwk: PublicJwk;
  readonly jkt: string;
  /** Signs the JWS signing input: Ed25519, or ES256 as the 64-byte `r || s` JWS form. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** What a verified proof tells: the key (thumbprint and JWK), the proof's `jti`, `iat` and `nonce`. */
export interface DpopProof {
  jkt: string;
  jwk: PublicJwk;
  jti: string;
  iat: number;
  nonce?: string;
}

/** What the server checks a proof against. */
export interface DpopVerifyOptions {
  /** The request's method. */
  htm: string;
  /** The request's URL (query and fragment are ignored). */
  htu: string;
  /** The access token the request carries: the proof's `ath` must be its hash (RFC 9449 §7). */
  accessToken?: string | undefined;
  /** The thumbprint the access token binds (`cnf.jkt`): the proof's key must be that key. */
  expectedJkt?: string | undefined;
  /** Checks the proof's `nonce` (RFC 9449 §8/§9); absent: no server nonce is required. */
  nonce?: ((nonce: string | undefined) => 'ok' | 'missing' | 'stale' | 'invalid') | undefined;
  /** Oldest proof accepted, in seconds after its `iat`; default 120. */
  maxAgeSeconds?: number | undefined;
  /** Clock skew tolerated either way, in seconds; default 60. */
  skewSeconds?: number | undefined;
  clock?: Clock | undefined;
  /** Remembers `jti`s until they would be stale anyway; absent: no replay check (the caller's choice). */
  replay?: ReplayCache | undefined;
  /** Proof keys already imported (one per verifier: a token endpoint, a resource server); absent: each proof's key is imported afresh. */
  keys?: DpopProofKeys | undefined;
}

// The private halves, out of sight of the key pair objects (never enumerated, never serialized by accident).
const privateKeys = new WeakMap<DpopKeyPair, KeyObject>();

const invalid = (message: string, reason: string, claim?: string) => legateError('ERR_DPOP_INVALID', message, { claim: claim ?? reason, reason });

function signWith(alg: DpopAlg, key: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(alg === 'EdDSA' ? sign(null, data, key) : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
}

function keyPairOf(alg: DpopAlg, privateKey: KeyObject): DpopKeyPair {
  const publicJwk = parsePublicJwk(createPublicKey(privateKey).export({ format: 'jwk' }));
  const pair: DpopKeyPair = Object.freeze({
    alg,
    publicJwk: Object.freeze(publicJwk),
    jkt: jwkThumbprint(publicJwk),
    sign: (data: Uint8Array) => Promise.resolve(signWith(alg, privateKey, data)),
  });
  privateKeys.set(pair, privateKey);
  return pair;
}

/**
 * A fresh DPoP key, in memory.
 *
 * @example
 * ```ts
 * const key = generateDpopKey('ES256');
 * key.jkt; // the thumbprint a presentation binds in `jkt`
 * ```
 */
export function generateDpopKey(alg: DpopAlg = 'EdDSA'): DpopKeyPair {
  if (!DPOP_ALGS.includes(alg)) throw legateError('ERR_INVALID_ARGUMENT', `a DPoP key is EdDSA or ES256, not ${String(alg)}`, { claim: 'alg' });
  // Through lib/generate-key: a key straight from generateKeyPair can deadlock its JWK export on Node 20.
  const { privateKey } = generateKeyObjects(alg === 'EdDSA' ? { type: 'ed25519' } : { type: 'ec', namedCurve: 'P-256' });
  return keyPairOf(alg, privateKey);
}

/**
 * A DPoP key from its private JWK (as {@link privateJwkOf} wrote it).
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim `jwk`) for anything but a private Ed25519 or P-256 JWK.
 */
export function dpopKeyFromPrivateJwk(jwk: unknown): DpopKeyPair {
  const bad = (message: string) => legateError('ERR_INVALID_ARGUMENT', message, { claim: 'jwk' });
  if (!isRecord(jwk) || typeof jwk.d !== 'string') throw bad('a DPoP private key must be a JWK with d');
  const alg: DpopAlg | undefined = jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined;
  if (alg === undefined) throw bad('a DPoP private key must be OKP/Ed25519 or EC/P-256');
  let privateKey: KeyObject;
  try {
    const members = alg === 'EdDSA' ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d } : { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d };
    privateKey = createPrivateKey({ key: members as Record<string, string>, format: 'jwk' });
  } catch (cause) {
    throw legateError('ERR_INVALID_ARGUMENT', 'the DPoP private JWK does not import', { claim: 'jwk', cause });
  }
  const pair = keyPairOf(alg, privateKey);
  // A JWK whose public half does not belong to d would sign proofs under a key nobody can check.
  if (pair.publicJwk.x !== jwk.x || (pair.publicJwk.kty === 'EC' && pair.publicJwk.y !== jwk.y)) throw bad('the JWK public members do not match d');
  return pair;
}

/**
 * The private JWK of a key made by {@link generateDpopKey} or
 * {@link dpopKeyFromPrivateJwk}, to store it (`legate token --json`).
 * @throws InputError `ERR_INVALID_ARGUMENT` for a key whose private half is not held here (an agent's signer).
 */
export function privateJwkOf(key: DpopKeyPair): Record<string, string> {
  const privateKey = privateKeys.get(key);
  if (privateKey === undefined) throw legateError('ERR_INVALID_ARGUMENT', 'this DPoP key has no exportable private half', { claim: 'key' });
  const jwk = privateKey.export({ format: 'jwk' });
  const out: Record<string, string> = {};
  for (const name of ['kty', 'crv', 'x', 'y', 'd'] as const) if (typeof jwk[name] === 'string') out[name] = jwk[name];
  return out;
}

/** An agent's own Ed25519 key as its DPoP key: the proof then shows the same key that signed the presentation. */
export function dpopKeyOfSigner(signer: Signer): DpopKeyPair {
  const publicJwk = Object.freeze(ed25519PublicJwk(signer.publicKey));
  return Object.freeze({ alg: 'EdDSA' as const, publicJwk, jkt: jwkThumbprint(publicJwk), sign: (data: Uint8Array) => signer.sign(data) });
}

const RFC3986_UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The `htu` form of a request URL (RFC 9449 §4.3): no query, no fragment,
 * syntax- and scheme-based normalization (RFC 3986 §6.2.2-6.2.3: lower-case
 * scheme and host, default port dropped, dot segments removed, an empty path
 * as `/`, percent-encodings upper-cased and unreserved ones decoded).
 * @throws VerificationError `ERR_DPOP_INVALID` (reason `htu`) for anything but an absolute http(s) URL.
 */
export function htuOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw legateError('ERR_DPOP_INVALID', 'htu is not an absolute URL', { claim: 'htu', reason: 'htu', cause });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalid('htu must be an http(s) URL', 'htu');
  const path = parsed.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return RFC3986_UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  const userinfo = parsed.username === '' ? '' : `${parsed.username}${parsed.password === '' ? '' : `:${parsed.password}`}@`;
  return `${parsed.protocol}//${userinfo}${parsed.host}${path}`;
}

/** base64url SHA-256 of an access token: a proof's `ath` (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * A DPoP proof for one request: header `typ: dpop+jwt`, the key's `alg` and
 * public `jwk`; claims `jti`, `htm`, `htu` (in {@link htuOf} form), `iat`,
 * and `ath` with an access token, `nonce` with a server nonce.
 *
 * @example
 * ```ts
 * const proof = await createDpopProof({ key, htm: 'POST', htu: 'https://as.example/oauth/token', nonce });
 * ```
 */
export async function createDpopProof(options: {
  key: DpopKeyPair;
  htm: string;
  htu: string;
  accessToken?: string | undefined;
  nonce?: string | undefined;
  clock?: Clock | undefined;
  jti?: string | undefined;
}): Promise<string> {
  const { key } = options;
  const header = { typ: DPOP_TYP, alg: key.alg, jwk: key.publicJwk };
  const payload = {
    jti: options.jti ?? encodeBase64url(randomBytes(16)),
    htm: options.htm,
    htu: htuOf(options.htu),
    iat: epochSeconds((options.clock ?? systemClock)()),
    ...(options.accessToken === undefined ? {} : { ath: accessTokenHash(options.accessToken) }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
  };
  const signingInput = `${encodeBase64urlString(JSON.stringify(header))}.${encodeBase64urlString(JSON.stringify(payload))}`;
  const signature = await key.sign(new TextEncoder().encode(signingInput));
  return `${signingInput}.${encodeBase64url(signature)}`;
}

/** A proof key as verification needs it: imported, and named by its RFC 7638 thumbprint. */
export interface ProofKey {
  key: KeyObject | undefined;
  jkt: string;
}

/** The imported key and thumbprint of a parsed public JWK (whose members parsePublicJwk has already checked). */
const importProofKey = (jwk: PublicJwk): ProofKey => ({ key: importPublicJwk(jwk), jkt: jwkThumbprint(jwk) });

/**
 * DPoP proof keys a verifier has imported: a client signs every proof with
 * the same key, so it is imported and its thumbprint hashed once, not per
 * request. Bounded (default 1,024), least recently used out first, so a
 * stream of fresh keys only recycles the oldest entries. Instance state:
 * each verifier owns one.
 */
export class DpopProofKeys {
  readonly #kept = new Map<string, ProofKey>();
  readonly #max: number;

  constructor(maxEntries = 1024) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.#max = maxEntries;
  }

  /** @internal The key of `jwk`, imported on first sight. */
  of(jwk: PublicJwk): ProofKey {
    const id = jwk.kty === 'OKP' ? `OKP.${jwk.x}` : `EC.${jwk.x}.${jwk.y}`;
    let entry = this.#kept.get(id);
    if (entry !== undefined) {
      this.#kept.delete(id);
    } else {
      entry = importProofKey(jwk);
      if (this.#kept.size >= this.#max) this.#kept.delete(this.#kept.keys().next().value!);
    }
    this.#kept.set(id, entry);
    return entry;
  }

  /** How many keys are kept. */
  get size(): number {
    return this.#kept.size;
  }
}

function verifySignature(decoded: DecodedJws, alg: DpopAlg, key: KeyObject | undefined): boolean {
  if (key === undefined) return false;
  try {
    return alg === 'EdDSA'
      ? decoded.signature.length === 64 && verify(null, decoded.signingInput, key, decoded.signature)
      : decoded.signature.length === 64 && verify('sha256', decoded.signingInput, { key, dsaEncoding: 'ieee-p1363' }, decoded.signature);
  } catch {
    return false;
  }
}

/** Longest `jti` accepted: ample for a UUID or 32 random bytes in base64url. */
const MAX_JTI_LENGTH = 256;

/**
 * Verifies the DPoP proof of a request (RFC 9449 §4.3), and records its
 * `jti` when `replay` is given.
 * @throws VerificationError `ERR_DPOP_INVALID` with reason `missing`, `malformed`, `typ`, `alg`, `jwk`,
 * `signature`, `htm`, `htu`, `iat`, `ath`, `jkt` or `replay`; `ERR_DPOP_NONCE` with reason `missing`, `stale`
 * or `invalid` when the server nonce is not met (answer `use_dpop_nonce` with a fresh `DPoP-Nonce`).
 *
 * @example
 * ```ts
 * const { jkt } = await verifyDpopProof(request.headers.get('dpop') ?? undefined,
 *   { htm: 'POST', htu: request.url, nonce: (n) => nonces.check(n), replay });
 * ```
 */
export async function verifyDpopProof(proof: string | undefined, options: DpopVerifyOptions): Promise<DpopProof> {
  if (proof === undefined || proof === '') throw invalid('a DPoP proof is required', 'missing', 'DPoP');
  if (typeof proof !== 'string' || proof.length > MAX_DPOP_PROOF_LENGTH) throw invalid(`a DPoP proof is a JWT of at most ${MAX_DPOP_PROOF_LENGTH} characters`, 'malformed', 'DPoP');
  let decoded: DecodedJws;
  try {
    decoded = decodeCompactJws(proof, MAX_DPOP_PROOF_LENGTH);
  } catch (cause) {
    throw legateError('ERR_DPOP_INVALID', 'the DPoP proof is not a well-formed JWT', { claim: 'DPoP', reason: 'malformed', cause });
  }
  const { header, payload } = decoded;
  if (header.typ !== DPOP_TYP) throw invalid(`the DPoP proof typ must be ${DPOP_TYP}`, 'typ');
  // RFC 9864 names EdDSA over Ed25519 `Ed25519` (oauth4webapi 3.x signs a WebCrypto Ed25519 key so): the same algorithm.
  const alg = (header.alg === 'Ed25519' ? 'EdDSA' : header.alg) as DpopAlg;
  if (!DPOP_ALGS.includes(alg)) throw invalid(`the DPoP proof alg must be one of ${DPOP_ALGS.join(', ')}`, 'alg');
  if (header.crit !== undefined) throw invalid('the DPoP proof header crit is not supported', 'malformed', 'crit');
  const jwk = parsePublicJwk(header.jwk);
  if ((alg === 'EdDSA') !== (jwk.kty === 'OKP')) throw invalid(`the DPoP proof jwk is not a key for ${alg}`, 'jwk');
  const proofKey = options.keys?.of(jwk) ?? importProofKey(jwk);
  if (!verifySignature(decoded, alg, proofKey.key)) throw invalid('the DPoP proof signature does not verify', 'signature');

  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw invalid('the DPoP proof needs a jti', 'malformed', 'jti');
  if (typeof htm !== 'string' || htm !== options.htm) throw invalid('the DPoP proof htm is not the request method', 'htm');
  if (typeof htu !== 'string' || !sameHtu(htu, expectedHtu(options.htu))) throw invalid('the DPoP proof htu is not the request URL', 'htu');
  // A NumericDate may carry a fraction (RFC 7519 §2); only a number is required.
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('the DPoP proof needs a numeric iat', 'iat');
  const maxAge = options.maxAgeSeconds ?? 120;
  const skew = options.skewSeconds ?? 60;
  const now = epochSeconds((options.clock ?? systemClock)());
  if (iat > now + skew) throw invalid('the DPoP proof is issued in the future', 'iat');
  if (iat < now - maxAge - skew) throw invalid('the DPoP proof is too old', 'iat');
  if (options.accessToken !== undefined) {
    if (typeof ath !== 'string' || !sameString(ath, accessTokenHash(options.accessToken))) {
      throw invalid('the DPoP proof ath is not the hash of the access token', 'ath');
    }
  }
  const { jkt } = proofKey;
  if (options.expectedJkt !== undefined && !sameString(jkt, options.expectedJkt)) {
    throw invalid('the DPoP proof key is not the key the token is bound to', 'jkt');
  }
  if (nonce !== undefined && typeof nonce !== 'string') throw invalid('the DPoP proof nonce must be a string', 'malformed', 'nonce');
  if (options.nonce !== undefined) {
    const verdict = options.nonce(nonce);
    if (verdict !== 'ok') throw legateError('ERR_DPOP_NONCE', `the DPoP proof must carry a current server nonce (${verdict})`, { claim: 'nonce', reason: verdict });
  }
  if (options.replay !== undefined) {
    // Remembered until the proof would be refused as too old anyway.
    const first = await options.replay.remember(`dpop:${jkt}:${jti}`, new Date(Math.ceil(iat + maxAge + skew + 1) * 1000));
    if (!first) throw invalid('the DPoP proof was already used', 'replay', 'jti');
  }
  return { jkt, jwk, jti, iat, ...(nonce === undefined ? {} : { nonce }) };
}

/** The request's URL normalized, or undefined when it is not one (then no proof matches it). */
function expectedHtu(url: string): string | undefined {
  try {
    return htuOf(url);
  } catch {
    return undefined;
  }
}

function sameHtu(claimed: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  // htuOf is idempotent, so a claim already in normal form (what clients send) needs no second URL parse.
  if (claimed === expected) return true;
  try {
    return htuOf(claimed) === expected;
  } catch {
    return false;
  }
}
