/**
 * @module node/overview/federation
 *
 * Who this node trusts, for the console's federation page: its own
 * organization, the issuers it accredits (with the capability patterns and
 * delegation depth each is trusted for) and the trust lists it recognizes
 * (their signers, hop limits and bounds), read from its own registry
 * entries: nothing is fetched. The graph's nodes are organizations (DIDs)
 * and its edges say who trusts whom for what; what a recognized list in
 * turn accredits is that list's business and is not followed here.
 * Bounded: at most {@link MAX_FEDERATION_ENTRIES} entries are shown.
 */

import { isRecord } from '../../lib/assert.js';
import type { NodeContext } from '../context.js';

export const MAX_FEDERATION_ENTRIES = 200;

export interface FederationEdge {
  /** The DID that trusts. */
  from: string;
  /** The DID trusted. */
  to: string;
  kind: 'accredits' | 'recognizes';
  /** Capability patterns the trust covers; empty for a recognition with no further bound. */
  capabilities: string[];
  /** Accreditations: how deep its chains may delegate. */
  maxDelegationDepth?: number;
  /** Recognitions: the list's URL and how many further hops trust may travel. */
  url?: string;
  hops?: number;
  validUntil?: string;
  /** True when `validUntil` has passed at the node's clock. */
  expired: boolean;
}

export interface FederationOverview {
  organization: { did: string; domain: string };
  /** Every DID in the graph, this organization first. */
  organizations: string[];
  edges: FederationEdge[];
  /** The published trust list: its version and until when it is valid, if one was published. */
  trustList?: { version: number; validUntil?: string };
  truncated: boolean;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const int = (value: unknown): number | undefined => (typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined);

/** This node's trust relations, as edges from its organization. */
export async function federationOverview(ctx: NodeContext): Promise<FederationOverview> {
  const self = ctx.organization.did;
  const now = ctx.clock().getTime();
  const entries = await ctx.store.listRegistryEntries();
  const edges: FederationEdge[] = [];
  for (const { kind, entry } of entries.slice(0, MAX_FEDERATION_ENTRIES)) {
    if (!isRecord(entry)) continue;
    const to = str(entry.issuer);
    if (to === undefined) continue;
    const validUntil = str(entry.validUntil);
    const common = { from: self, to, capabilities: strings(entry.capabilities), expired: validUntil !== undefined && !(Date.parse(validUntil) > now), ...(validUntil === undefined ? {} : { validUntil }) };
    if (kind === 'accreditation') {
      const depth = int(entry.maxDelegationDepth);
      edges.push({ ...common, kind: 'accredits', ...(depth === undefined ? {} : { maxDelegationDepth: depth }) });
    } else {
      const url = str(entry.url);
      const hops = int(entry.hops);
      edges.push({ ...common, kind: 'recognizes', ...(url === undefined ? {} : { url }), ...(hops === undefined ? {} : { hops }) });
    }
  }
  const list = await ctx.store.getTrustList();
  return {
    organization: { did: self, domain: ctx.organization.domain },
    organizations: [...new Set([self, ...edges.map((e) => e.to)])],
    edges,
    ...(list === undefined ? {} : { trustList: { version: list.version, ...(list.validUntil === undefined ? {} : { validUntil: list.validUntil }) } }),
    truncated: entries.length > MAX_FEDERATION_ENTRIES,
  };
}
