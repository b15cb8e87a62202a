/**
 * @module lib/peer-error
 *
 * What a remote party may learn of a failure its own message caused. A
 * stranger's credential can name any URL; if the reply said whether that
 * URL's host refused, timed out, was refused by the address policy, or
 * answered garbage, the node would be a port scanner for hire. So every
 * failure to obtain something over the network reaches the peer as one
 * fixed code and message per kind of thing (a DID, a status list, a trust
 * list); the detailed error stays local (the audit log, the operator's CLI).
 * Internal.
 */

import { LegateError, legateError } from '../errors/index.js';
// Codes of the outbound HTTP client itself: none of them may reach a peer.
import { TRANSPORT_CODES } from './http-errors.js';

const DID_UNRESOLVABLE = 'a DID could not be resolved';
const STATUS_UNAVAILABLE = 'a status list could not be obtained';
const TRUST_LIST_UNAVAILABLE = 'a trust list could not be obtained';

/** The fixed error a peer is told for `error`, when it concerns obtaining something remote; `undefined` otherwise. */
function generic(error: LegateError): LegateError | undefined {
  const { code, claim } = error;
  if (code === 'ERR_DID_UNRESOLVABLE' || TRANSPORT_CODES.has(code)) {
    return legateError('ERR_DID_UNRESOLVABLE', DID_UNRESOLVABLE, { claim: code === 'ERR_DID_UNRESOLVABLE' ? claim : undefined });
  }
  if (code === 'ERR_STATUS_UNAVAILABLE' || (code === 'ERR_INPUT_TOO_LARGE' && claim === 'statusListCredential')) {
    return legateError('ERR_STATUS_UNAVAILABLE', STATUS_UNAVAILABLE, { claim: 'credentialStatus' });
  }
  if (code === 'ERR_TRUST_LIST_UNAVAILABLE' || (code === 'ERR_INPUT_TOO_LARGE' && claim === 'trustList')) {
    return legateError('ERR_TRUST_LIST_UNAVAILABLE', TRUST_LIST_UNAVAILABLE, { claim: 'trustList' });
  }
  return undefined;
}

/**
 * `error` as a remote peer may see it: network-derived failures become one
 * fixed error per kind (keeping the local one as `cause`, which replies
 * never carry); anything else is returned as it is.
 */
export function forPeer<E>(error: E): E | LegateError {
  if (!(error instanceof LegateError)) return error;
  const replacement = generic(error);
  if (replacement === undefined) return error;
  return Object.assign(replacement, { cause: error });
}

/** True when `forPeer` would replace `error`: its detail is for the local log only. */
export function isNetworkDerived(error: unknown): boolean {
  return error instanceof LegateError && generic(error) !== undefined;
}
