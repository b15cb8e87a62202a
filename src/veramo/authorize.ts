/**
 * @module veramo/authorize
 *
 * `legateAuthorize`: decides one request by credentials that verify now.
 * The credentials come as a presentation (verified for this verifier and
 * challenge) or as bare delegation chains; each chain is verified with the
 * plugin's runtime (signatures, validity, narrowing, status, issuer trust),
 * and only the leaves of chains with no failure bearing on the request
 * count (issuer trust is per capability, as in the handshake). Then
 * `authorize` decides: default deny, constraints, approval. When the
 * decision is not `allow`, the failures of chains that would have covered
 * the request explain it better than `ERR_NOT_AUTHORIZED`, as the node
 * reports them.
 */

import { authorize, type AuthorizationRequest, type DecisionReason } from '../capability/authorize.js';
import { capabilityCovers } from '../capability/match.js';
import type { AgentCapabilityCredential, Capability, Money } from '../credential/types.js';
import { errorsForCapability, MAX_CHAIN_LINKS, verifyChain, type ChainVerification } from '../delegation/verify-chain.js';
import { legateError, type LegateError } from '../errors/index.js';
import { presentationErrors } from '../handshake/evaluate.js';
import { isRecord } from '../lib/assert.js';
import { MAX_PRESENTED_CREDENTIALS } from '../presentation/create.js';
import {
  argsOf,
  optionalBoolean,
  optionalInteger,
  optionalRecord,
  optionalString,
  requiredRecord,
  requiredString,
  securedArray,
  withArgumentErrors,
} from './args.js';
import { verifyPresentationArgs } from './presentation.js';
import { errorsJson } from './results.js';
import type { CallScope } from './runtime.js';
import type { LegateAuthorization } from './types.js';

interface Verified {
  chains: ChainVerification[];
  /** Every failed check. */
  errors: LegateError[];
  /** Failures that deny every request (a presentation's signature, audience, nonce, freshness). */
  blocking: LegateError[];
  holder?: string;
}

const reasonOf = (e: LegateError): DecisionReason => ({ code: e.code, message: e.message });

function distinct(reasons: DecisionReason[]): DecisionReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => !seen.has(r.code) && seen.add(r.code));
}

/** True when a capability of `leaf` covers the request; false for a leaf too malformed to say (its chain failed). */
function covers(leaf: AgentCapabilityCredential, request: AuthorizationRequest): boolean {
  const capabilities: unknown = leaf.credentialSubject.capabilities;
  return (
    Array.isArray(capabilities) &&
    capabilities.some((c: unknown) => isRecord(c) && typeof c.action === 'string' && typeof c.resource === 'string' && capabilityCovers(c as unknown as Capability, request))
  );
}

function readRequest(args: Record<string, unknown>): AuthorizationRequest {
  const request = requiredRecord(args, 'request');
  const scope = optionalString(request, 'scope', 'request.scope');
  const amount = optionalRecord(request, 'amount', 'request.amount') as Money | undefined;
  return {
    action: requiredString(request, 'action', 'request.action'),
    resource: requiredString(request, 'resource', 'request.resource'),
    ...(scope === undefined ? {} : { scope }),
    ...(amount === undefined ? {} : { amount }),
  };
}

async function verifyChains(value: unknown, scope: CallScope): Promise<Verified> {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PRESENTED_CREDENTIALS) {
    throw legateError('ERR_INVALID_ARGUMENT', `chains must be an array of 1 to ${MAX_PRESENTED_CREDENTIALS} chains`, { claim: 'chains' });
  }
  const lists = value.map((chain, i) => securedArray(chain, `chains[${i}]`, 1, MAX_CHAIN_LINKS));
  const chains = await Promise.all(lists.map((tokens) => verifyChain(tokens, scope.runtime.verify)));
  return { chains, errors: chains.flatMap((c) => c.errors), blocking: [] };
}

/**
 * Verifies the credentials and decides the request.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad argument, or for
 * neither or both of `presentation` and `chains`.
 */
export async function authorizeRequest(input: unknown, scope: CallScope): Promise<LegateAuthorization> {
  const args = argsOf(input, 'legateAuthorize', 'LegateAuthorizeArgs');
  const request = readRequest(args);
  const presented = optionalRecord(args, 'presentation');
  if ((presented === undefined) === (args.chains === undefined)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'give the credentials as either presentation or chains', { claim: presented === undefined ? 'chains' : 'presentation' });
  }
  const verifier = optionalString(args, 'verifier') ?? (typeof presented?.audience === 'string' ? presented.audience : undefined);
  const spent = optionalRecord(args, 'spent') as Money | undefined;
  const recentCount = optionalInteger(args, 'recentCount', 0, Number.MAX_SAFE_INTEGER);
  const approved = optionalBoolean(args, 'approved');

  let verified: Verified;
  if (presented === undefined) {
    verified = await verifyChains(args.chains, scope);
  } else {
    const presentation = await verifyPresentationArgs(presented, scope, 'presentation.');
    verified = { chains: presentation.chains, errors: presentation.errors, blocking: presentationErrors(presentation), ...(presentation.holder === undefined ? {} : { holder: presentation.holder }) };
  }
  const { chains, holder } = verified;
  const base = { ...(holder === undefined ? {} : { holder }), errors: errorsJson(verified.errors) };
  if (verified.blocking.length > 0) return { decision: 'deny', reasons: distinct(verified.blocking.map(reasonOf)), ...base };

  const usable: AgentCapabilityCredential[] = [];
  const failures: DecisionReason[] = [];
  for (const chain of chains) {
    const { leaf } = chain;
    const errors = errorsForCapability(chain, request);
    if (presented !== undefined && leaf !== undefined && leaf.credentialSubject.id !== holder) {
      errors.push(legateError('ERR_HOLDER_BINDING', `the holder is not the subject of ${leaf.id}`, { claim: 'holder' }));
    }
    if (leaf === undefined && errors.length === 0) errors.push(legateError('ERR_CHAIN_INVALID', 'the chain did not verify', { claim: 'chain' }));
    if (errors.length === 0) usable.push(leaf!);
    // Only the failures of chains that would have covered the request explain its denial.
    else if (leaf === undefined || covers(leaf, request)) failures.push(...errors.map(reasonOf));
  }

  const decision = await withArgumentErrors(() =>
    authorize(request, usable, {
      clock: scope.runtime.clock,
      verifier,
      spent,
      recentCount,
      approved,
    }),
  );
  const reasons =
    decision.decision === 'allow' || failures.length === 0
      ? decision.reasons
      : distinct([...failures, ...decision.reasons.filter((r) => r.code !== 'ERR_NOT_AUTHORIZED')]);
  const chain = decision.credentialId === undefined ? undefined : chains.find((c) => c.leaf?.id === decision.credentialId);
  return {
    decision: decision.decision,
    ...(decision.capability === undefined ? {} : { capability: decision.capability }),
    ...(decision.credentialId === undefined ? {} : { credentialId: decision.credentialId }),
    reasons,
    ...(chain === undefined ? {} : { attribution: chain.attribution.map((entry) => ({ ...entry })) }),
    ...base,
  };
}
