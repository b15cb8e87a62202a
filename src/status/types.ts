/**
 * @module status/types
 *
 * Names and shapes of W3C Bitstring Status List v1.0 (§2.1
 * BitstringStatusListEntry, §2.2 BitstringStatusListCredential), plus the
 * older StatusList2021 names that verifiers still meet in the wild. The JSON
 * Schema in `schemas/bitstring-status-list-credential.json` is the normative
 * definition of the list credential; these types mirror it.
 */

/** The purposes Legate issues and enforces: a set bit means revoked (for good) or suspended (for now). */
export type StatusPurpose = 'revocation' | 'suspension';

/** Every purpose Legate enforces. */
export const STATUS_PURPOSES: readonly StatusPurpose[] = Object.freeze(['revocation', 'suspension'] as const);

/**
 * Every purpose the spec defines (§2.1). A list may carry `refresh` or
 * `message` too; any other value makes the list invalid.
 */
export const KNOWN_STATUS_PURPOSES: readonly string[] = Object.freeze(['revocation', 'suspension', 'refresh', 'message']);

export const STATUS_LIST_CREDENTIAL_TYPE = 'BitstringStatusListCredential';
export const STATUS_LIST_TYPE = 'BitstringStatusList';
export const STATUS_ENTRY_TYPE = 'BitstringStatusListEntry';
/** The predecessor's names (W3C CCG Status List 2021); same fields and `encodedList` format. */
export const STATUS_LIST_2021_CREDENTIAL_TYPE = 'StatusList2021Credential';
export const STATUS_LIST_2021_TYPE = 'StatusList2021';
export const STATUS_LIST_2021_ENTRY_TYPE = 'StatusList2021Entry';

export const STATUS_LIST_SCHEMA_FILE = 'bitstring-status-list-credential.json';
export const STATUS_LIST_SCHEMA_ID = 'https://legate.dev/schemas/bitstring-status-list-credential/1.0.0.json';

/** A `credentialStatus` entry pointing at one bit of a list (§2.1). */
export interface BitstringStatusEntry {
  /** `<list URL>#<index>`. */
  id?: string;
  type: typeof STATUS_ENTRY_TYPE | typeof STATUS_LIST_2021_ENTRY_TYPE;
  statusPurpose: string;
  /** A non-negative integer in base 10, as a string. */
  statusListIndex: string;
  /** The URL of the list credential. */
  statusListCredential: string;
}

/** The `credentialSubject` of a list credential (§2.2). */
export interface BitstringStatusListSubject {
  /** `<list URL>#list`. */
  id?: string;
  type: typeof STATUS_LIST_TYPE | typeof STATUS_LIST_2021_TYPE;
  /** One purpose or several; Legate issues one. */
  statusPurpose: string | string[];
  /** GZIP then multibase base64url of the bitstring. */
  encodedList: string;
  /** How long verifiers may cache the list, in milliseconds. */
  ttl?: number;
}

/** A status list credential (VCDM 2.0), in JSON form. */
export interface BitstringStatusListCredential {
  '@context': string[];
  /** The URL the list is published at. */
  id: string;
  type: string[];
  issuer: string | { id: string; name?: string };
  validFrom: string;
  validUntil?: string;
  credentialSubject: BitstringStatusListSubject;
}
