/**
 * @module console/types
 *
 * What the console's routes know about the request: the operator signed in
 * (set by the session guard) and the session's CSRF token, which every form
 * or `fetch` that changes something carries back.
 */

import type { OperatorRole } from '../node/operators/roles.js';

/** The operator signed in, as the session guard sets it. */
export interface ConsoleOperator {
  name: string;
  role: OperatorRole;
  /** The operator's own DID (a key the node holds), for the approvals it signs. */
  did?: string | undefined;
}

/** Hono's environment for console routes. */
export interface ConsoleEnv {
  Variables: {
    operator: ConsoleOperator;
    /** The session's CSRF token, for forms (hidden `csrf` field) and `fetch` (`X-CSRF-Token` header). */
    csrfToken: string;
  };
}
