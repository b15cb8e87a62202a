/**
 * @module node/documents
 *
 * The DID documents a node publishes, built from its store: the
 * organization's and each did:web agent's, listing every key of theirs that
 * is not retired (after a rotation the old key stays listed while anything
 * it signed can be live, so it still verifies; `node/key-retire` retires it
 * after, and `audit/key-history` keeps it for audit verification). The same
 * documents answer local resolution, so a node verifies its own credentials
 * with no server running. A retired agent's DID is deactivated: no document
 * (and no key) is served for it, the route answers 410 and local resolution
 * says `deactivated: true`, so nothing it signed verifies any more.
 */

import type { DIDDocument } from 'did-resolver';
import { buildAgentDidDocument, buildOrganizationDidDocument, isLoopbackHost } from '../did/web.js';
import { multibaseToEd25519 } from '../lib/multikey.js';
import type { AgentRepository } from '../store/ports/agents.js';
import type { KeyRepository } from '../store/ports/keys.js';
import type { AgentRecord, KeyRecord, OrganizationRecord } from '../store/types.js';

function publicKey(record: KeyRecord): Uint8Array {
  // Stored keys are written by the key store from valid keys; a bad row is a corrupt store.
  const key = multibaseToEd25519(record.publicKeyMultibase);
  if (key === undefined) throw new Error(`stored key ${record.kid} has an invalid public key`);
  return key;
}

/** Where the node for `domain` is reached: https, or http for loopback hosts (tests, local demos). */
export function nodeBaseUrl(domain: string): string {
  const host = domain.replace(/:\d+$/, '');
  return `${isLoopbackHost(host) ? 'http' : 'https'}://${domain}`;
}

/** Where a node publishes its trust list (`GET`), relative to its base URL. */
export const TRUST_LIST_PATH = '/registry/trust-list';

/** The URL of the trust list the node for `domain` publishes. */
export function trustListUrlOf(domain: string): string {
  return `${nodeBaseUrl(domain)}${TRUST_LIST_PATH}`;
}

/** The service type naming where a node takes status notices (revocation push, #17 item 5). */
export const STATUS_NOTICE_SERVICE = 'LegateStatusNotice';
/** The service type naming where a node takes subscriptions to its status lists. */
export const STATUS_SUBSCRIPTION_SERVICE = 'LegateStatusSubscription';
/** Where a node takes status notices (`POST`), relative to its base URL. */
export const STATUS_NOTICES_PATH = '/status/notices';
/** Where a node takes subscriptions to its status lists (`POST`), relative to its base URL. */
export const STATUS_SUBSCRIPTIONS_PATH = '/status/subscriptions';

/** The handshake endpoint advertised in agent documents. */
export function aceEndpoint(domain: string): string {
  return `${nodeBaseUrl(domain)}/ace`;
}

export async function organizationDocument(store: KeyRepository, org: OrganizationRecord): Promise<DIDDocument> {
  const keys = (await store.listKeys(org.did)).filter((k) => k.status !== 'retired');
  return buildOrganizationDidDocument({
    did: org.did,
    keys: keys.map((k) => ({ kid: k.kid, publicKey: publicKey(k) })),
    // Revocation push: partners subscribe here, and this node takes their notices there.
    services: [
      { fragment: 'status-subscriptions', type: STATUS_SUBSCRIPTION_SERVICE, serviceEndpoint: `${nodeBaseUrl(org.domain)}${STATUS_SUBSCRIPTIONS_PATH}` },
      { fragment: 'status-notices', type: STATUS_NOTICE_SERVICE, serviceEndpoint: `${nodeBaseUrl(org.domain)}${STATUS_NOTICES_PATH}` },
    ],
  });
}

/** A did:web agent's document; undefined for a did:key agent, and for a retired one (its DID is deactivated). */
export async function agentDocument(store: KeyRepository, org: OrganizationRecord, agent: AgentRecord): Promise<DIDDocument | undefined> {
  if (agent.method !== 'web' || agent.status === 'retired') return undefined;
  const keys = (await store.listKeys(agent.did)).filter((k) => k.status !== 'retired');
  if (keys.length === 0) return undefined;
  return buildAgentDidDocument({
    did: agent.did,
    controller: org.did,
    keys: keys.map((k) => ({ kid: k.kid, publicKey: publicKey(k) })),
    serviceEndpoint: aceEndpoint(org.domain),
  });
}

/** Local resolution: this node's organization and did:web agents (`'deactivated'` when retired), else undefined. */
export function localDocuments(store: AgentRepository & KeyRepository, org: OrganizationRecord): (did: string) => Promise<DIDDocument | 'deactivated' | undefined> {
  return async (did) => {
    if (did === org.did) return organizationDocument(store, org);
    if (!did.startsWith(`${org.did}:agents:`)) return undefined;
    const agent = await store.getAgentByDid(did);
    if (agent?.status === 'retired') return 'deactivated';
    return agent === undefined ? undefined : agentDocument(store, org, agent);
  };
}
