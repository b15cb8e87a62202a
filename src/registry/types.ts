/**
 * @module registry/types
 *
 * The shape of a `TrustListCredential` (W3C VCDM 2.0, secured as `vc+jwt`)
 * and of the registry's answers. An organization publishes one trust list at
 * a URL that is also the credential `id`: the issuers it accredits, with the
 * capability patterns each may attest and how deep their delegations may
 * go, and the other trust lists it recognizes, with how many further hops
 * trust may travel from each and which capabilities bound it (DESIGN.md,
 * "Trust registry and federation"). The JSON Schema in
 * `schemas/trust-list-credential.json` is the normative definition; these
 * types mirror it.
 */

import type { StatusEntry } from '../credential/types.js';
import type { ErrorCode } from '../errors/index.js';

export const TRUST_LIST_CREDENTIAL_TYPE = 'TrustListCredential';
export const TRUST_LIST_TYPE = 'TrustList';
export const TRUST_LIST_SCHEMA_FILE = 'trust-list-credential.json';
export const TRUST_LIST_SCHEMA_ID = 'https://legate.dev/schemas/trust-list-credential/1.0.0.json';

/** Most hops a recognition (or an anchor) may let trust travel beyond its list. */
export const MAX_TRUST_HOPS = 4;
/** Deepest delegation an accreditation may allow, as for capability credentials. */
export const MAX_DELEGATION_DEPTH = 8;

/** One accredited issuer: it may attest the capabilities its patterns cover. */
export interface Accreditation {
  /** The accredited issuer's DID. */
  issuer: string;
  /** Capability patterns, `<action>:<resource>` (`call:billing:*`, `*:*`). */
  capabilities: string[];
  /** How deep delegation chains rooted at this issuer may go (0–8). */
  maxDelegationDepth: number;
  validFrom?: string;
  validUntil?: string;
}

/** Another trust list this one recognizes. */
export interface Recognition {
  /** Where the list is published; also its credential `id`. */
  url: string;
  /** The DID expected to sign it. */
  issuer: string;
  /** How many further recognitions may be followed from it (0–4). */
  hops: number;
  /** Patterns bounding what that list (and what it recognizes) may accredit; absent means no further bound. */
  capabilities?: string[];
  validUntil?: string;
}

export interface TrustListSubject {
  /** The publishing organization's DID: the credential's issuer. */
  id: string;
  type: typeof TRUST_LIST_TYPE;
  /** Grows with every published change. */
  version: number;
  accredits: Accreditation[];
  recognizes: Recognition[];
}

export interface TrustListCredential {
  '@context': string[];
  /** The URL the list is published at. */
  id: string;
  type: string[];
  issuer: string;
  validFrom: string;
  validUntil?: string;
  credentialSchema?: { id: string; type: 'JsonSchema' };
  /** Revocation of the whole list (BitstringStatusListEntry). */
  credentialStatus?: StatusEntry | StatusEntry[];
  credentialSubject: TrustListSubject;
}

/** A trust list a verifier chooses to start from (typically its own, plus partners it configured). */
export interface TrustAnchor {
  url: string;
  /** The DID expected to sign the list at `url`. */
  issuer: string;
  /** How many recognitions may be followed from it (0–4); 0 uses only its own accreditations. */
  hops: number;
  /** Patterns bounding everything trusted through this anchor; absent means unbounded. */
  capabilities?: string[] | undefined;
}

/** One step of a trust path. */
export type PathStep =
  /** The verifier itself, trusted for everything. */
  | { type: 'self'; id: string }
  /**
   * A trust list on the path, with the hops still allowed from it (the list
   * a recognition query starts from shows `MAX_TRUST_HOPS + 1`: every
   * recognition it makes counts). `version` is absent for a list named by a
   * recognition but not opened.
   */
  | { type: 'list'; url: string; issuer: string; hops: number; version?: number }
  /** The issuer the path ends at. */
  | { type: 'issuer'; id: string };

/** The accreditation a positive decision rests on. */
export interface MatchedAccreditation extends Accreditation {
  /** The list that states it; absent when the issuer is the verifier itself. */
  list?: string;
  /** The pattern that covers the capability. */
  pattern: string;
}

/** A list, or an entry of one, that a walk passed over, and why. */
export interface SkippedList {
  url: string;
  /** Why: `ERR_SIGNATURE_INVALID`, `ERR_EXPIRED`, `ERR_REVOKED`, `ERR_TRUST_LIST_UNAVAILABLE`, … */
  code: ErrorCode;
  message: string;
  /** Refines the code (for example `http-404`). */
  reason?: string;
  /** A JSON pointer into the list when one entry was ignored (`/credentialSubject/accredits/2`), else absent. */
  entry?: string;
}

/** Why a decision is negative. */
export interface TrustReason {
  code: ErrorCode;
  message: string;
  reason?: string;
}

/** Whether an issuer is trusted for a capability, and on what path. */
export type TrustDecision =
  | { trusted: true; path: PathStep[]; accreditation: MatchedAccreditation }
  | { trusted: false; reason: TrustReason; skipped: SkippedList[] };

/** Whether one trust list recognizes another. */
export type RecognitionDecision =
  | { recognized: true; path: PathStep[] }
  | { recognized: false; reason: TrustReason; skipped: SkippedList[] };
