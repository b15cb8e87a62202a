/**
 * @module store/types
 *
 * The records a Legate node persists, and the `Store` contract: the
 * per-aggregate repository ports of `store/ports` composed with a
 * transaction, so the embedded SQLite backend and a later PostgreSQL backend
 * are interchangeable. Every backend must pass `test/store/contract.ts`.
 *
 * Records are plain data. Private keys only ever appear sealed (encrypted by
 * the key store); a backend never sees them in the clear.
 */

import type { AgentRepository } from './ports/agents.js';
import type { ApprovalRepository } from './ports/approvals.js';
import type { AuditRepository } from './ports/audit.js';
import type { CredentialRepository } from './ports/credentials.js';
import type { KeyRepository } from './ports/keys.js';
import type { LeaseRepository } from './ports/leases.js';
import type { MaintenanceRepository } from './ports/maintenance.js';
import type { OrganizationRepository } from './ports/organization.js';
import type { RegistryRepository } from './ports/registry.js';
import type { ReplayRepository } from './ports/replay.js';
import type { IdempotencyRepository } from './ports/idempotency.js';
import type { SessionRepository } from './ports/sessions.js';
import type { SettingsRepository } from './ports/settings.js';
import type { StatusListRepository } from './ports/status-lists.js';
import type { StatusSubscriptionRepository } from './ports/status-subscriptions.js';
import type { TrustListRepository } from './ports/trust-list.js';
import type { AlertRepository } from './ports/alerts.js';
import type { OperatorRepository } from './ports/operators.js';
import type { ApprovalRequestRepository } from './ports/approval-requests.js';
import type { PendingChangeRepository } from './ports/pending-changes.js';
import type { UsageRepository } from './ports/usage.js';

export type { AuditCheckpointRecord, AuditEntryQuery, AuditEntryRecord, AuditHeadRecord } from './audit-records.js';

/** What a status list's bits mean; the store's own name for it (status/ has the same union, without the store knowing status/). */
export type StatusPurpose = 'revocation' | 'suspension';

/** The organization this node speaks for. There is exactly one per store. */
export interface OrganizationRecord {
  did: string;
  /** `host` or `host:port`, as given to `legate init`. */
  domain: string;
  name: string;
  createdAt: string;
}

export type AgentMethod = 'web' | 'key';
export type AgentStatus = 'active' | 'retired';

export interface AgentRecord {
  /** Unique within the organization; `[a-z0-9][a-z0-9-]{0,62}`. */
  name: string;
  did: string;
  /** The accountable human owner, a URI (`mailto:`, a DID). */
  owner: string;
  method: AgentMethod;
  status: AgentStatus;
  /** The verification method id (DID URL) of the agent's current key. */
  kid: string;
  createdAt: string;
}

export type KeyStatus = 'active' | 'retired';

export interface KeyRecord {
  /** The verification method id (DID URL). Primary key. */
  kid: string;
  /** The DID that controls the key. */
  controller: string;
  /** `z6Mk…` Multikey encoding of the Ed25519 public key. */
  publicKeyMultibase: string;
  /** The private key, encrypted by the key store (AES-256-GCM, AAD = kid). */
  sealedPrivateKey: Uint8Array;
  status: KeyStatus;
  createdAt: string;
  /** Why and when a retired key was retired; absent for an active key (and for one retired before this was recorded). */
  retirement?: KeyRetirement | undefined;
}

/** A key's retirement (columns `retired_at`, `retired_reason`, `compromised_since` of `keys`). */
export interface KeyRetirement {
  at: string;
  /** `expired`: nothing it signed was live any more; `compromised`: `legate key revoke`. */
  reason: 'expired' | 'compromised';
  /** For a compromise: the time from which what it signed is not trusted. */
  compromisedSince?: string | undefined;
}

export interface CredentialRecord {
  /** The credential `id` (e.g. `urn:uuid:…`). Primary key. */
  id: string;
  /** The most specific credential type, e.g. `AgentCapabilityCredential`. */
  type: string;
  issuer: string;
  subject: string;
  /**
   * Securing format: `vc+jwt` (a compact JWS) or `vc+ld+json` (the credential
   * JSON with an embedded Data Integrity proof).
   */
  format: 'vc+jwt' | 'vc+ld+json';
  /** The secured credential as transmitted: the compact JWS, or the Data Integrity credential's JSON text. */
  token: string;
  issuedAt: string;
  validUntil?: string;
}


/**
 * One Bitstring Status List (W3C Bitstring Status List v1.0) kept by this
 * node for one issuer and one purpose. The bits are the truth; `token` is the
 * signed list credential published for `version`.
 */
export interface StatusListRecord {
  /** Short id, unique in the node; the list's URL is derived from it. */
  id: string;
  /** The DID that signs the list: the issuer of every credential it covers. */
  issuer: string;
  purpose: StatusPurpose;
  /** Number of entries (bits); at least 131,072. */
  size: number;
  /** The raw bitstring, `size / 8` bytes; bit 0 is the most significant bit of byte 0. */
  bits: Uint8Array;
  /** Incremented on every change. */
  version: number;
  /** The signed list credential (`vc+jwt`) for `version`, once published. */
  token?: string;
  createdAt: string;
  updatedAt: string;
}

export interface StatusListQuery {
  issuer?: string;
  purpose?: StatusPurpose;
}

/** An index of a status list handed to one credential, for one purpose. Never reused. */
export interface StatusAllocation {
  credentialId: string;
  listId: string;
  index: number;
  purpose: StatusPurpose;
}

export type RegistryEntryKind = 'accreditation' | 'recognition';

/** One entry of this organization's trust list, as configured (see `registry/GOVERNANCE.md`). */
export interface RegistryEntryRecord {
  kind: RegistryEntryKind;
  /** The accredited issuer's DID, or the recognized list's URL. Unique per kind. */
  key: string;
  /** The entry as it appears in the published trust list (JSON). */
  entry: Record<string, unknown>;
  updatedAt: string;
}

/** One use of a capability, for budgets and rate limits. */
export interface UsageRecord {
  /**
   * What the use counts against: one credential (by issuer and id, never by
   * holder), for one capability or for the whole credential, as JSON, e.g.
   * `["usage","<issuer DID>","<credential id>","<action>","<resource>",<scope or null>]`
   * or `["usage","<issuer DID>","<credential id>","*"]` (see node/actions).
   */
  key: string;
  at: string;
  /** Decimal amount as a string (exact), with its currency, when the action carried one. */
  amount?: string;
  currency?: string;
  /**
   * When no limit can count this use any more, so `sweep` may
   * delete it: at least `at` plus the longest budget or rate-limit period
   * that reads its key. Without it the row is kept for good.
   */
  expiresAt?: string;
}

/**
 * A session this node's agent granted in a handshake (the responding side):
 * the chains behind it, so every action under it re-checks their status.
 */
export interface SessionRecord {
  /** The session token's `jti`. Primary key. */
  id: string;
  /** The credential JWTs of each chain, by leaf credential id (leaf first, root last). */
  chains: Record<string, string[]>;
  /** The session token's expiry, ISO 8601 UTC: after it no action can use the session. */
  expiresAt: string;
}

/** A session a peer granted to one of this node's agents (the initiating side), by agent and peer. */
export interface PeerSessionRecord {
  /** The agent's name. */
  agent: string;
  /** The peer agent's DID. */
  peer: string;
  /** The session token, as the peer issued it. */
  token: string;
  /** The peer's ACE endpoint, where actions under the session go. */
  endpoint: string;
  /** The session token's expiry, ISO 8601 UTC. */
  expiresAt: string;
  /** The agent's confirm of the handshake (a JWS), kept until the session's first action carries it (node/confirm-carried). */
  confirm?: string;
}

/** An acknowledge this node sent, kept so the confirm answering it can be checked. */
export interface AcknowledgeRecord {
  /** The acknowledge's message id. Primary key. */
  id: string;
  /** The acknowledge payload (`handshake/types` `AcknowledgePayload`) as JSON text. */
  payload: string;
  /** After this, ISO 8601 UTC, no confirm is accepted for it. */
  expiresAt: string;
}

/** How many rows one `sweep` deleted, per kind. */
export interface SweepResult {
  sessions: number;
  peerSessions: number;
  acknowledges: number;
  oneTimeKeys: number;
  usage: number;
}

/** The outcome of `checkIntegrity`. */
export interface IntegrityReport {
  ok: boolean;
  /** What the check found (at most 100 lines), empty when `ok`. */
  problems: string[];
  /** `quick`: page structure only (SQLite `quick_check`); `full`: also every index against its table. */
  mode: 'quick' | 'full';
}

export interface CredentialQuery {
  issuer?: string;
  subject?: string;
  type?: string;
}

/** One page of credentials in {@link CredentialQuery}'s order (oldest first, ties in insertion order). */
export interface CredentialPageQuery extends CredentialQuery {
  /** Only credentials after the one with this id in that order; an id the store does not hold gives none. */
  after?: string;
  /** At most this many (a positive integer). */
  limit: number;
}

/**
 * The repositories a transaction hands out: every port of
 * `store/ports`, one per aggregate. Services depend on the narrowest of
 * these they need; what a transaction writes through them commits together.
 */
export interface Repositories
  extends OrganizationRepository,
    AgentRepository,
    KeyRepository,
    CredentialRepository,
    StatusListRepository,
    RegistryRepository,
    ReplayRepository,
    IdempotencyRepository,
    UsageRepository,
    SessionRepository,
    AuditRepository,
    SettingsRepository,
    LeaseRepository,
    MaintenanceRepository,
    StatusSubscriptionRepository,
    ApprovalRepository,
    TrustListRepository,
    AlertRepository,
    OperatorRepository,
    ApprovalRequestRepository,
    PendingChangeRepository {}

/** How {@link Store.transaction} runs one transaction. */
export interface TransactionOptions {
  /**
   * It may change many rows (a sweep, an audit prune). SQLite commits it on
   * its own, not grouped with other writers' transactions, so it needs no
   * savepoint, and SQLite keeps no copy of the pages it changes (a
   * savepoint's journal would hold one of each, in memory, until the
   * `COMMIT`). Ignored by a nested transaction and by PostgreSQL.
   */
  bulk?: boolean;
}

/**
 * Persistence for one Legate node: the composition of the per-aggregate
 * repositories (`store/ports`) plus a transaction. All methods are async;
 * writes that must happen together go through {@link Store.transaction}.
 *
 * Conflicts (a second organization, a duplicate agent name or DID, a duplicate
 * key or credential id) throw `StoreError` with code `ERR_CONFLICT`; updates of
 * missing rows throw `ERR_NOT_FOUND`. Lookups of missing rows return
 * `undefined`. A damaged database (SQLite's `SQLITE_CORRUPT`,
 * `SQLITE_NOTADB`) throws `ERR_STORE_CORRUPT`, and after the first such
 * error every write is refused with that code: reads may go on, so the data
 * can be looked at and copied out, but nothing more is written into a file
 * SQLite cannot trust.
 */
export interface Store extends Repositories {
  /**
   * Runs `fn` atomically: every write through `tx` commits together, or none
   * does if `fn` throws (the error is rethrown). On SQLite other callers of
   * this store wait until the transaction ends; on PostgreSQL transactions
   * run side by side (READ COMMITTED), and the reads that decide a write
   * (usage before a budget, the audit chain's head, a status list, a
   * setting) take a lock held to the end of the transaction, so the result
   * is the same. Do not use the outer store inside `fn`.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>, options?: TransactionOptions): Promise<T>;

  /**
   * A value that changes whenever the organization's keys, its agents, its
   * settings (the published trust list among them) or its status lists may
   * have changed: by a write through this store (committed or rolled back) or a
   * commit by another connection to the same database. Equal stamps mean
   * none of those changed in between, so a reader may keep what it derived
   * from them. Undefined when the store cannot tell (then nothing may be
   * kept). Synchronous. On SQLite a write through this store counts at once
   * and another connection's commit from the next turn of the event loop
   * (one `PRAGMA data_version` a turn); on PostgreSQL a counter of change
   * notices (`store/postgres/changes`), so another instance's commit is seen
   * once its notice arrives.
   */
  changeStamp?(): string | undefined;

  close(): Promise<void>;
}
