/**
 * @module node/credential-view
 *
 * What the credential inventory (`listCredentials`, `showCredential`) says
 * about one stored credential: who holds it, what it allows and under which
 * limits, its delegation chain (parent ids up to the root), each status
 * entry with the bit this node's list holds for it now, its validity, and
 * the state all of that adds up to. Reads only the store: a status entry in
 * another organization's list is shown with `set: null` (never fetched), and
 * a parent this node does not hold ends the chain it can follow.
 *
 * The state is the first that applies of `revoked`, `suspended`, `expired`
 * and `active`, for the credential itself and then for each parent this
 * node holds (a child is no stronger than its chain): `stateFrom` names the
 * parent when the state comes from one.
 */

import type { Capability, Constraints } from '../credential/types.js';
import { issuerId } from '../credential/types.js';
import { readUnverified } from '../credential/verify-secured.js';
import { MAX_CHAIN_LINKS } from '../delegation/verify-chain.js';
import { isRecord } from '../lib/assert.js';
import { getBit } from '../status/bitstring.js';
import { readStatusEntries } from '../status/entry.js';
import type { StatusPurpose } from '../status/types.js';
import type { CredentialRecord } from '../store/types.js';
import type { NodeContext } from './context.js';
import { nodeBaseUrl } from './documents.js';

export const CREDENTIAL_STATES = ['active', 'revoked', 'suspended', 'expired'] as const;

/** What a credential adds up to now: see the module comment for the order. */
export type CredentialState = (typeof CREDENTIAL_STATES)[number];

/** One `credentialStatus` entry and the bit it names. */
export interface CredentialStatusView {
  purpose: StatusPurpose;
  /** The list credential's URL, as the credential states it (what `legate status show` also takes). */
  list: string;
  /** The list's id, when it is one of this node's lists. */
  listId?: string;
  index: number;
  /** The bit now: set (revoked or suspended) or clear; null for a list this node does not keep. */
  set: boolean | null;
}

/** One credential of the inventory. */
export interface CredentialView {
  id: string;
  type: string;
  format: CredentialRecord['format'];
  issuer: string;
  /** The holder's DID. */
  subject: string;
  /** The holder's name, when it is an agent of this node. */
  agent?: string;
  /** The accountable human owner the credential names. */
  owner?: string;
  capabilities: Capability[];
  /** Limits shared by every capability. */
  constraints?: Constraints;
  delegation?: { depth: number; maxDepth: number; parent?: string };
  /** Parent ids, nearest first, up to the root (or to the first parent this node does not hold, listed last). */
  chain: string[];
  status: CredentialStatusView[];
  issuedAt: string;
  validFrom?: string;
  validUntil?: string;
  state: CredentialState;
  /** The parent whose state this is, when it is not the credential's own. */
  stateFrom?: string;
}

/** What one inventory call reads once and keeps (for its own duration only). */
export interface ViewCache {
  agents: Map<string, string | undefined>;
  lists: Map<string, Uint8Array | undefined>;
  /** Own state and stated parent of each credential looked at. */
  own: Map<string, { state: CredentialState; parent: string | undefined } | undefined>;
}

export function newViewCache(): ViewCache {
  return { agents: new Map(), lists: new Map(), own: new Map() };
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The credential a record holds, unverified (it was verified when issued or stored). */
function statedCredential(record: CredentialRecord): Record<string, unknown> {
  return readUnverified(record.token) ?? {};
}

/** Each status entry with the bit this node's list holds for it. */
async function statusOf(ctx: NodeContext, stated: Record<string, unknown>, cache: ViewCache): Promise<CredentialStatusView[]> {
  const prefix = `${nodeBaseUrl(ctx.organization.domain)}/status/`;
  const views: CredentialStatusView[] = [];
  for (const { purpose, index, listUrl } of readStatusEntries(stated).entries) {
    const listId = listUrl.startsWith(prefix) ? listUrl.slice(prefix.length) : undefined;
    let bits: Uint8Array | undefined;
    if (listId !== undefined) {
      if (!cache.lists.has(listId)) cache.lists.set(listId, (await ctx.store.getStatusList(listId))?.bits);
      bits = cache.lists.get(listId);
    }
    const set = bits === undefined || index >= bits.length * 8 ? null : getBit(bits, index);
    views.push({ purpose, list: listUrl, ...(listId === undefined ? {} : { listId }), index, set });
  }
  return views;
}

function validUntilOf(record: CredentialRecord, stated: Record<string, unknown>): string | undefined {
  return record.validUntil ?? stringOf(stated.validUntil);
}

/** A credential's own state, from its status bits and validity. */
function ownState(status: readonly CredentialStatusView[], validUntil: string | undefined, now: number): CredentialState {
  if (status.some((s) => s.purpose === 'revocation' && s.set === true)) return 'revoked';
  if (status.some((s) => s.purpose === 'suspension' && s.set === true)) return 'suspended';
  if (validUntil !== undefined && !(Date.parse(validUntil) > now)) return 'expired';
  return 'active';
}

function parentOf(stated: Record<string, unknown>): string | undefined {
  const subject = stated.credentialSubject;
  return isRecord(subject) && isRecord(subject.delegation) ? stringOf(subject.delegation.parent) : undefined;
}

/** A stored credential's own state and stated parent, or undefined when this node does not hold it. */
async function ownOf(ctx: NodeContext, id: string, cache: ViewCache, now: number): Promise<{ state: CredentialState; parent: string | undefined } | undefined> {
  if (cache.own.has(id)) return cache.own.get(id);
  const record = await ctx.store.getCredential(id);
  let own: { state: CredentialState; parent: string | undefined } | undefined;
  if (record !== undefined) {
    const stated = statedCredential(record);
    own = { state: ownState(await statusOf(ctx, stated, cache), validUntilOf(record, stated), now), parent: parentOf(stated) };
  }
  cache.own.set(id, own);
  return own;
}

const RANK: Record<CredentialState, number> = { revoked: 3, suspended: 2, expired: 1, active: 0 };

/** The chain up from `parent` (ids, nearest first) and the worst state found along it. */
async function chainOf(ctx: NodeContext, parent: string | undefined, cache: ViewCache, now: number) {
  const chain: string[] = [];
  let worst: { state: CredentialState; from: string } | undefined;
  for (let id = parent; id !== undefined && chain.length < MAX_CHAIN_LINKS && !chain.includes(id); ) {
    chain.push(id);
    const own = await ownOf(ctx, id, cache, now);
    if (own === undefined) break;
    if (own.state !== 'active' && (worst === undefined || RANK[own.state] > RANK[worst.state])) worst = { state: own.state, from: id };
    id = own.parent;
  }
  return { chain, worst };
}

async function agentName(ctx: NodeContext, did: string, cache: ViewCache): Promise<string | undefined> {
  if (!cache.agents.has(did)) cache.agents.set(did, (await ctx.store.getAgentByDid(did))?.name);
  return cache.agents.get(did);
}

/** The inventory's view of one stored credential, as of the node's clock. */
export async function viewCredential(ctx: NodeContext, record: CredentialRecord, cache: ViewCache = newViewCache()): Promise<CredentialView> {
  const now = ctx.clock().getTime();
  const stated = statedCredential(record);
  const subject = isRecord(stated.credentialSubject) ? stated.credentialSubject : {};
  const delegation = isRecord(subject.delegation) ? subject.delegation : undefined;
  const status = await statusOf(ctx, stated, cache);
  const validFrom = stringOf(stated.validFrom);
  const validUntil = validUntilOf(record, stated);
  const own = ownState(status, validUntil, now);
  const parent = parentOf(stated);
  cache.own.set(record.id, { state: own, parent });
  const { chain, worst } = await chainOf(ctx, parent, cache, now);
  const inherited = worst !== undefined && RANK[worst.state] > RANK[own] ? worst : undefined;
  const agent = await agentName(ctx, record.subject, cache);
  const owner = stringOf(subject.owner);
  return {
    id: record.id,
    type: record.type,
    format: record.format,
    issuer: issuerId(stated) ?? record.issuer,
    subject: record.subject,
    ...(agent === undefined ? {} : { agent }),
    ...(owner === undefined ? {} : { owner }),
    capabilities: Array.isArray(subject.capabilities) ? (subject.capabilities as Capability[]) : [],
    ...(isRecord(subject.constraints) ? { constraints: subject.constraints } : {}),
    ...(delegation === undefined
      ? {}
      : {
          delegation: {
            depth: typeof delegation.depth === 'number' ? delegation.depth : 0,
            maxDepth: typeof delegation.maxDepth === 'number' ? delegation.maxDepth : 0,
            ...(parent === undefined ? {} : { parent }),
          },
        }),
    chain,
    status,
    issuedAt: record.issuedAt,
    ...(validFrom === undefined ? {} : { validFrom }),
    ...(validUntil === undefined ? {} : { validUntil }),
    state: inherited?.state ?? own,
    ...(inherited === undefined ? {} : { stateFrom: inherited.from }),
  };
}
