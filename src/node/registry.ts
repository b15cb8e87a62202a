/**
 * @module node/registry
 *
 * This organization's trust registry: the accreditations and recognitions it
 * decides on (stored as entries), published as one signed, versioned
 * `TrustListCredential` at `<node>/registry/trust-list` with its own
 * revocation entry; and the trust registry this node verifies with, anchored
 * at its own DID and its own list (read from the store, no server needed).
 */

import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import { decodeCompactJws } from '../lib/jws.js';
import { parsePattern } from '../registry/pattern.js';
import type { TrustRegistry, TrustRegistryOptions } from '../registry/trust.js';
import { issueTrustList } from '../registry/trust-list.js';
import { MAX_DELEGATION_DEPTH, MAX_TRUST_HOPS, type Accreditation, type Recognition } from '../registry/types.js';
import { inTransaction, type NodeContext } from './context.js';
import { trustListUrlOf } from './documents.js';
import { organizationSigner } from './signers.js';
import { audit } from './audit.js';
import { allocateStatus, statusListUrl } from './status.js';
import { needsResigning } from '../status/policy.js';
import { statusEntry } from '../status/entry.js';

export { TRUST_LIST_PATH } from './documents.js';
/** A published list is valid a day and re-signed when half of that has passed. */
export const TRUST_LIST_VALIDITY = 'P1D';

export function trustListUrl(ctx: NodeContext): string {
  return trustListUrlOf(ctx.organization.domain);
}

function checkPatterns(patterns: readonly string[], flag: string): string[] {
  if (patterns.length === 0) throw legateError('ERR_INVALID_ARGUMENT', `${flag} needs at least one capability pattern`, { claim: flag });
  for (const p of patterns) {
    try {
      parsePattern(p);
    } catch {
      throw legateError('ERR_INVALID_ARGUMENT', `${flag}: ${JSON.stringify(p.slice(0, 64))} is not a pattern <action>:<resource>`, { claim: flag });
    }
  }
  return [...patterns];
}

function checkInteger(value: number, max: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw legateError('ERR_INVALID_ARGUMENT', `${name} must be an integer from 0 to ${max}`, { claim: name });
  }
  return value;
}

/** Signs the current entries as the next version and stores it. Call inside a transaction context. */
async function publish(ctx: NodeContext): Promise<string> {
  const url = trustListUrl(ctx);
  const version = ((await ctx.store.getTrustList())?.version ?? 0) + 1;
  const entries = await ctx.store.listRegistryEntries();
  // The list's own revocation entry: allocated once, kept across versions (revoke it to withdraw the whole list).
  const revocation = async () => (await ctx.store.getStatusAllocations(url)).find((a) => a.purpose === 'revocation');
  const allocation = (await revocation()) ?? (await allocateStatus(ctx, ctx.organization.did, url), await revocation())!;
  const credentialStatus = [statusEntry(statusListUrl(ctx, allocation.listId), allocation.index, 'revocation')];
  const now = ctx.clock();
  const validUntil = addDuration(now, parseDuration(TRUST_LIST_VALIDITY));
  const { jwt } = await issueTrustList({
    url,
    issuer: ctx.organization.did,
    signer: await organizationSigner(ctx),
    version,
    accredits: entries.filter((e) => e.kind === 'accreditation').map((e) => e.entry as unknown as Accreditation),
    recognizes: entries.filter((e) => e.kind === 'recognition').map((e) => e.entry as unknown as Recognition),
    validFrom: now,
    validUntil,
    credentialStatus,
    clock: ctx.clock,
  });
  await ctx.store.putTrustList({ version, token: jwt, publishedAt: now.toISOString(), validUntil: validUntil.toISOString() });
  return jwt;
}

async function change(ctx: NodeContext, apply: (tx: NodeContext) => Promise<void>, what?: { action: string; resource: string }): Promise<string> {
  return inTransaction(ctx, async (tx) => {
    await apply(tx);
    const jwt = await publish(tx);
    if (what !== undefined) {
      const version = (decodeCompactJws(jwt).payload.credentialSubject as { version: number }).version;
      await audit(tx, { type: 'registry-change', decision: 'allow', ...what, details: { version } });
    }
    return jwt;
  });
}

export interface AccreditOptions {
  /** The accredited issuer's DID. */
  issuer: string;
  /** Capability patterns `<action>:<resource>` it may attest. */
  capabilities: readonly string[];
  /** How deep its credentials may delegate; default 0. */
  maxDelegationDepth?: number;
  /** How long the accreditation lasts (ISO 8601 or short); default: until removed. */
  validFor?: string;
}

/**
 * Accredits an issuer (replacing an earlier accreditation of it) and republishes the list.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad DID, pattern or depth.
 */
export async function accredit(ctx: NodeContext, options: AccreditOptions): Promise<string> {
  if (!/^did:[a-z0-9]+:\S+$/.test(options.issuer)) throw legateError('ERR_INVALID_ARGUMENT', 'issuer must be a DID', { claim: 'issuer' });
  const entry: Accreditation = {
    issuer: options.issuer,
    capabilities: checkPatterns(options.capabilities, '--for'),
    maxDelegationDepth: checkInteger(options.maxDelegationDepth ?? 0, MAX_DELEGATION_DEPTH, 'maxDelegationDepth'),
    ...(options.validFor === undefined ? {} : { validUntil: addDuration(ctx.clock(), parseDuration(options.validFor)).toISOString().replace(/\.\d{3}Z$/, 'Z') }),
  };
  return change(
    ctx,
    (tx) => tx.store.putRegistryEntry({ kind: 'accreditation', key: entry.issuer, entry: { ...entry }, updatedAt: ctx.clock().toISOString() }),
    { action: 'accredit', resource: entry.issuer },
  );
}

export interface RecognizeOptions {
  /** The other trust list's URL (https, or http for loopback hosts). */
  url: string;
  /** The DID that must sign it. */
  issuer: string;
  /** How many further recognitions may be followed from it; default 0. */
  hops?: number;
  /** Patterns bounding what it may accredit; default: no further bound. */
  capabilities?: readonly string[];
}

/** Recognizes another trust list (replacing an earlier recognition of it) and republishes. */
export async function recognize(ctx: NodeContext, options: RecognizeOptions): Promise<string> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw legateError('ERR_INVALID_ARGUMENT', 'the trust list URL is not a URL', { claim: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw legateError('ERR_INVALID_ARGUMENT', 'the trust list URL must be https', { claim: 'url' });
  if (!/^did:[a-z0-9]+:\S+$/.test(options.issuer)) throw legateError('ERR_INVALID_ARGUMENT', 'issuer must be a DID', { claim: 'issuer' });
  const entry: Recognition = {
    url: options.url,
    issuer: options.issuer,
    hops: checkInteger(options.hops ?? 0, MAX_TRUST_HOPS, 'hops'),
    ...(options.capabilities === undefined ? {} : { capabilities: checkPatterns(options.capabilities, '--for') }),
  };
  return change(
    ctx,
    (tx) => tx.store.putRegistryEntry({ kind: 'recognition', key: entry.url, entry: { ...entry }, updatedAt: ctx.clock().toISOString() }),
    { action: 'recognize', resource: entry.url },
  );
}

/**
 * Removes the accreditation of a DID or the recognition of a URL, and republishes.
 * @throws LegateError `ERR_NOT_FOUND` when there is no such entry.
 */
export async function removeRegistryEntry(ctx: NodeContext, key: string): Promise<string> {
  return change(
    ctx,
    async (tx) => {
      if ((await tx.store.removeRegistryEntry(key)) === 0) throw legateError('ERR_NOT_FOUND', `no accreditation or recognition of ${key}`, { claim: 'key' });
    },
    { action: 'remove', resource: key },
  );
}

/**
 * The published trust list, as stored: reading never signs or writes. Every
 * accreditation, recognition and removal publishes a new version, and the
 * re-signing job ({@link resignTrustList}) keeps it signed before it expires;
 * a stored list past its `validUntil` is still served, and verifiers refuse it.
 * @throws LegateError `ERR_NOT_FOUND` when this node has published none yet
 * (it has accredited and recognized nothing).
 */
export async function publishedTrustList(ctx: NodeContext): Promise<string> {
  const token = (await ctx.store.getTrustList())?.token;
  if (token === undefined) {
    throw legateError('ERR_NOT_FOUND', 'this node has published no trust list yet: it accredits and recognizes nothing');
  }
  return token;
}

/**
 * Re-signs the published trust list as its next version when half its
 * validity has passed (the re-signing job's part for the trust list; see
 * `node/status-refresh`). A node that has never published one has nothing to
 * re-sign: its first accreditation or recognition signs it. `force`
 * re-signs a published list now, due or not (a key rotation).
 * @returns whether it re-signed.
 */
export async function resignTrustList(ctx: NodeContext, options: { force?: boolean } = {}): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    // Checked inside the transaction: another instance or a change may have re-signed it since.
    const token = (await tx.store.getTrustList())?.token;
    if (token === undefined || (options.force !== true && !needsResigning(token, tx.clock()))) return false;
    await publish(tx);
    return true;
  });
}

/**
 * The trust registry this node verifies with: its own DID trusted for
 * everything, and its own published list as the anchor (read from the store).
 * One per node, built by `createNode`; it checks trust lists' own status with
 * the node's status checker (the `status` argument is no longer read).
 */
export function trustRegistry(ctx: NodeContext, _status?: TrustRegistryOptions['status']): TrustRegistry {
  return ctx.services.verifier.trustRegistry;
}

/** The registry entries as the list states them. */
export async function registryEntries(ctx: NodeContext): Promise<{ accredits: Accreditation[]; recognizes: Recognition[] }> {
  const entries = await ctx.store.listRegistryEntries();
  const pick = (kind: string) => entries.filter((e) => e.kind === kind && isRecord(e.entry)).map((e) => e.entry);
  return { accredits: pick('accreditation') as unknown as Accreditation[], recognizes: pick('recognition') as unknown as Recognition[] };
}
