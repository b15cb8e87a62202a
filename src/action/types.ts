/**
 * @module action/types
 *
 * The shape of a signed action (DESIGN "Signed actions"): the payload of a
 * compact JWS (`typ: action+jwt`) an agent signs to invoke one action at a
 * verifier under its session. `schemas/signed-action.json` is normative.
 */

/** JWS `typ` of a signed action. */
export const ACTION_TYP = 'action+jwt';

export const SIGNED_ACTION_SCHEMA_FILE = 'signed-action.json';

/** Longest signed action accepted, in characters (it carries the session token and perhaps an approval). */
export const MAX_ACTION_LENGTH = 64 * 1024;

/** Largest `params`, as canonical JSON characters. */
export const MAX_PARAMS_LENGTH = 16 * 1024;

/** Deepest nesting of `params`. */
export const MAX_PARAMS_DEPTH = 16;

/** JSON parameters of an action. */
export type ActionParams = Record<string, unknown>;

/** What an action hash covers: everything that says what is done, where and by whom, but not when. */
export interface ActionFields {
  /** The agent's DID. */
  iss: string;
  /** The verifier's DID. */
  aud: string;
  action: string;
  resource: string;
  scope?: string | undefined;
  params: ActionParams;
  /** Base64url SHA-256 of the request body, when there is one. */
  bodyHash?: string | undefined;
}

export interface SignedActionPayload extends ActionFields {
  /** Unique per action; replays are refused. */
  jti: string;
  /** Seconds since the epoch; must be within the clock skew. */
  iat: number;
  /** The session token the verifier issued in the handshake. */
  session: string;
  /** An `ApprovalCredential` vc+jwt bound to this action's hash, when the action needs one. */
  approval?: string;
  /** An ApproverCredential vc+jwt: the agent's organization attests the approval's signer (action/approver-credential). */
  approverCredential?: string;
}
