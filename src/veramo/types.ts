/**
 * @module veramo/types
 *
 * The methods `LegatePlugin` adds to a Veramo agent ({@link ILegate}), their
 * arguments and their results. Every argument and result is plain JSON (a
 * Veramo agent may be remote): credentials travel as `vc+jwt` strings or
 * decoded objects, times as ISO 8601 strings, and failed checks as
 * {@link LegateErrorJson} objects carrying Legate's stable error codes.
 * Credentials are given in either securing form, as a `vc+jwt` string or as
 * a Data Integrity credential (its object, or its JSON text).
 * `schema.ts` states the same shapes in Veramo's plugin schema format.
 */

import type { IAgentContext, IDIDManager, IKeyManager, IPluginMethodMap, IResolver } from '@veramo/core';
import type { AuthorizationRequest, DecisionReason } from '../capability/authorize.js';
import type { AgentCapabilityCredential, Capability, CapabilitySubject, Constraints, Money, StatusEntry } from '../credential/types.js';
import type { AttributionEntry } from '../delegation/verify-chain.js';
import type { ErrorCode } from '../errors/index.js';
import type { StatusOutcome } from '../status/check.js';
import type { StatusPurpose } from '../status/types.js';
import type { AuthorizationAnswer, RecognitionAnswer } from '../registry/query.js';

/** A failed check or a refused argument, as `LegateError.toJSON()` gives it. */
export interface LegateErrorJson {
  code: ErrorCode;
  message: string;
  /** The claim, field or argument concerned. */
  claim?: string;
  /** A short machine reason refining the code. */
  reason?: string;
}

/**
 * The agent methods the plugin uses when they are there, none required:
 * `resolveDid` (DIDResolverPlugin) to resolve DIDs, `didManagerGet` and
 * `keyManagerSign` (DIDManager, KeyManager) to sign with the agent's own keys.
 */
export type LegateContext = IAgentContext<IResolver & IDIDManager & IKeyManager>;

/**
 * A credential as carried: a compact JWS (`vc+jwt`, or a VCDM 1.1 JWT), or a
 * credential secured with a Data Integrity proof, as its object or its JSON text.
 */
export type LegateSecuredCredential = string | Record<string, unknown>;

/** Arguments of `legateIssueCapabilityCredential`. */
export interface LegateIssueArgs {
  /** The issuer's DID: one of the plugin's signers, or a DID the agent manages. */
  issuer: string;
  /** The agent the credential is about, its owner and its capabilities. */
  subject: CapabilitySubject;
  /** Which key of the issuer signs: a verification method id, or the agent's key id. Default: the first that fits. */
  kid?: string;
  /** The credential id; default a fresh `urn:uuid:`. */
  id?: string;
  /** ISO 8601; default now. */
  validFrom?: string;
  /** ISO 8601, an absolute end of validity. */
  validUntil?: string;
  /** A duration from `validFrom` (`P30D`, `12h`); ignored when `validUntil` is set. */
  validFor?: string;
  /** Status entries (revocation, suspension) in lists the issuer publishes. */
  credentialStatus?: StatusEntry[];
  /** `jwt` (default): a VCDM 2.0 `vc+jwt`; `jwt-vc1`: a VCDM 1.1 JWT, for verifiers that only speak 1.1; `di`: a Data Integrity proof (`eddsa-rdfc-2022`). */
  format?: 'jwt' | 'jwt-vc1' | 'di';
}

/** An issued credential. */
export interface LegateIssuedCredential {
  id: string;
  /** How it is secured. */
  format: 'jwt' | 'jwt-vc1' | 'di';
  /**
   * What is carried, stored, and given to the other methods: the JWT, or
   * (`di`) the credential with its Data Integrity proof.
   */
  secured: LegateSecuredCredential;
  /** The credential itself, without its securing. */
  credential: AgentCapabilityCredential;
}

/** Arguments of `legateDelegateCapability`. */
export interface LegateDelegateArgs {
  /** The parent credential, in either securing form; its subject is the delegating agent, whose key signs. */
  parent: LegateSecuredCredential;
  /** The receiving agent's DID. */
  to: string;
  /** What the child may do: each capability must narrow one of the parent's. */
  capabilities: Capability[];
  /** Shared constraints of the child; the parent's still apply and must be restated. */
  constraints?: Constraints;
  agent?: { name: string; version?: string };
  /** How deep the chain may still grow; never more than the parent allows. */
  maxDepth?: number;
  /** Validity from now; capped at the parent's end of validity. */
  validFor?: string;
  id?: string;
  credentialStatus?: StatusEntry[];
  /** Which key of the delegating agent signs (as for issuing). */
  kid?: string;
  /** `jwt` (default) or `di`, whatever the parent's form. */
  format?: 'jwt' | 'di';
}

/** Arguments of `legateVerifyCapabilityCredential` and `legateCheckCredentialStatus`. */
export interface LegateCredentialArgs {
  /** The credential, in either securing form. */
  credential: LegateSecuredCredential;
}

/** The verification of one credential. */
export interface LegateCredentialVerification {
  /** True only when every check passed. */
  verified: boolean;
  /** Every failed check, each with its stable code. */
  errors: LegateErrorJson[];
  /** The decoded credential, when it could be decoded (present even when unverified). */
  credential?: AgentCapabilityCredential;
  issuer?: string;
}

/** Arguments of `legateVerifyChain`. */
export interface LegateVerifyChainArgs {
  /** The chain's credentials, root to leaf in any order; securing forms may mix. */
  credentials: LegateSecuredCredential[];
}

export interface LegateChainLink {
  /** The credential as carried, as text: a compact JWS, or a Data Integrity credential's JSON. */
  token: string;
  credential: AgentCapabilityCredential;
  issuer: string;
}

/** The verification of a delegation chain. */
export interface LegateChainVerification {
  verified: boolean;
  errors: LegateErrorJson[];
  /** Root first, when the links could be ordered. */
  links: LegateChainLink[];
  /** The root credential's issuer. */
  rootIssuer?: string;
  /** The leaf credential: what the holder may actually do. */
  leaf?: AgentCapabilityCredential;
  /** organization → human owner → agent → sub-agent(s). */
  attribution: AttributionEntry[];
}

/** Arguments of `legateCreatePresentation`. */
export interface LegateCreatePresentationArgs {
  /** The holder's DID: one of the plugin's signers, or a DID the agent manages. */
  holder: string;
  /** The holder's credentials and every parent in their chains, in either securing form. */
  credentials: LegateSecuredCredential[];
  /** The verifier's DID. */
  audience: string;
  /** The verifier's challenge. */
  nonce: string;
  /** Lifetime in seconds; default 300. */
  lifetimeSeconds?: number;
  /** Which `authentication` key of the holder signs. */
  kid?: string;
}

/** A signed presentation. */
export interface LegatePresentation {
  /** The `vp+jwt`. */
  presentation: string;
}

/** Arguments of `legateVerifyPresentation`. */
export interface LegateVerifyPresentationArgs {
  /** The `vp+jwt`. */
  presentation: string;
  /** This verifier's DID: the presentation's `aud` must name it. */
  audience: string;
  /** The challenge this verifier issued. */
  nonce: string;
  /** Oldest acceptable `iat`, in seconds; default 300. */
  maxAgeSeconds?: number;
}

/** The verification of a presentation and of every chain in it. */
export interface LegatePresentationVerification {
  verified: boolean;
  errors: LegateErrorJson[];
  holder?: string;
  chains: LegateChainVerification[];
  /** Leaf credentials of the chains that verified: what the holder may do. */
  credentials: AgentCapabilityCredential[];
}

/** Arguments of `legateAuthorize`: one request, and the credentials to decide it by. */
export interface LegateAuthorizeArgs {
  /** What is asked: an action on a resource, maybe in a scope, maybe for an amount. */
  request: AuthorizationRequest;
  /** A presentation of the holder's chains; its errors (signature, audience, nonce…) deny everything. */
  presentation?: LegateVerifyPresentationArgs;
  /** Or delegation chains, each a list of credentials (root to leaf, any order). */
  chains?: LegateSecuredCredential[][];
  /** The verifier's DID, for `audience` constraints; default the presentation's audience. */
  verifier?: string;
  /** Spend so far in a budget's period (budgets fail closed without it). */
  spent?: Money;
  /** Actions already taken in a rate limit's period (rate limits fail closed without it). */
  recentCount?: number;
  /** A human approval of this very action has been verified by the caller. */
  approved?: boolean;
}

/** The decision, with the attribution of the credential that allows it. */
export interface LegateAuthorization {
  decision: 'allow' | 'deny' | 'approval_required';
  /** The capability that allows the action, or that needs approval. */
  capability?: Capability;
  credentialId?: string;
  /** Empty on allow; otherwise one reason per distinct code. */
  reasons: DecisionReason[];
  /** The presentation's holder, when a presentation was given. */
  holder?: string;
  /** issuer → owner → agent → sub-agent(s) of the credential named by `credentialId`. */
  attribution?: AttributionEntry[];
  /** Every failed verification check of the presentation or chains, whether or not it bore on this request. */
  errors: LegateErrorJson[];
}

/** One status entry of a credential and its outcome. */
export interface LegateStatusResult {
  /** `ok`, `revoked`, `suspended`, `invalid` (the entry or list contradicts the credential) or `unavailable`. */
  outcome: StatusOutcome;
  purpose?: StatusPurpose;
  index?: number;
  /** The status list credential's URL. */
  list?: string;
  /** Why the outcome is not `ok`. */
  error?: LegateErrorJson;
}

/** The status of a credential. */
export interface LegateStatusReport {
  /** True when the credential's issuer signed it, so its status entries were read; false otherwise (no list is fetched). */
  checked: boolean;
  /** True when checked and no entry fails under the plugin's `onUnavailable` policy. */
  ok: boolean;
  /** One per status entry, in order. */
  results: LegateStatusResult[];
  /** Why the status could not be checked (the signature checks), when not checked. */
  errors: LegateErrorJson[];
}

/**
 * Arguments of `legateQueryTrustRegistry`: one of the ToIP Trust Registry
 * Query Protocol's two questions, as `POST /registry/query` takes them.
 */
export type LegateTrustQuery =
  /** Is `entity` (an issuer DID) authorized for `authorization` (`<action>:<resource>`)? */
  | { entity: string; authorization: string; depth?: number }
  /** Does `registry` recognize `recognized` (each a trust list URL or its issuer's DID)? */
  | { registry: string; recognized: string };

/** The answer: `authorized` or `recognized`, with the path or the reason. */
export type LegateTrustAnswer = AuthorizationAnswer | RecognitionAnswer;

/**
 * The Legate methods of a Veramo agent.
 *
 * @example
 * ```ts
 * const agent = createAgent<ILegate & IResolver>({ plugins: [new LegatePlugin({ signers: [acme] }), resolverPlugin] });
 * const { jwt } = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject });
 * ```
 */
export interface ILegate extends IPluginMethodMap {
  /** Issues an `AgentCapabilityCredential` as `vc+jwt`, signed by the issuer's key. */
  legateIssueCapabilityCredential(args: LegateIssueArgs, context: LegateContext): Promise<LegateIssuedCredential>;
  /** Issues a child credential narrower than its parent, signed by the parent's subject. */
  legateDelegateCapability(args: LegateDelegateArgs, context: LegateContext): Promise<LegateIssuedCredential>;
  /** Verifies one credential: signature, validity, schema, status and (with a trust registry) its issuer's accreditation. */
  legateVerifyCapabilityCredential(args: LegateCredentialArgs, context: LegateContext): Promise<LegateCredentialVerification>;
  /** Verifies a delegation chain link by link, with the attribution. */
  legateVerifyChain(args: LegateVerifyChainArgs, context: LegateContext): Promise<LegateChainVerification>;
  /** Presents the holder's credentials and chains to one verifier, for one challenge, as `vp+jwt`. */
  legateCreatePresentation(args: LegateCreatePresentationArgs, context: LegateContext): Promise<LegatePresentation>;
  /** Verifies a presentation and every chain in it. */
  legateVerifyPresentation(args: LegateVerifyPresentationArgs, context: LegateContext): Promise<LegatePresentationVerification>;
  /** Verifies the credentials, then decides the request by those that verified (default deny). */
  legateAuthorize(args: LegateAuthorizeArgs, context: LegateContext): Promise<LegateAuthorization>;
  /** Checks a credential's revocation and suspension entries against their status lists. */
  legateCheckCredentialStatus(args: LegateCredentialArgs, context: LegateContext): Promise<LegateStatusReport>;
  /** Asks the plugin's trust registry one of the two TRQP questions. */
  legateQueryTrustRegistry(args: LegateTrustQuery, context: LegateContext): Promise<LegateTrustAnswer>;
}
