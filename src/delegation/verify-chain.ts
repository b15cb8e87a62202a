/**
 * @module delegation/verify-chain
 *
 * Verifies a delegation chain: every link's signature, validity and schema
 * (each link a `vc+jwt` or a Data Integrity credential: forms may mix);
 * the links form exactly one path from a root credential (no parent) to a
 * leaf, with no duplicates, cycles or strays; each link is issued by the
 * subject of the link above; each child is covered by its parent and lives
 * inside its validity; depths count up by one within the root's maximum.
 * The result names the root issuer (for the trust check) and the attribution
 * chain: issuer → human owner → agent → sub-agents. With a trust policy,
 * nothing is fetched for a chain whose root issuer is not trusted, and a
 * link is verified only below a parent whose signature verified
 * (`verify-links.ts`).
 */

import { legateError, type LegateError } from '../errors/index.js';
import { actionWithin, resourceWithin, subjectNarrows } from '../capability/attenuate.js';
import { issuerId, type AgentCapabilityCredential, type Capability } from '../credential/types.js';
import type { CredentialVerification, VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { securedText, type SecuredCredential } from '../credential/verify-secured.js';
import { delegationOf } from './delegate.js';
import { verifyLinks } from './verify-links.js';

/** One verified link, root first. */
export interface ChainLink {
  /** The credential as carried, as text: a compact JWS, or a Data Integrity credential's JSON. */
  token: string;
  credential: AgentCapabilityCredential;
  issuer: string;
}

export interface AttributionEntry {
  role: 'issuer' | 'owner' | 'agent' | 'sub-agent';
  id: string;
  /** The credential that grants this party its authority (agents and sub-agents). */
  credential?: string;
}

export interface ChainVerification {
  verified: boolean;
  errors: LegateError[];
  /** Root first; present when the links could be ordered. */
  links: ChainLink[];
  /** The root credential's issuer: the party a verifier must trust for these capabilities. */
  rootIssuer?: string;
  /** The leaf credential: what the holder may actually do. */
  leaf?: AgentCapabilityCredential;
  /** organization → human owner → agent → sub-agent(s). */
  attribution: AttributionEntry[];
}

/** Most links a chain may have: a root plus the deepest delegation the schema allows (8). */
export const MAX_CHAIN_LINKS = 9;

const chainError = (message: string, claim?: string) => legateError('ERR_CHAIN_INVALID', message, { claim });

function relabel(error: LegateError, index: number): LegateError {
  return legateError(error.code, `link ${index}: ${error.message}`, { claim: error.claim, reason: error.reason });
}

/** Orders decoded links root first, or explains why they do not form one chain. */
function order(links: ChainLink[]): { ordered: ChainLink[]; errors: LegateError[] } {
  const byId = new Map<string, ChainLink>();
  for (const link of links) {
    if (byId.has(link.credential.id)) return { ordered: [], errors: [chainError(`credential ${link.credential.id} appears twice`)] };
    byId.set(link.credential.id, link);
  }
  const roots = links.filter((l) => delegationOf(l.credential).parent === undefined);
  if (roots.length !== 1) {
    return { ordered: [], errors: [chainError(roots.length === 0 ? 'no root credential (a cycle, or the root is missing)' : 'more than one root credential')] };
  }
  const ordered = [roots[0]!];
  for (;;) {
    const current = ordered.at(-1)!;
    const children = links.filter((l) => delegationOf(l.credential).parent === current.credential.id);
    if (children.length > 1) return { ordered: [], errors: [chainError(`credential ${current.credential.id} has more than one child in this chain`)] };
    if (children.length === 0) break;
    ordered.push(children[0]!);
  }
  if (ordered.length !== links.length) {
    return { ordered: [], errors: [chainError('some links do not descend from the root (a cycle, or a missing parent)')] };
  }
  return { ordered, errors: [] };
}

function linkErrors(parent: AgentCapabilityCredential, child: AgentCapabilityCredential, index: number): LegateError[] {
  const errors: LegateError[] = [];
  const at = `link ${index}`;
  if (issuerId(child) !== parent.credentialSubject.id) {
    errors.push(chainError(`${at}: issued by ${issuerId(child) ?? '?'}, not by the subject of its parent`, 'issuer'));
  }
  if (child.credentialSubject.owner !== parent.credentialSubject.owner) {
    errors.push(chainError(`${at}: names another owner than its parent`, 'owner'));
  }
  const p = delegationOf(parent);
  const c = delegationOf(child);
  if (c.depth !== p.depth + 1 || c.depth > p.maxDepth || c.maxDepth > p.maxDepth) {
    errors.push(legateError('ERR_DELEGATION_DEPTH', `${at}: depth ${c.depth} (max ${c.maxDepth}) does not follow its parent's depth ${p.depth} (max ${p.maxDepth})`, { claim: 'delegation' }));
  }
  const narrowing = subjectNarrows(parent.credentialSubject, child.credentialSubject);
  if (!narrowing.ok) {
    errors.push(legateError('ERR_CAPABILITY_WIDENED', `${at}: widens its parent: ${narrowing.reasons.join('; ')}`, { claim: 'capabilities' }));
  }
  const starts = Date.parse(child.validFrom) < Date.parse(parent.validFrom);
  const ends =
    parent.validUntil !== undefined && (child.validUntil === undefined || Date.parse(child.validUntil) > Date.parse(parent.validUntil));
  if (starts || ends) {
    errors.push(legateError('ERR_CAPABILITY_WIDENED', `${at}: is valid outside its parent's validity`, { claim: 'validity' }));
  }
  return errors;
}

function attribution(links: ChainLink[]): AttributionEntry[] {
  const root = links[0];
  if (root === undefined) return [];
  return [
    { role: 'issuer', id: root.issuer },
    { role: 'owner', id: root.credential.credentialSubject.owner },
    ...links.map((l, i): AttributionEntry => ({ role: i === 0 ? 'agent' : 'sub-agent', id: l.credential.credentialSubject.id, credential: l.credential.id })),
  ];
}

/**
 * Verifies a delegation chain given as its secured credentials, in any
 * order: JWTs, Data Integrity credentials (objects or JSON text), or both.
 * Never throws for bad input: every problem is in `errors`.
 *
 * @example
 * ```ts
 * // acme -> alice -> sub-agent
 * const chain = await verifyChain([rootJwt, childJwt], { resolver });
 * chain.rootIssuer;  // 'did:web:acme.example'
 * chain.attribution; // issuer, owner, agent, sub-agent
 * ```
 */
export async function verifyChain(tokens: readonly SecuredCredential[], options: VerifyCredentialOptions): Promise<ChainVerification> {
  // Bounded before any link is verified.
  return countRefusal(tokens) ?? chainOf(tokens, await verifyLinks(tokens, options));
}

/** A chain of no links, or of more than {@link MAX_CHAIN_LINKS}, refused; undefined when the count is fine. */
function countRefusal(tokens: readonly SecuredCredential[]): ChainVerification | undefined {
  if (tokens.length === 0) return { verified: false, errors: [chainError('the chain is empty')], links: [], attribution: [] };
  if (tokens.length <= MAX_CHAIN_LINKS) return undefined;
  return {
    verified: false,
    errors: [legateError('ERR_INPUT_TOO_LARGE', `a chain has at most ${MAX_CHAIN_LINKS} links`, { claim: 'chain' })],
    links: [],
    attribution: [],
  };
}

/**
 * @internal The chain of credentials already verified one by one (`results[i]`
 * is `tokens[i]`'s verification): what {@link verifyChain} adds to the
 * verification of each link. A presentation verifies each credential it
 * carries once and builds all its chains from those results.
 */
export function chainOf(tokens: readonly SecuredCredential[], results: readonly CredentialVerification<AgentCapabilityCredential>[]): ChainVerification {
  const refused = countRefusal(tokens);
  if (refused !== undefined) return refused;
  const errors: LegateError[] = [];
  const decoded: ChainLink[] = [];
  results.forEach((result, i) => {
    errors.push(...result.errors.map((e) => (tokens.length === 1 ? e : relabel(e, i))));
    if (result.credential !== undefined && result.issuer !== undefined && typeof result.credential.credentialSubject === 'object') {
      const token = securedText(tokens[i]!);
      decoded.push({ token, credential: result.credential, issuer: result.issuer });
    }
  });
  if (decoded.length !== tokens.length) return { verified: false, errors, links: [], attribution: [] };

  const { ordered, errors: orderErrors } = order(decoded);
  errors.push(...orderErrors);
  if (ordered.length > 0) {
    const root = delegationOf(ordered[0]!.credential);
    if (root.depth !== 0) errors.push(legateError('ERR_DELEGATION_DEPTH', 'the root credential must have depth 0', { claim: 'delegation' }));
    for (let i = 1; i < ordered.length; i++) errors.push(...linkErrors(ordered[i - 1]!.credential, ordered[i]!.credential, i));
  }
  return {
    verified: errors.length === 0,
    errors,
    links: ordered,
    ...(ordered.length > 0 ? { rootIssuer: ordered[0]!.issuer, leaf: ordered.at(-1)!.credential } : {}),
    attribution: attribution(ordered),
  };
}

/**
 * The errors of a verified chain that bear on one capability of its leaf.
 * Issuer trust is decided per capability: each `ERR_UNTRUSTED_ISSUER` names
 * the root capability (`action:resource`) it is about, so it counts against
 * `capability` only when no trusted root capability contains it. Every other
 * error counts against the whole chain.
 */
export function errorsForCapability(chain: ChainVerification, capability: Pick<Capability, 'action' | 'resource'>): LegateError[] {
  const untrusted = new Set(chain.errors.filter((e) => e.code === 'ERR_UNTRUSTED_ISSUER' && e.claim !== undefined).map((e) => e.claim));
  if (untrusted.size === 0 || chain.links.length === 0) return [...chain.errors];
  const others = chain.errors.filter((e) => e.code !== 'ERR_UNTRUSTED_ISSUER');
  const trustedRoot = chain.links[0]!.credential.credentialSubject.capabilities.some(
    (p) => !untrusted.has(`${p.action}:${p.resource}`) && actionWithin(capability.action, p.action) && resourceWithin(capability.resource, p.resource),
  );
  return trustedRoot ? others : [...chain.errors];
}
