/**
 * @module oauth/act
 *
 * Who stands behind a token, in the one reading Legate uses for access
 * tokens and session tokens alike (RFC 8693 §4.1, as
 * draft-oauth-ai-agents-on-behalf-of-user reads it): `sub` is the
 * accountable human owner, the principal the token is about; the outermost
 * `act` is the current actor (the agent that holds the token); each nested
 * `act` is the actor before it, up the delegation chain. The issuing
 * organization is not an actor: each capability's credential names it.
 * Implemented in `delegation/act`, which `session/` shares (it cannot import
 * `oauth/` without a cycle through `handshake/`).
 */

export { MAX_ACT_DEPTH, actorsOfAct, attributionOf, principalAndActors } from '../delegation/act.js';
