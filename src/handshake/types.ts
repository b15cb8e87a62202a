/**
 * @module handshake/types
 *
 * The shapes of the three ACE messages (DESIGN "Handshake (ACE) and
 * sessions"): `advertise` (A → B), `acknowledge` (B → A) and the optional
 * `confirm` (A → B). Each is the JSON payload of a compact JWS
 * (`typ: ace+jwt`) signed by the sender's agent key. The JSON Schemas in
 * `schemas/ace-*.json` are normative; these types mirror them.
 */

/** JWS `typ` of every ACE message. */
export const ACE_TYP = 'ace+jwt';

/** Largest ACE message accepted, in characters (a presentation with its chains rides inside). */
export const MAX_ACE_MESSAGE_LENGTH = 256 * 1024;

/** Most intents one advertise may carry (and most entries in `trusted` / `rejected`). */
export const MAX_INTENTS = 32;

export const ADVERTISE_SCHEMA_FILE = 'ace-advertise.json';
export const ACKNOWLEDGE_SCHEMA_FILE = 'ace-acknowledge.json';
export const CONFIRM_SCHEMA_FILE = 'ace-confirm.json';

/**
 * A capability the sender intends to invoke: an action (a name or `*`) on a
 * resource (a concrete resource or a pattern ending in `*`), optionally
 * scoped. A verifier trusts it when one verified capability contains it.
 */
export interface Intent {
  action: string;
  resource: string;
  scope?: string;
}

/** An intent (or a presented capability) the receiver accepts, with the credential that grants it. */
export interface TrustedCapability extends Intent {
  /** The id of the leaf credential of the chain that grants it. */
  credential: string;
}

/** An intent (or a presented capability) the receiver refuses, with why. */
export interface RejectedCapability extends Intent {
  /** A Legate error code (`ERR_UNTRUSTED_ISSUER`, `ERR_REVOKED`, `ERR_NOT_AUTHORIZED`, …); a peer may send codes this version does not know. */
  code: string;
  /** A short human-readable explanation. */
  reason: string;
  /** The credential that would have granted it, when one was presented. */
  credential?: string;
}

/** A verdict on capabilities: what the verifier trusts and what it refuses. */
export interface Verdict {
  trusted: TrustedCapability[];
  rejected: RejectedCapability[];
}

/** Claims every ACE message carries. */
export interface AceClaims {
  /** Random message id (a `jti`). */
  id: string;
  /** The sender's agent DID. */
  iss: string;
  /** The receiver's DID. */
  aud: string;
  /** Seconds since the epoch. */
  iat: number;
}

/** A → B: who I am, what I hold (the presentation), what I intend to do. */
export interface AdvertisePayload extends AceClaims {
  type: 'advertise';
  /** A fresh challenge chosen by A; A's presentation answers it, and B echoes it. */
  nonce: string;
  /** A's `vp+jwt`, addressed to B, with the same nonce. */
  presentation: string;
  intents: Intent[];
}

/** B → A: which intents B trusts, B's own presentation, and a session token. */
export interface AcknowledgePayload extends AceClaims {
  type: 'acknowledge';
  /** The id of the advertise answered. */
  inReplyTo: string;
  /** A's nonce, echoed. */
  nonce: string;
  trusted: TrustedCapability[];
  rejected: RejectedCapability[];
  /**
   * B's `vp+jwt`, addressed to A, answering A's nonce (mutual verification).
   * Absent when nothing was trusted: a peer B grants nothing learns nothing
   * of B's credentials. Present whenever `session` is.
   */
  presentation?: string;
  /** The session token; absent when nothing was trusted. */
  session?: string;
  /** A fresh challenge from B, which a confirm must answer. */
  challenge: string;
}

/** A → B (optional): A's verdict on B's presented capabilities. */
export interface ConfirmPayload extends AceClaims {
  type: 'confirm';
  /** The id of the acknowledge answered. */
  inReplyTo: string;
  /** B's challenge. */
  nonce: string;
  verdict: Verdict;
}

/** A message as sent: the compact JWS and its payload (keep it to check the reply). */
export interface AceMessage<P> {
  token: string;
  payload: P;
}
