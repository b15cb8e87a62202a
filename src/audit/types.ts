/**
 * @module audit/types
 *
 * The shapes of the audit log (DESIGN.md, "Audit log"): an entry records one
 * decision of the node (what was decided, about which action and resource,
 * for which agent on whose authority, with which credentials, for what
 * reasons, and the signed action itself) and holds the hash of the entry
 * before it, so the entries form a SHA-256 hash chain over RFC 8785
 * canonical JSON. Checkpoints are the organization's signatures over the hash
 * of one entry, so truncation and rewriting behind them are detectable.
 */

import type { Resolvable } from 'did-resolver';
import type { ErrorCode } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/types.js';
import type { DigestMemo } from './memo.js';

/** What kind of decision an entry records. */
export const AUDIT_ENTRY_TYPES = [
  'issuance',
  'revocation',
  'status-change',
  'delegation',
  'handshake',
  'action',
  'registry-change',
  'agent',
  'key',
  /** An OAuth access token issued or refused at `POST /oauth/token`. */
  'token',
  /** An introspection answer (RFC 7662). */
  'introspection',
  /** An AuthZEN access evaluation (a policy decision for a resource server or gateway). */
  'evaluation',
  /** An operator acknowledged an alert (`details.operator`, `details.alert`). */
  'alert',
  /** The approval inbox (node/approvals): a request stored, approved, denied or retried (`details.request`; `details.operator` when a console operator decided). */
  'approval',
  /** A change an operator asked for that waits for a second operator, or its cancellation (node/changes); its execution is the revocation, status change or agent entry itself. */
  'operator-change',
  /** A console operator added, changed or removed, a sign-in (allowed or refused) or a sign-out (`details.operator`: who acted; `details.name`: whose account). */
  'operator',
  /** A minute's refusals of unauthenticated input beyond the log's per-minute limits, summed up (node/audit). */
  'refusals',
  /** The last entry of a chain: its instance stopped (`node.close()`), or its liveness lease lapsed (`details.reason: 'lapsed'`, written by the checkpoint job); nothing may follow it. */
  'chain-close',
  /** The first entry of a chain an instance opened (`AuditLog.chain`): written by `appendAudit` itself, never by a caller. */
  'chain-open',
  /** Entries pruned behind a signed checkpoint after their export (node/audit-prune): `details.through`, `details.entries`, `details.bundle` (the SHA-256 of the bundle written). */
  'retention',
] as const;

export type AuditEntryType = (typeof AUDIT_ENTRY_TYPES)[number];

/** The outcome, as `capability/authorize` names it. Handshakes: `allow` = accepted, `deny` = rejected. */
export const AUDIT_DECISIONS = ['allow', 'deny', 'approval_required'] as const;

export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/** `prevHash` of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The JWS `typ` of a checkpoint. */
export const AUDIT_CHECKPOINT_TYP = 'audit-checkpoint+jwt';

/** Longest DID, id, action or resource string an entry holds, in characters. */
export const MAX_AUDIT_STRING = 2048;
/** Most items in `chain`, `credentials` or `reasons`. */
export const MAX_AUDIT_LIST = 32;
/** Largest `details`, as UTF-8 bytes of its canonical JSON. */
export const MAX_AUDIT_DETAILS_BYTES = 8 * 1024;
/** Longest `signedAction` (the compact JWS), in characters; as `node/actions` accepts. */
export const MAX_AUDIT_SIGNED_ACTION = 128 * 1024;
/** Longest entry, as canonical JSON text: appends refuse longer, reads treat longer as corrupt. */
export const MAX_AUDIT_ENTRY_TEXT = 512 * 1024;

/**
 * What a caller records; {@link appendAudit} adds `seq`, `at` and `prevHash`.
 * Members left `undefined` are omitted from the entry.
 */
export interface AuditFields {
  type: AuditEntryType;
  decision?: AuditDecision | undefined;
  /** The action requested, e.g. `call`. */
  action?: string | undefined;
  /** The resource it concerns, e.g. `billing:refund`, a credential id, a DID. */
  resource?: string | undefined;
  /** The DID of the agent that acted (or was acted upon). */
  agent?: string | undefined;
  /** The accountable human owner, a URI. */
  owner?: string | undefined;
  /** Attribution: the agent, then each delegator, out to the owner. */
  chain?: readonly string[] | undefined;
  /** The session (token id) the action ran under. */
  session?: string | undefined;
  /** Ids of the credentials the decision relied on. */
  credentials?: readonly string[] | undefined;
  /** Reason codes (`ERR_…`), above all for denials. */
  reasons?: readonly string[] | undefined;
  /** The signed action itself, as the compact JWS received. */
  signedAction?: string | undefined;
  /** For an action allowed with a human approval: the DID that signed the approval. */
  approver?: string | undefined;
  /** That approval's credential id. */
  approval?: string | undefined;
  /** Anything else worth keeping, as a JSON object (at most {@link MAX_AUDIT_DETAILS_BYTES}). */
  details?: Readonly<Record<string, unknown>> | undefined;
}

/** One entry, exactly as hashed: `hash = SHA-256(canonicalJson(entry))`. */
export interface AuditEntry {
  /** The chain it belongs to (`audit/chain`); absent in entries written before chains existed. */
  chainId?: string;
  /** Its position in its chain: 1, 2, 3, … */
  seq: number;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  type: AuditEntryType;
  decision?: AuditDecision;
  action?: string;
  resource?: string;
  agent?: string;
  owner?: string;
  chain?: string[];
  session?: string;
  credentials?: string[];
  reasons?: string[];
  signedAction?: string;
  approver?: string;
  approval?: string;
  details?: Record<string, unknown>;
  /** The hash of entry `seq - 1` of the same chain, or {@link GENESIS_HASH}. */
  prevHash: string;
}

/** An entry with its hash, as read back, exported, or shown. */
export type HashedAuditEntry = AuditEntry & { hash: string };

/** A signed checkpoint. */
export interface AuditCheckpoint {
  /** How many entries it covers, over all chains (with one chain: the seq of its head). */
  seq: number;
  /** The hash of the chain heads it lists (before chains: of the entry covered). */
  hash: string;
  /** When it was made. */
  at: string;
  /** The compact JWS, `typ: audit-checkpoint+jwt`, over `{ iss, seq, hash, at }`. */
  token: string;
}

/** When {@link appendAudit} writes a checkpoint: whichever comes first. */
export interface CheckpointPolicy {
  /** Entries since the last checkpoint; default 100. */
  entries?: number | undefined;
  /** Seconds since the last checkpoint (or the first entry); default 300. */
  seconds?: number | undefined;
}

/**
 * Where and how to log. A `NodeContext` is accepted wherever an `AuditLog`
 * is: it logs to the node's store and checkpoints with the organization's
 * newest active key.
 */
export interface AuditLog {
  store: Store;
  /**
   * The chain this log appends to; default the store's own chain (kept in its
   * settings, see `audit/chain`). A chain named here starts with a
   * `chain-open` entry, written with its first entry.
   */
  chain?: string | undefined;
  /** Non-secret details the `chain-open` entry of a fresh {@link AuditLog.chain} records (say, when its instance started). */
  opening?: Readonly<Record<string, unknown>> | undefined;
  clock?: Clock | undefined;
  /** Who signs checkpoints. Without it, appends never checkpoint and {@link checkpointAudit} throws. */
  checkpoints?:
    | {
        /** The organization's DID: `iss`, and whose DID document verifies the signature. */
        issuer: string;
        /** Called only when a checkpoint is due, so keys are not unlocked for every append. */
        signer: () => Promise<Signer>;
        policy?: CheckpointPolicy | undefined;
        /** Whether appends write a due checkpoint themselves; default true. False where a scheduled job writes them (`node/audit-jobs`). */
        inline?: boolean | undefined;
      }
    | undefined;
  /**
   * What one writer (a node) remembers between its appends, so each append
   * reads and parses less: give the same object to every append of one
   * writer, or none. Only what never changes once committed is kept.
   */
  memo?: AuditMemo | undefined;
  /**
   * True when {@link AuditLog.store} is a transaction its caller ends as a
   * whole, failing it on any error of the append (the entry is then never
   * committed apart from the decision it records): the append runs in it
   * directly, without a nested transaction (savepoint) of its own.
   */
  enclosed?: boolean | undefined;
}

/** See {@link AuditLog.memo}. Filled by `appendAudit`; start with `{}`. */
export interface AuditMemo {
  /** The store's own chain id, once read from committed settings (it never changes). */
  storeChain?: string;
  /** The last checkpoint token read, with what it covers (a token's coverage is a function of its text). */
  coverage?: { token: string; covered: ReadonlyMap<string, { seq: number; state: 'open' | 'closed' }> };
  /**
   * What this log appended lately, by `chain` and `seq`: the hash and
   * digest of each entry as written (`audit/memo`, at most 10,000 a
   * chain). The next checkpoint signs the digest of an entry whose stored
   * hash is still that one without reading the entry back; anything else
   * (another instance's chain, an entry since evicted, a rolled-back
   * append whose seq was taken again) it reads and checks.
   */
  digests?: DigestMemo;
}

/** Why verification stopped trusting the log at `firstBad.seq`. */
export type AuditTamperReason = 'changed' | 'removed' | 'inserted' | 'reordered' | 'truncated' | 'bad-checkpoint';

/** The first problem found. */
export interface AuditProblem {
  /** The chain it was found in (absent for a checkpoint's own problem). */
  chain?: string;
  /** The first sequence number that cannot be trusted. */
  seq: number;
  /** `ERR_AUDIT_TAMPERED`, or for a bad checkpoint the code of its verification failure. */
  code: ErrorCode;
  reason: AuditTamperReason;
  message: string;
}

export interface VerifyAuditOptions {
  store: Store;
  /** Resolves the organization's DID document, to check checkpoint signatures. */
  resolver: Resolvable;
  /** The organization that signs checkpoints; default the store's organization. */
  issuer?: string | undefined;
  /** Start at the checkpoint with this `seq`, trusting what it signs instead of re-reading earlier entries. */
  fromCheckpoint?: number | undefined;
}

/** What verification found in one chain. */
export interface AuditChainVerification {
  id: string;
  ok: boolean;
  entries: number;
  lastSeq: number;
  /** `closed` when a checkpoint signed it closed (its last entry is `chain-close`). */
  state: 'open' | 'closed';
  /** The chain's head as the last checkpoint that verified and matches the chain signed it. */
  lastCheckpoint?: { seq: number; hash: string; at: string };
  firstBad?: AuditProblem;
}

export interface AuditVerification {
  ok: boolean;
  /** Each chain, the one written before chains existed first, then by id. */
  chains: AuditChainVerification[];
  /** Entries read, in all chains. */
  entries: number;
  /** The highest `seq` of any chain (0 when empty). */
  lastSeq: number;
  /** Checkpoints whose signatures verified. */
  checkpoints: number;
  /** With a single chain: that chain's head as the last checkpoint that verified and matches it signed it. */
  lastCheckpoint?: { seq: number; hash: string; at: string };
  firstBad?: AuditProblem;
}
