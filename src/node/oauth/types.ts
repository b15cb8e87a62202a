/**
 * @module node/oauth/types
 *
 * What the node's OAuth and AuthZEN faces exchange with the node (#15):
 * endpoint-shaped requests (the form, the headers that matter) and
 * responses (status, JSON body, headers), so the HTTP routes stay thin and
 * the OAuth error format (RFC 6749 §5.2, RFC 6750 §3, RFC 9449) is decided
 * in one place, here in the node.
 */

/** One endpoint's answer: a status, a JSON body and the headers to send (`DPoP-Nonce`, `Cache-Control`, `WWW-Authenticate`). */
export interface EndpointResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** `POST /oauth/token`: the form body and the `DPoP` header. */
export interface TokenEndpointRequest {
  form: URLSearchParams;
  dpop: string | undefined;
  /** Why the route could not read the body as a form (content type, encoding): answered in the endpoint's error form, with a nonce. */
  refused?: Error;
}

/** `POST /oauth/introspect`: the form body (token, client authentication). */
export interface IntrospectionRequest {
  form: URLSearchParams;
}

/** `POST /access/v1/evaluation(s)`: the `Authorization` header (the caller's client assertion) and the JSON body. */
export interface EvaluationRequest {
  authorization: string | undefined;
  body: unknown;
}

/** `legate token`: an agent of this node asks another node's authorization server for a token. */
export interface RequestTokenOptions {
  /** The agent's name on this node. */
  agent: string;
  /** The authorization server's issuer URL. */
  from: string;
  /** The resource (RFC 8707) the token is for. */
  resource: string;
  /** Capabilities asked for, as Legate scope strings (`action:resource[#scope]`). */
  scope?: readonly string[];
  /** Ask for a Bearer token (only when the server allows them); default DPoP. */
  bearer?: boolean;
}

/** What `legate token` obtains: the token, how it is bound, and the DPoP key to use it with. */
export interface RequestedToken {
  accessToken: string;
  tokenType: 'DPoP' | 'Bearer';
  expiresIn: number;
  scope: string;
  /** The granted details, as the server returned them. */
  authorizationDetails: unknown[];
  /** What was asked for and refused, with codes. */
  rejected: { action: string; resource: string; scope?: string; code: string }[];
  /** The DPoP key: its thumbprint (`cnf.jkt`) and its private JWK, for the process that will use the token. */
  dpop?: { jkt: string; privateJwk: Record<string, string> };
}
