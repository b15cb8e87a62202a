/**
 * @module node/services
 *
 * The services a node offers its faces (the CLI, the HTTP routes, the
 * demos): agents, issuance, status lists, registry, exchange (ACE
 * handshakes, signed actions, approvals), plus the verifier and the audit
 * service, which hold per-node state, and the agents service, built from
 * narrow ports; those three are built in `node/create`.
 *
 * The operation services here load their module on first call, so a
 * command that only lists agents never loads the handshake or the action
 * machinery (the CLI's start-up budget, #14 item 5). Each method is the
 * operation of the same name in this folder with the node bound.
 */

import type { DIDDocument } from 'did-resolver';
import type { IssuedCredential, IssuedDataIntegrityCredential, IssuedSecuredCredential } from '../credential/issue.js';
import type { Intent } from '../handshake/types.js';
import type { Accreditation, Recognition } from '../registry/types.js';
import type { AgentRecord, StatusListRecord } from '../store/types.js';
import type { AceOutcome } from './ace.js';
import type { ActionDecision, HandleActionOptions } from './actions.js';
import type { CreateAgentOptions } from './agents.js';
import type { AlertService } from './alerts/service.js';
import type { Limiter } from '../lib/limiter.js';
import type { AuditService } from './audit.js';
import type { NodeContext } from './context.js';
import type { DelegateFromAgentOptions } from './delegate.js';
import type { IssueToAgentOptions } from './issue.js';
import type { IssueManyOptions } from './issue-many.js';
import type { ActOptions, HandshakeResult, actionToApprove, approve } from './peer.js';
import type { PresentAsAgentOptions } from './present.js';
import type { AccreditOptions, RecognizeOptions } from './registry.js';
import type { RetireOptions, RetireResult } from './retire.js';
import type { StatusChange, StatusChangeResult } from './status.js';
import type { StatusPushService } from './revocation-push.js';
import type { VerifierService } from './verify.js';
import type { SigningService } from './signing.js';
import type { WebhookNotifier } from './webhook/notifier.js';
import type { tokenEndpoint } from './oauth/token-endpoint.js';
import { keptSessionChains } from './session-chains.js';
import type { EndpointResponse, EvaluationRequest, IntrospectionRequest, RequestTokenOptions, RequestedToken, TokenEndpointRequest } from './oauth/types.js';

/** Registering, reading and retiring agents. */
export interface AgentService {
  create(options: CreateAgentOptions): Promise<AgentRecord>;
  /** @throws StoreError `ERR_NOT_FOUND` for an unknown agent. */
  get(name: string): Promise<AgentRecord>;
  /** The agent whose DID is `did`, or undefined; kept while the store's change stamp holds (agents move it), frozen. */
  byDid(did: string): Promise<AgentRecord | undefined>;
  /** The agent named `name`, or undefined; kept as {@link byDid} is (read at every handshake and action an agent makes), frozen. */
  byName(name: string): Promise<AgentRecord | undefined>;
  list(): Promise<AgentRecord[]>;
  show(name: string): Promise<{ agent: AgentRecord; didDocument: DIDDocument | null }>;
  retire(name: string, options?: RetireOptions): Promise<RetireResult>;
}

/** Issuing capability credentials to agents, delegating them, presenting them. */
export interface IssuanceService {
  issue(options: IssueToAgentOptions & { format: 'di' }): Promise<IssuedDataIntegrityCredential>;
  issue(options: IssueToAgentOptions & { format?: 'jwt' | 'jwt-vc1' | undefined }): Promise<IssuedCredential>;
  issue(options: IssueToAgentOptions): Promise<IssuedSecuredCredential>;
  /** Many credentials, committed a chunk at a time (node/issue-many). */
  issueMany(items: readonly IssueToAgentOptions[], options?: IssueManyOptions): Promise<IssuedSecuredCredential[]>;
  delegate(options: DelegateFromAgentOptions & { format: 'di' }): Promise<IssuedDataIntegrityCredential>;
  delegate(options: DelegateFromAgentOptions & { format?: 'jwt' | undefined }): Promise<IssuedCredential>;
  delegate(options: DelegateFromAgentOptions): Promise<IssuedSecuredCredential>;
  present(options: PresentAsAgentOptions): Promise<string>;
}

/** Revocation and suspension of the credentials this node issued, and its published lists. */
export interface StatusListService {
  change(credentialId: string, change: StatusChange): Promise<StatusChangeResult>;
  status(credentialId: string): Promise<{ revoked: boolean; suspended: boolean }>;
  published(listId: string): Promise<{ token: string; list: StatusListRecord }>;
}

/** This organization's trust list: its entries, and its published form. */
export interface RegistryService {
  accredit(options: AccreditOptions): Promise<string>;
  recognize(options: RecognizeOptions): Promise<string>;
  remove(key: string): Promise<string>;
  published(): Promise<string>;
  entries(): Promise<{ accredits: Accreditation[]; recognizes: Recognition[] }>;
}

/** Agent-to-agent exchange: answering ACE messages and signed actions, and acting as a client of peers. */
export interface ExchangeService {
  handleAce(token: string): Promise<AceOutcome>;
  handleAction(token: string, options?: HandleActionOptions): Promise<ActionDecision>;
  handshake(options: { agent: string; peer: string; intents?: Intent[] }): Promise<HandshakeResult>;
  act(options: ActOptions): Promise<ActionDecision & { actionHash: string; inboxId?: string }>;
  approve(options: { approver: string; action: ReturnType<typeof actionToApprove>; lifetimeSeconds?: number }): ReturnType<typeof approve>;
  listApprovers(): Promise<string[]>;
  addApprover(did: string): Promise<string[]>;
  removeApprover(did: string): Promise<string[]>;
  /** The chains (credential JWTs by leaf id) behind a session this node issued, or undefined; kept until the session expires (node/session-chains). */
  sessionChains(id: string): Promise<Record<string, string[]> | undefined>;
}

/**
 * The node as an OAuth authorization server and AuthZEN policy decision
 * point (#15), and as a client of other nodes' authorization servers.
 * Endpoint methods answer with status, body and headers in the OAuth or
 * AuthZEN form; they never throw for a bad request.
 */
export interface OAuthService {
  /** The issuer URL (`oauth.issuer`, else the node's base URL). */
  issuer(): Promise<string>;
  /** RFC 8414 authorization server metadata. */
  metadata(): Promise<Record<string, unknown>>;
  /** The organization's signing keys as a JWK Set. */
  jwks(): Promise<{ keys: Record<string, unknown>[] }>;
  /** `POST /oauth/token`: RFC 8693 token exchange. */
  token(request: TokenEndpointRequest): Promise<EndpointResponse>;
  /** `POST /oauth/introspect`: RFC 7662. */
  introspect(request: IntrospectionRequest): Promise<EndpointResponse>;
  /** `POST /access/v1/evaluation`: AuthZEN 1.0 access evaluation. */
  evaluate(request: EvaluationRequest): Promise<EndpointResponse>;
  /** `POST /access/v1/evaluations`: AuthZEN 1.0 batch. */
  evaluateMany(request: EvaluationRequest): Promise<EndpointResponse>;
  /** `GET /.well-known/authzen-configuration`. */
  authzenConfiguration(): Promise<Record<string, unknown>>;
  /** An agent of this node obtains a token from another node's authorization server (`legate token`). */
  requestToken(options: RequestTokenOptions): Promise<RequestedToken>;
}

/** Every service of one node. */
export interface NodeServices {
  oauth: OAuthService;
  agents: AgentService;
  issuance: IssuanceService;
  statusLists: StatusListService;
  registry: RegistryService;
  verifier: VerifierService;
  exchange: ExchangeService;
  audit: AuditService;
  /** Revocation push: subscriptions to partners' lists, notices taken and sent. */
  statusPush: StatusPushService;
  /** The alert rules over this node's decisions, and the throttle of peers that keep failing to authenticate. */
  alerts: AlertService;
  /** Bounds the scrypt work of console sign-ins and password changes running at once (node/operators). */
  passwords: Limiter;
  /** Signed webhook notifications (approvals, alerts); `send` never blocks or throws. */
  webhook: WebhookNotifier;
  /** The signing worker of provisioning batches (node/signing). */
  signing: SigningService;
}

/** `load()` on the first call, its promise kept for the next ones. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** The operation services of `node`, each method loading its module on first call. */
export function operationServices(node: NodeContext): Omit<NodeServices, 'agents' | 'verifier' | 'audit' | 'statusPush' | 'alerts' | 'passwords' | 'webhook' | 'signing'> {
  // The token endpoint is on a hot path: its module is looked up once per node, not at every request.
  let tokenEndpointOf: Promise<typeof tokenEndpoint> | undefined;
  // So are handshakes, actions and issuance: a dynamic import of a loaded module still resolves it (~5 µs).
  const ace = once(() => import('./ace.js'));
  const actions = once(() => import('./actions.js'));
  const peer = once(() => import('./peer.js'));
  const issue = once(() => import('./issue.js'));
  return {
    issuance: {
      issue: (async (options: IssueToAgentOptions) => (await issue()).issueToAgent(node, options)) as IssuanceService['issue'],
      issueMany: async (items, options) => (await import('./issue-many.js')).issueMany(node, items, options),
      delegate: (async (options: DelegateFromAgentOptions) => (await import('./delegate.js')).delegateFromAgent(node, options)) as IssuanceService['delegate'],
      present: async (options) => (await import('./present.js')).presentAsAgent(node, options),
    },
    statusLists: {
      change: async (credentialId, change) => (await import('./status.js')).changeStatus(node, credentialId, change),
      status: async (credentialId) => (await import('./status.js')).credentialStatus(node, credentialId),
      published: async (listId) => (await import('./status.js')).publishedStatusList(node, listId),
    },
    registry: {
      accredit: async (options) => (await import('./registry.js')).accredit(node, options),
      recognize: async (options) => (await import('./registry.js')).recognize(node, options),
      remove: async (key) => (await import('./registry.js')).removeRegistryEntry(node, key),
      published: async () => (await import('./registry.js')).publishedTrustList(node),
      entries: async () => (await import('./registry.js')).registryEntries(node),
    },
    oauth: {
      issuer: async () => (await import('./oauth/metadata.js')).issuerOf(node),
      metadata: async () => (await import('./oauth/metadata.js')).serverMetadata(node),
      jwks: async () => (await import('./oauth/metadata.js')).publishedJwks(node),
      token: async (request) => (await (tokenEndpointOf ??= import('./oauth/token-endpoint.js').then((m) => m.tokenEndpoint)))(node, request),
      introspect: async (request) => (await import('./oauth/introspect.js')).introspectionEndpoint(node, request),
      evaluate: async (request) => (await import('./oauth/evaluate.js')).evaluationEndpoint(node, request),
      evaluateMany: async (request) => (await import('./oauth/evaluate.js')).evaluationsEndpoint(node, request),
      authzenConfiguration: async () => (await import('./oauth/evaluate.js')).authzenConfiguration(node),
      requestToken: async (options) => (await import('./oauth/request-token.js')).requestToken(node, options),
    },
    exchange: {
      handleAce: async (token) => (await ace()).handleAceMessage(node, token),
      handleAction: async (token, options) => (await actions()).handleAction(node, token, options),
      handshake: async (options) => (await peer()).handshake(node, options),
      act: async (options) => (await peer()).act(node, options),
      approve: async (options) => (await peer()).approve(node, options),
      listApprovers: async () => (await import('./approvers.js')).listApprovers(node),
      addApprover: async (did) => (await import('./approvers.js')).addApprover(node, did),
      removeApprover: async (did) => (await import('./approvers.js')).removeApprover(node, did),
      sessionChains: keptSessionChains(node.store, node.clock),
    },
  };
}
