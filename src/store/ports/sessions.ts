/**
 * @module store/ports/sessions
 *
 * Handshake state: sessions this node granted, sessions peers granted to its
 * agents, and the acknowledges awaiting a confirm. Lookups may return
 * expired rows until a sweep; callers check expiry themselves.
 */

import type { AcknowledgeRecord, PeerSessionRecord, SessionRecord } from '../types.js';

/** Sessions on both sides of a handshake, and pending acknowledges. */
export interface SessionRepository {
  /** Records a session this node issued; a second one with the same id is `ERR_CONFLICT`. */
  putSession(session: SessionRecord): Promise<void>;
  /**
   * Keeps a session whose id names its content (the same id always carries
   * the same chains, as a hash of them does): written when absent, its expiry
   * raised when it ends before `session.expiresAt`, else nothing is written.
   * Written or raised, it is kept an hour past that expiry, so the next ones
   * asking for it rarely write. Never `ERR_CONFLICT`: two writers of one id
   * agree on its content.
   */
  keepSession(session: SessionRecord): Promise<void>;
  /** The session with that id, until a sweep after its expiry removes it. */
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Records (or replaces) the session `agent` holds with `peer`. */
  putPeerSession(session: PeerSessionRecord): Promise<void>;
  /** The session `agent` holds with `peer`, until a sweep after its expiry removes it. */
  getPeerSession(agent: string, peer: string): Promise<PeerSessionRecord | undefined>;
  /** Forgets the pending confirm of the session `agent` holds with `peer`, if it is still `confirm` (a later handshake's stays). */
  forgetPeerConfirm(agent: string, peer: string, confirm: string): Promise<void>;
  /** Records an acknowledge this node sent; a second one with the same id is `ERR_CONFLICT`. */
  putAcknowledge(acknowledge: AcknowledgeRecord): Promise<void>;
  /** The acknowledge with that id, until a sweep after its expiry removes it. */
  getAcknowledge(id: string): Promise<AcknowledgeRecord | undefined>;
}
