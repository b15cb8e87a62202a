/**
 * @module node/peer
 *
 * The initiating side: one of this node's agents runs the ACE handshake with
 * a peer agent (found by its DID document's `LegateAceEndpoint` service),
 * keeps the session it is given, and signs actions under it. Transport is
 * HTTP POST of `{ "message": <jws> }` to the peer's endpoint, through the
 * node's HTTP client: a peer that cannot be reached is `ERR_PEER_UNREACHABLE`,
 * one that does not answer in time `ERR_PEER_TIMEOUT`, both naming its host.
 */

import { errorFromWire, isErrorCode, isLegateError, legateError, type InputError } from '../errors/index.js';
import { createSignedAction } from '../action/create.js';
import { issueApproval } from '../action/approval.js';
import { actionHash } from '../action/hash.js';
import type { Money } from '../credential/types.js';
import { ACE_SERVICE_TYPE } from '../did/web.js';
import { createAdvertise } from '../handshake/advertise.js';
import { handleAcknowledge, type AcknowledgeHandling } from '../handshake/acknowledge.js';
import { createConfirm } from '../handshake/confirm.js';
import { createNonce } from '../handshake/message.js';
import type { Intent } from '../handshake/types.js';
import { createPresentation } from '../presentation/create.js';
import { isRecord } from '../lib/assert.js';
import { decodeCompactJws } from '../lib/jws.js';
import type { AgentCapabilityCredential } from '../credential/types.js';
import type { ActionDecision } from './actions.js';
import type { NodeContext } from './context.js';
import { knownAgent } from './agents.js';
import { heldCredentials } from './present.js';
import { storeReplayCache } from './replay.js';
import { agentSigner, signerFor } from './signers.js';
import { verificationOptions } from './verify.js';
import type { HttpResponse } from '../lib/http-client.js';
import { TRANSPORT_CODES } from '../lib/http-errors.js';

const MAX_RESPONSE = 512 * 1024;

/** A peer given as a DID, or as a URL of its DID document's path (`http://host:port/agents/teller`). */
export function peerDid(peer: string): string {
  if (peer.startsWith('did:')) return peer;
  let url: URL;
  try {
    url = new URL(peer);
  } catch {
    throw legateError('ERR_INVALID_ARGUMENT', 'the peer must be a DID or an http(s) URL', { claim: 'peer' });
  }
  const host = url.port === '' ? url.hostname : `${url.hostname}%3A${url.port}`;
  const path = url.pathname.replace(/\/(did\.json|ace)?$/, '').split('/').filter(Boolean);
  return ['did:web', host, ...path].join(':');
}

/** A peer DID that resolved but is no agent reachable by handshake: name the fix. */
function notAnAgent(did: string): InputError {
  const org = /^did:web:[^:]+$/.test(did);
  const message = org
    ? `${did} is an organization, not an agent: address a handshake to one of its agents, ${did}:agents:<name>`
    : `${did} lists no ${ACE_SERVICE_TYPE} service, so it cannot answer a handshake: address a registered agent, did:web:<host>:agents:<name>`;
  return legateError('ERR_INVALID_ARGUMENT', message, { claim: 'peer', reason: org ? 'organization' : 'no-ace-service' });
}

async function endpointOf(ctx: NodeContext, did: string): Promise<string> {
  const { didDocument, didResolutionMetadata, didDocumentMetadata } = await ctx.resolver.resolve(did);
  if (didDocumentMetadata.deactivated === true) throw legateError('ERR_DID_DEACTIVATED', `${did} is deactivated (a retired agent)`, { claim: 'peer' });
  const code: unknown = didResolutionMetadata.code;
  // Resolution failures that mean the peer's host could not be reached: surfaced with their own code.
  if (didDocument === null && isErrorCode(code) && TRANSPORT_CODES.has(code)) {
    // The resolver's message names the host (never a path or query): `could not reach host:port (ECONNREFUSED)`.
    throw legateError(code, String(didResolutionMetadata.message), { claim: 'peer' });
  }
  const service = didDocument?.service?.find((s) => s.type === ACE_SERVICE_TYPE);
  if (service === undefined || typeof service.serviceEndpoint !== 'string') {
    if (didResolutionMetadata.error !== undefined || didDocument === null) {
      throw legateError('ERR_DID_UNRESOLVABLE', `${did} could not be resolved (${didResolutionMetadata.error ?? 'no document'})`, { claim: 'peer' });
    }
    throw notAnAgent(did);
  }
  return service.serviceEndpoint;
}

/** Retried once: a pooled keep-alive connection the server closed as we reused it processed nothing. */
const STALE_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

/** POSTs JSON to a peer through the node's HTTP client; the peer's reply, which must be a JSON object. */
async function post(ctx: NodeContext, url: string, body: unknown): Promise<Record<string, unknown>> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && !(ctx.allowHttpLoopback && target.protocol === 'http:')) {
    throw legateError('ERR_INVALID_ARGUMENT', 'peer endpoints must be https (http only for loopback, on opt-in)', { claim: 'peer' });
  }
  const json = JSON.stringify(body);
  let response: HttpResponse;
  try {
    response = await ctx.http.postJson(target.href, json, { maxBytes: MAX_RESPONSE });
  } catch (error) {
    // A processed message would be refused as a replay, so the retry cannot act twice.
    if (!isLegateError(error, 'ERR_PEER_UNREACHABLE') || !STALE_CONNECTION.has(error.reason ?? '')) throw error;
    response = await ctx.http.postJson(target.href, json, { maxBytes: MAX_RESPONSE });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(response.body));
  } catch {
    throw legateError('ERR_MALFORMED', `the peer answered ${response.status} without JSON`, { claim: 'response' });
  }
  if (!isRecord(parsed)) throw legateError('ERR_MALFORMED', 'the peer answered with a non-object', { claim: 'response' });
  if (response.status < 200 || response.status > 299) {
    const message = `the peer refused: ${typeof parsed.detail === 'string' ? parsed.detail : response.status}`;
    // The peer's code, checked: one this node does not define (or garbage) is ERR_MALFORMED with the raw code as reason.
    throw errorFromWire(parsed.code, message, { fallback: 'ERR_MALFORMED', claim: 'peer', reason: String(response.status) });
  }
  return parsed;
}

function intentsOf(tokens: string[], agentDid: string): Intent[] {
  const intents = new Map<string, Intent>();
  for (const token of tokens) {
    const credential = decodeCompactJws(token).payload as unknown as AgentCapabilityCredential;
    if (credential.credentialSubject?.id !== agentDid) continue;
    for (const c of credential.credentialSubject.capabilities) {
      intents.set(`${c.action} ${c.resource} ${c.scope ?? ''}`, { action: c.action, resource: c.resource, ...(c.scope === undefined ? {} : { scope: c.scope }) });
    }
  }
  return [...intents.values()].slice(0, 32);
}

export interface HandshakeResult extends Pick<AcknowledgeHandling, 'trusted' | 'rejected' | 'verdict'> {
  peer: string;
  endpoint: string;
  session?: { id: string; expires: string };
}

/**
 * Runs advertise → acknowledge from one of this node's agents to a peer
 * agent, and stores the session with the agent's confirm, which goes to the
 * peer with the session's first action ({@link act}).
 * @throws LegateError when the peer refuses the advertise, or its acknowledge fails verification.
 */
export async function handshake(ctx: NodeContext, options: { agent: string; peer: string; intents?: Intent[] }): Promise<HandshakeResult> {
  const agent = await knownAgent(ctx, options.agent);
  const peer = peerDid(options.peer);
  const endpoint = await endpointOf(ctx, peer);
  const signer = await agentSigner(ctx, agent);
  const nonce = createNonce();
  // Read once for both: what the agent asks for and what it presents (presentAsAgent would read the agent, its key and these again).
  // With explicit intents, the credentials that contain them come first (an agent may hold more than one presentation carries).
  const held = await heldCredentials(ctx, agent, options.intents);
  const intents = options.intents ?? intentsOf(held, agent.did);
  const presentation = await createPresentation({ signer, credentials: held, audience: peer, nonce, clock: ctx.clock });
  const advertise = await createAdvertise({ signer, audience: peer, presentation, nonce, intents, clock: ctx.clock });
  const reply = await post(ctx, endpoint, { message: advertise.token });
  if (typeof reply.message !== 'string') throw legateError('ERR_MALFORMED', 'the peer sent no acknowledge', { claim: 'response' });
  const ack = await handleAcknowledge(reply.message, { signer, advertise: advertise.payload, verify: verificationOptions(ctx), replay: storeReplayCache(ctx) });
  if (!ack.ok || ack.acknowledge === undefined) throw ack.errors[0] ?? legateError('ERR_MALFORMED', 'the acknowledge did not verify');
  // The peer keeps an acknowledge for a confirm only when it granted a session (node/ace). The confirm goes with the
  // session's first action (node/confirm-carried), not on its own: one round trip and one commit fewer on each side.
  if (ack.session !== undefined) {
    const confirm = await createConfirm({ signer, audience: peer, inReplyTo: ack.acknowledge.id, nonce: ack.acknowledge.challenge, verdict: ack.verdict, clock: ctx.clock });
    const expiresAt = new Date(ack.session.claims.exp * 1000).toISOString();
    await ctx.store.putPeerSession({ agent: agent.name, peer, token: ack.session.token, endpoint, expiresAt, confirm: confirm.token });
  }
  return {
    peer,
    endpoint,
    trusted: ack.trusted,
    rejected: ack.rejected,
    verdict: ack.verdict,
    ...(ack.session === undefined ? {} : { session: { id: ack.session.claims.jti, expires: new Date(ack.session.claims.exp * 1000).toISOString() } }),
  };
}

/**
 * The key a session token binds its agent to (`cnf.kid`), if it names one:
 * from the decoding the handshake kept when it verified the token (decoding
 * ~4.6 KB again was ~5% of an action's cost to its sender), else decoded.
 */
function sessionKid(ctx: NodeContext, token: string): string | undefined {
  const cnf = (ctx.signatureMemo.decoded(token) ?? decodeCompactJws(token)).payload.cnf as { kid?: unknown } | undefined;
  return typeof cnf?.kid === 'string' ? cnf.kid : undefined;
}

export interface ActOptions {
  agent: string;
  peer: string;
  action: string;
  resource: string;
  scope?: string;
  amount?: Money;
  params?: Record<string, unknown>;
  /** An ApprovalCredential JWT for this action. */
  approval?: string;
  /** An ApproverCredential JWT: this node's organization attests the approval's signer. */
  approverCredential?: string;
}

/** What an owner approves: the fields the action hash covers. */
export function actionToApprove(agentDid: string, peer: string, options: Omit<ActOptions, 'agent' | 'peer' | 'approval' | 'approverCredential'>) {
  const params = { ...options.params, ...(options.amount === undefined ? {} : { amount: options.amount }) };
  return { iss: agentDid, aud: peer, action: options.action, resource: options.resource, ...(options.scope === undefined ? {} : { scope: options.scope }), params };
}

/**
 * Signs an action under the stored session with `peer` and sends it; returns the peer's decision.
 * An `approval_required` answer puts the action in this node's approval inbox (`inboxId`).
 * @throws LegateError `ERR_NOT_FOUND` without a session (run the handshake first).
 */
export async function act(ctx: NodeContext, options: ActOptions): Promise<ActionDecision & { actionHash: string; inboxId?: string }> {
  const agent = await knownAgent(ctx, options.agent);
  const peer = peerDid(options.peer);
  const stored = await ctx.store.getPeerSession(agent.name, peer);
  if (stored === undefined) throw legateError('ERR_NOT_FOUND', `no session of ${agent.name} with ${peer}: run the handshake first`, { claim: 'peer' });
  const { token: session, endpoint, confirm } = stored;
  const fields = actionToApprove(agent.did, peer, options);
  const signed = await createSignedAction({
    // A session is bound to the key it was opened with (cnf.kid): after a rotation its actions keep that key while it is active.
    signer: await agentSigner(ctx, agent, sessionKid(ctx, session)),
    audience: peer,
    session,
    action: fields.action,
    resource: fields.resource,
    ...(fields.scope === undefined ? {} : { scope: fields.scope }),
    params: fields.params,
    ...(options.approval === undefined ? {} : { approval: options.approval }),
    ...(options.approverCredential === undefined ? {} : { approverCredential: options.approverCredential }),
    clock: ctx.clock,
  });
  const url = new URL(endpoint);
  url.pathname = '/actions';
  // The peer's decision body (node/actions ActionDecision), as it sent it. The handshake's confirm rides on the first
  // action; once the peer decided, it has it (an answer lost on the way: sent again with the next, which the peer skips).
  const decision = (await post(ctx, url.toString(), { action: signed.token, ...(confirm === undefined ? {} : { confirm }) })) as unknown as ActionDecision;
  // Forgetting it is tidying: the action is decided whatever happens here, and a confirm not forgotten goes again with
  // the next action, which the peer leaves out. A store failure must not turn a decided action into an error.
  if (confirm !== undefined) await ctx.store.forgetPeerConfirm(agent.name, peer, confirm).catch(() => undefined);
  const hash = actionHash(fields);
  if (decision.decision !== 'approval_required') return { ...decision, actionHash: hash };
  // A human must decide: the request goes to this node's approval inbox (node/approvals), for the agent's owner or an approver.
  const { recordApprovalRequest } = await import('./approvals/record.js');
  const request = { action: fields.action, resource: fields.resource, ...(fields.scope === undefined ? {} : { scope: fields.scope }), ...(options.amount === undefined ? {} : { amount: options.amount }), ...(options.params === undefined ? {} : { params: options.params }) };
  const attribution = Array.isArray(decision.attribution) && decision.attribution.every((a) => typeof a === 'string') ? decision.attribution : [agent.did];
  const inbox = await recordApprovalRequest(ctx, { agent: agent.name, peer, request, actionHash: hash, attribution: attribution[0] === agent.did ? attribution : [agent.did], accepts: decision.approvalRequest?.accepts });
  return { ...decision, actionHash: hash, inboxId: inbox.id };
}

/**
 * Approves one action as `approver` (a DID this node holds a key for: the
 * organization, or an agent standing for a human owner).
 */
export async function approve(ctx: NodeContext, options: { approver: string; action: ReturnType<typeof actionToApprove>; lifetimeSeconds?: number }) {
  const { action } = options;
  return issueApproval({
    signer: await signerFor(ctx, options.approver),
    actionHash: actionHash(action),
    action: action.action,
    resource: action.resource,
    ...(action.scope === undefined ? {} : { scope: action.scope }),
    agent: action.iss,
    audience: action.aud,
    ...(options.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: options.lifetimeSeconds }),
    clock: ctx.clock,
  });
}
