/**
 * @module credential/types
 *
 * The shape of an `AgentCapabilityCredential` (W3C VCDM 2.0) as Legate issues
 * it. The JSON Schema in `schemas/agent-capability-credential.json` is the
 * normative definition; these types mirror it.
 */

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const LEGATE_CONTEXT = 'https://legate.dev/ns/v1';
export const CAPABILITY_CREDENTIAL_TYPE = 'AgentCapabilityCredential';
export const CAPABILITY_SCHEMA_ID = 'https://legate.dev/schemas/agent-capability-credential/1.0.0.json';

export interface Money {
  value: number;
  currency: string;
}

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';

/** Limits on a capability (or shared by all capabilities of a credential). */
export interface Constraints {
  /** Largest amount one action may carry. */
  maxAmount?: Money;
  /** Cumulative spend allowed per ISO 8601 period, tracked by the verifier. */
  budget?: Money & { period: string };
  /** When the capability may be used, in an IANA time zone. */
  timeWindow?: { days: Weekday[]; start: string; end: string; timeZone: string };
  /** At most `count` actions per ISO 8601 period. */
  rateLimit?: { count: number; period: string };
  /** Every use needs a human approval. */
  requireApproval?: boolean;
  /** Verifier DIDs the capability may be presented to. */
  audience?: string[];
  /**
   * Oldest status (revocation, suspension) a verifier may rely on, as an
   * ISO 8601 duration (`PT30S`): a verifier refetches a cached list older
   * than this. The strictest of this, the verifier's own bound and its
   * policy applies.
   */
  maxStatusAge?: string;
}

/** What an agent may do: an action on a resource, optionally scoped and constrained. */
export interface Capability {
  /** An action name, or `*`. */
  action: string;
  /** Colon-separated segments; a final `*` segment matches any suffix. */
  resource: string;
  /** A tag the verifier must honour; a scoped capability never satisfies an unscoped request. */
  scope?: string;
  constraints?: Constraints;
}

export interface Delegation {
  /** The id of the parent credential; absent for a root credential. */
  parent?: string;
  /** 0 for a root credential, parent depth + 1 for a child. */
  depth: number;
  /** The deepest a chain from this root may go. */
  maxDepth: number;
}

export interface CapabilitySubject {
  /** The agent's DID. */
  id: string;
  /** The accountable human owner, a URI. */
  owner: string;
  /**
   * The id of the credential whose usage this one continues: set when a
   * node renews a credential or reassigns it to another agent, so budgets
   * and rate limits carry over instead of starting afresh. Usage is counted
   * under the lineage (per issuer); a credential without one starts its own.
   */
  lineage?: string;
  agent?: { name: string; version?: string };
  capabilities: Capability[];
  constraints?: Constraints;
  delegation?: Delegation;
}

export interface StatusEntry {
  id?: string;
  type: string;
  statusPurpose?: string;
  statusListIndex?: string;
  statusListCredential?: string;
}

export interface AgentCapabilityCredential {
  '@context': string[];
  id: string;
  type: string[];
  issuer: string | { id: string; name?: string };
  validFrom: string;
  validUntil?: string;
  credentialSchema?: { id: string; type: 'JsonSchema' };
  credentialStatus?: StatusEntry | StatusEntry[];
  credentialSubject: CapabilitySubject;
}

/** The issuer DID of a credential, whichever form `issuer` takes. */
export function issuerId(credential: { issuer?: unknown }): string | undefined {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (typeof issuer === 'object' && issuer !== null && typeof (issuer as { id?: unknown }).id === 'string') {
    return (issuer as { id: string }).id;
  }
  return undefined;
}

/**
 * The id a credential's usage is counted under: its lineage (the credential
 * it renews or replaces, see {@link CapabilitySubject.lineage}), else its own id.
 */
export function usageIdOf(credential: Pick<AgentCapabilityCredential, 'id' | 'credentialSubject'>): string {
  return credential.credentialSubject.lineage ?? credential.id;
}
