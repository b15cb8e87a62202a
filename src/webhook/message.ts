/**
 * @module webhook/message
 *
 * The wire form of the node's webhook notifications (#18): a JSON body
 * POSTed to the operator's URL, signed by the organization with a detached
 * compact JWS (RFC 7515 Appendix F) in the `Legate-Signature` header:
 * `<protected header>..<signature>`, where the signed payload is exactly the
 * body's bytes (base64url-encoded, as in any compact JWS). The protected
 * header holds `alg: EdDSA`, `typ: legate-webhook+json` and `kid`, a
 * verification method of the organization's DID. The body names the
 * organization (`iss`), the event (`id`, `type`, `at`, `data`) and when this
 * delivery was signed (`sentAt`), so a receiver can tell who sent it, that
 * nothing was altered, and (remembering the ids it took for
 * `maxAgeSeconds`) that it is not a replay. The receiver needs no shared
 * secret: it resolves the organization's DID document, whose keys rotate as
 * the organization's do.
 */

import { didSignature } from '../did/signature.js';
import type { KeyResolvable } from '../did/verification-key.js';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { encodeBase64url, encodeBase64urlString } from '../lib/base64url.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { decodeCompactJws, headerErrors } from '../lib/jws.js';
import type { Signer } from '../lib/signer.js';

/** The request header that carries the signature (HTTP header names are case-insensitive). */
export const WEBHOOK_SIGNATURE_HEADER = 'Legate-Signature';
/** The JWS `typ` of a webhook signature. */
export const WEBHOOK_JWS_TYPE = 'legate-webhook+json';
/** Largest body the node sends, and {@link verifyWebhook} accepts, in bytes. */
export const MAX_WEBHOOK_BODY = 64 * 1024;
/** Largest signature header accepted, in characters. */
const MAX_SIGNATURE_HEADER = 4096;

/** One event, as other parts of the node hand it to the notifier. */
export interface WebhookEvent {
  /** `approval.requested`, `approval.decided`, `alert.fired`, `change.requested`, `change.confirmed`. */
  type: string;
  /** Unique per event: a receiver takes each id once. */
  id: string;
  /** When the event happened (ISO 8601). */
  at: string;
  data: Record<string, unknown>;
}

/** The signed body of one delivery. */
export interface WebhookBody extends WebhookEvent {
  /** The organization's DID. */
  iss: string;
  /** When this delivery was signed (ISO 8601); each retry is signed afresh. */
  sentAt: string;
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body bytes of one delivery of `event` from `iss`, and its
 * `Legate-Signature` header value.
 * @throws InputError `ERR_INPUT_TOO_LARGE` for a body over {@link MAX_WEBHOOK_BODY}.
 *
 * @example
 * ```ts
 * const { body, signature } = await signWebhook({ iss: org, sentAt: now, ...event }, signer);
 * ```
 */
export async function signWebhook(content: WebhookBody, signer: Signer): Promise<{ body: Uint8Array; signature: string }> {
  const body = encoder.encode(JSON.stringify(content));
  if (body.length > MAX_WEBHOOK_BODY) throw legateError('ERR_INPUT_TOO_LARGE', `a webhook body must be at most ${MAX_WEBHOOK_BODY} bytes`, { claim: 'data' });
  const header = encodeBase64urlString(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: WEBHOOK_JWS_TYPE }));
  const signature = await signer.sign(encoder.encode(`${header}.${encodeBase64url(body)}`));
  return { body, signature: `${header}..${encodeBase64url(signature)}` };
}

export interface VerifyWebhookOptions {
  /** The organization whose notifications these are (its DID): a body from any other is refused. */
  issuer: string;
  /** Resolves the organization's DID document (`createDidResolver` from `legate/did`). */
  resolver: KeyResolvable;
  /** Default the system clock. */
  clock?: Clock | undefined;
  /** Oldest `sentAt` accepted, in seconds; default 300. Remember the ids taken for this long to refuse replays. */
  maxAgeSeconds?: number | undefined;
  /** Clock skew tolerated on a `sentAt` in the future, in seconds; default 60. */
  skewSeconds?: number | undefined;
}

const malformed = (message: string, claim: string) => legateError('ERR_MALFORMED', message, { claim });

function bodyOf(payload: Record<string, unknown>): WebhookBody {
  const { iss, id, type, at, sentAt, data } = payload;
  if (typeof iss !== 'string' || !iss.startsWith('did:')) throw malformed('iss must be a DID', 'iss');
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw malformed('id must be a short string', 'id');
  if (typeof type !== 'string' || type.length === 0 || type.length > 64) throw malformed('type must be a short string', 'type');
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) throw malformed('at must be an ISO 8601 time', 'at');
  if (typeof sentAt !== 'string' || Number.isNaN(Date.parse(sentAt))) throw malformed('sentAt must be an ISO 8601 time', 'sentAt');
  if (!isRecord(data)) throw malformed('data must be an object', 'data');
  return { iss, id, type, at, sentAt, data };
}

/**
 * Checks one delivery as its receiver: the signature over the exact body
 * bytes, by a key of `options.issuer`'s DID document, and a fresh `sentAt`.
 * Returns the body; the receiver then refuses an `id` it already took.
 * @throws `ERR_MALFORMED` / `ERR_INPUT_TOO_LARGE` for a malformed or oversized header or body; `ERR_ALG_NOT_ALLOWED`;
 * `ERR_UNTRUSTED_ISSUER` for a body of another organization; `ERR_EXPIRED` / `ERR_NOT_YET_VALID` for a stale or future `sentAt`;
 * `ERR_DID_UNRESOLVABLE`, `ERR_KID_INVALID`, `ERR_SIGNATURE_INVALID` for the signature.
 *
 * @example
 * ```ts
 * import { verifyWebhook } from 'legate/webhook';
 * import { createDidResolver } from 'legate/did';
 * const event = await verifyWebhook(rawBody, request.headers['legate-signature'], { issuer: 'did:web:acme.example', resolver: createDidResolver() });
 * ```
 */
export async function verifyWebhook(body: Uint8Array | string, header: string | undefined, options: VerifyWebhookOptions): Promise<WebhookBody> {
  if (typeof header !== 'string' || header.length > MAX_SIGNATURE_HEADER || !/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/.test(header)) {
    throw malformed(`the ${WEBHOOK_SIGNATURE_HEADER} header must be a detached compact JWS`, 'signature');
  }
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  if (bytes.length > MAX_WEBHOOK_BODY) throw legateError('ERR_INPUT_TOO_LARGE', `a webhook body must be at most ${MAX_WEBHOOK_BODY} bytes`, { claim: 'body' });
  try {
    utf8.decode(bytes);
  } catch (cause) {
    throw legateError('ERR_MALFORMED', 'the webhook body is not UTF-8', { claim: 'body', cause });
  }
  const [protectedHeader, , signature] = header.split('.');
  const decoded = decodeCompactJws(`${protectedHeader}.${encodeBase64url(bytes)}.${signature}`, MAX_SIGNATURE_HEADER + MAX_WEBHOOK_BODY * 2);
  const [headerError] = headerErrors(decoded.header, { typ: WEBHOOK_JWS_TYPE, what: 'webhook signatures' });
  if (headerError !== undefined) throw headerError;
  const content = bodyOf(decoded.payload);
  if (content.iss !== options.issuer) throw legateError('ERR_UNTRUSTED_ISSUER', 'the notification is from another organization', { claim: 'iss' });
  const now = (options.clock ?? systemClock)().getTime();
  const sent = Date.parse(content.sentAt);
  if (sent < now - (options.maxAgeSeconds ?? 300) * 1000) throw legateError('ERR_EXPIRED', 'the notification was signed too long ago', { claim: 'sentAt' });
  if (sent > now + (options.skewSeconds ?? 60) * 1000) throw legateError('ERR_NOT_YET_VALID', 'the notification is signed in the future', { claim: 'sentAt' });
  const { errors } = await didSignature(decoded, options.resolver, { did: content.iss, relationship: 'assertionMethod', party: 'issuer', didClaim: 'iss', what: 'webhook signature' });
  if (errors[0] !== undefined) throw errors[0];
  return content;
}
