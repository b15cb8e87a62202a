/**
 * @module store/types
 *
 * The `Store` contract: everything a Legate node persists, behind an async
 * interface so the embedded SQLite backend and a later PostgreSQL backend are
 * interchangeable. Every backend must pass `test/store/contract.ts`.
 *
 * Records are plain data. Private keys only ever appear sealed (encrypted by
 * the key store); a backend never sees them in the clear.
 */

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
   * When no limit can count this use any more, so {@link Store.sweep} may
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

/** How many rows one {@link Store.sweep} deleted, per kind. */
export interface SweepResult {
  sessions: number;
  peerSessions: number;
  acknowledges: number;
  oneTimeKeys: number;
  usage: number;
}

/** The outcome of {@link Store.checkIntegrity}. */
export interface IntegrityReport {
  ok: boolean;
  /** What the check found (at most 100 lines), empty when `ok`. */
  problems: string[];
  /** `quick`: page structure only (SQLite `quick_check`); `full`: also every index against its table. */
  mode: 'quick' | 'full';
}

/**
 * One entry of the hash-chained audit log, as stored. The store keeps the
 * entry's canonical JSON text verbatim and never interprets it; `seq`, `at`,
 * `hash` and `prevHash` are copies of what that text holds, for ordering and
 * lookups. Verification (in `audit/`) recomputes everything from `entry`.
 */
export interface AuditEntryRecord {
  /** 1, 2, 3, …: each append is exactly the last `seq` + 1. */
  seq: number;
  /** When the entry was appended, ISO 8601 UTC. */
  at: string;
  /** The entry as RFC 8785 canonical JSON text (it holds `seq` and `prevHash` too). */
  entry: string;
  /** SHA-256 of `entry`, lowercase hex. */
  hash: string;
  /** `hash` of the entry before (64 zeros for the first). */
  prevHash: string;
}

/** Which audit entries to list; all bounds are inclusive, results are ordered by `seq`. */
export interface AuditEntryQuery {
  fromSeq?: number;
  toSeq?: number;
  /** Entries appended at or after this ISO 8601 UTC time. */
  since?: string;
  /** At most this many entries (the lowest matching `seq`s). */
  limit?: number;
}

/** A checkpoint of the audit log: the organization's signature over the hash of entry `seq`. */
export interface AuditCheckpointRecord {
  /** The entry covered; checkpoints are written with strictly increasing `seq`. */
  seq: number;
  /** That entry's hash, as signed. */
  hash: string;
  /** When the checkpoint was made, ISO 8601 UTC. */
  at: string;
  /** The compact JWS (`typ: audit-checkpoint+jwt`) that signs it. */
  token: string;
}

export interface CredentialQuery {
  issuer?: string;
  subject?: string;
  type?: string;
}

/**
 * Persistence for one Legate node. All methods are async; writes that must
 * happen together go through {@link Store.transaction}.
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
export interface Store {
  getOrganization(): Promise<OrganizationRecord | undefined>;
  putOrganization(org: OrganizationRecord): Promise<void>;

  putAgent(agent: AgentRecord): Promise<void>;
  getAgent(name: string): Promise<AgentRecord | undefined>;
  getAgentByDid(did: string): Promise<AgentRecord | undefined>;
  /** Every agent, ordered by name. */
  listAgents(): Promise<AgentRecord[]>;
  setAgentStatus(name: string, status: AgentStatus): Promise<void>;

  putKey(key: KeyRecord): Promise<void>;
  getKey(kid: string): Promise<KeyRecord | undefined>;
  /** Keys of one controller (oldest first), or all keys. */
  listKeys(controller?: string): Promise<KeyRecord[]>;
  setKeyStatus(kid: string, status: KeyStatus): Promise<void>;

  putCredential(credential: CredentialRecord): Promise<void>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;
  /** Matching credentials, oldest first. */
  listCredentials(query?: CredentialQuery): Promise<CredentialRecord[]>;

  putStatusList(list: StatusListRecord): Promise<void>;
  getStatusList(id: string): Promise<StatusListRecord | undefined>;
  /** Matching lists, oldest first. */
  listStatusLists(query?: StatusListQuery): Promise<StatusListRecord[]>;
  /**
   * The id and size of the newest list of `issuer` for `purpose` (the one
   * {@link listStatusLists} would give last), without reading its bits: what
   * allocating an index needs. Undefined when there is none.
   */
  latestStatusList(issuer: string, purpose: StatusPurpose): Promise<Pick<StatusListRecord, 'id' | 'size'> | undefined>;
  /** Replaces a list's bits, version, token and update time. */
  updateStatusList(id: string, change: Pick<StatusListRecord, 'bits' | 'version' | 'updatedAt'> & { token?: string }): Promise<void>;
  /**
   * Records an allocation. An index already handed out in that list, or a
   * second allocation of one credential for one purpose, is `ERR_CONFLICT`.
   */
  putStatusAllocation(allocation: StatusAllocation): Promise<void>;
  /** A credential's allocations (one per purpose). */
  getStatusAllocations(credentialId: string): Promise<StatusAllocation[]>;
  /** Whether `index` of `listId` has been handed out. */
  isStatusIndexAllocated(listId: string, index: number): Promise<boolean>;
  /** How many indexes of `listId` have been handed out. */
  countStatusAllocations(listId: string): Promise<number>;

  /** Adds or replaces the entry of that kind and key. */
  putRegistryEntry(entry: RegistryEntryRecord): Promise<void>;
  /** Removes the entries with that key (of either kind); returns how many there were. */
  removeRegistryEntry(key: string): Promise<number>;
  /** Every entry, accreditations first, then by key. */
  listRegistryEntries(): Promise<RegistryEntryRecord[]>;

  /**
   * Claims a one-time key (a message id, nonce or jti) until `expiresAt`.
   * Returns false when the key is already claimed and not expired: a replay.
   * Expired claims are forgotten.
   */
  claimOnce(key: string, expiresAt: string, now: string): Promise<boolean>;

  /** Records one use of a capability. */
  recordUsage(usage: UsageRecord): Promise<void>;
  /** Uses of `key` at or after `since`, oldest first (`expiresAt` is not returned). */
  listUsage(key: string, since: string): Promise<UsageRecord[]>;

  /** Records a session this node issued; a second one with the same id is `ERR_CONFLICT`. */
  putSession(session: SessionRecord): Promise<void>;
  /** The session with that id, until a sweep after its expiry removes it. */
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Records (or replaces) the session `agent` holds with `peer`. */
  putPeerSession(session: PeerSessionRecord): Promise<void>;
  /** The session `agent` holds with `peer`, until a sweep after its expiry removes it. */
  getPeerSession(agent: string, peer: string): Promise<PeerSessionRecord | undefined>;
  /** Records an acknowledge this node sent; a second one with the same id is `ERR_CONFLICT`. */
  putAcknowledge(acknowledge: AcknowledgeRecord): Promise<void>;
  /** The acknowledge with that id, until a sweep after its expiry removes it. */
  getAcknowledge(id: string): Promise<AcknowledgeRecord | undefined>;
  /**
   * Deletes everything whose lifetime ended at or before `now` (ISO 8601
   * UTC): sessions, peer sessions, acknowledges, one-time keys, and usage rows
   * with an `expiresAt`. One transaction. Lookups may return expired rows
   * until a sweep; callers check expiry themselves.
   */
  sweep(now: string): Promise<SweepResult>;

  /**
   * Runs the backend's integrity check (for SQLite, `PRAGMA quick_check` or
   * `integrity_check`; a full check reads every page). A failed check marks
   * the store damaged: from then on it refuses writes with
   * `ERR_STORE_CORRUPT`, as it does after any corruption error.
   */
  checkIntegrity(options?: { quick?: boolean }): Promise<IntegrityReport>;

  /**
   * Appends one audit entry. Its `seq` must be exactly the last entry's `seq`
   * + 1 (1 for the first), checked atomically with the insert; anything else
   * is `ERR_CONFLICT`, so concurrent writers can never fork or gap the log.
   */
  appendAuditEntry(entry: AuditEntryRecord): Promise<void>;
  /** The entry with the highest `seq`. */
  lastAuditEntry(): Promise<AuditEntryRecord | undefined>;
  /** Matching entries, ordered by `seq`. */
  listAuditEntries(query?: AuditEntryQuery): Promise<AuditEntryRecord[]>;
  /** Records a checkpoint; a `seq` not above the last checkpoint's is `ERR_CONFLICT`. */
  putAuditCheckpoint(checkpoint: AuditCheckpointRecord): Promise<void>;
  /** Every checkpoint, ordered by `seq`. */
  listAuditCheckpoints(): Promise<AuditCheckpointRecord[]>;
  /** The checkpoint with the highest `seq`. */
  lastAuditCheckpoint(): Promise<AuditCheckpointRecord | undefined>;

  /** A small named value (node settings, published-document versions). */
  getSetting(name: string): Promise<string | undefined>;
  putSetting(name: string, value: string): Promise<void>;

  // --- Leases: which instance of a fleet runs a scheduled job ---
  /**
   * Takes or renews the lease `name` for `holder` until `until` (ISO 8601),
   * atomically: true when it was free, had expired by `now`, or was already
   * `holder`'s; false while another holder's lease runs.
   */
  acquireLease(name: string, holder: string, until: string, now: string): Promise<boolean>;

  /**
   * Runs `fn` atomically: every write through `tx` commits together, or none
   * does if `fn` throws (the error is rethrown). Other callers of this store
   * wait until the transaction ends. Do not use the outer store inside `fn`.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}
