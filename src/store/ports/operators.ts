/**
 * @module store/ports/operators
 *
 * The console's operators (table `operators`) and their signed-in sessions
 * (table `operator_sessions`), kept in the store so every instance of a
 * fleet knows them: a session opened on one instance is valid on all, and a
 * lockout counts failures made on any. A session is found by the SHA-256 of
 * its token; the token itself is never stored.
 */

/** The roles of the people who run a node, weakest first (node/operators/roles). */
export type OperatorRole = 'viewer' | 'approver' | 'admin';

/** One operator account. */
export interface OperatorRecord {
  /** `[a-z0-9._-]{1,64}`. Primary key. */
  name: string;
  role: OperatorRole;
  /** A self-describing scrypt hash: `scrypt$N$r$p$salt$hash` (base64url). */
  passwordHash: string;
  /** The TOTP secret, sealed with the node's master key; absent when TOTP is off. */
  totpSecret?: Uint8Array | undefined;
  /** The last TOTP time step accepted, so a code is never accepted twice. */
  totpLastStep?: number | undefined;
  /** Failed sign-ins since the last success or unlock. */
  failedCount: number;
  /** ISO 8601: sign-in refused until then. */
  lockedUntil?: string | undefined;
  /** The operator's own did:key (the node holds its key), for the approvals it signs. */
  did?: string | undefined;
  createdAt: string;
  /** Set when removed: a disabled operator signs in no more and keeps its name. */
  disabledAt?: string | undefined;
}

/** One signed-in session. */
export interface OperatorSessionRecord {
  /** SHA-256 (hex) of the session token the cookie carries. */
  id: string;
  operator: string;
  /** The token every change must carry back (form field or header). */
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  /** The absolute end of the session (ISO 8601). */
  expiresAt: string;
}

/** What {@link OperatorRepository.updateOperator} may change. */
export type OperatorPatch = Partial<Pick<OperatorRecord, 'role' | 'passwordHash' | 'totpSecret' | 'totpLastStep' | 'failedCount' | 'lockedUntil' | 'did' | 'disabledAt'>>;

export interface OperatorRepository {
  /** Stores a new operator; false when the name is taken. */
  putOperator(operator: OperatorRecord): Promise<boolean>;
  getOperator(name: string): Promise<OperatorRecord | undefined>;
  /** Every operator, by name. */
  listOperators(): Promise<OperatorRecord[]>;
  /** Changes the fields given (a field given as undefined is cleared); the record after, or undefined for an unknown name. */
  updateOperator(name: string, patch: OperatorPatch): Promise<OperatorRecord | undefined>;
  /**
   * Counts one failed sign-in in one statement (so instances failing at once
   * all count): when the count reaches `max`, the account is locked until
   * `lockUntil` and the count starts over. The record after.
   */
  recordSignInFailure(name: string, max: number, lockUntil: string): Promise<OperatorRecord | undefined>;
  /** Accepts TOTP step `step` only when it is after the last one accepted; true when this call took it. */
  claimTotpStep(name: string, step: number): Promise<boolean>;
  putOperatorSession(session: OperatorSessionRecord): Promise<void>;
  getOperatorSession(id: string): Promise<OperatorSessionRecord | undefined>;
  touchOperatorSession(id: string, at: string): Promise<void>;
  deleteOperatorSession(id: string): Promise<void>;
  /** Ends every session of `operator`; returns how many. */
  deleteOperatorSessions(operator: string): Promise<number>;
  /** Deletes sessions that ended (absolutely) before `now`; returns how many. */
  sweepOperatorSessions(now: string): Promise<number>;
}
