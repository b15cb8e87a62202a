/**
 * An example federation with fixed keys, for registry tests. Organizations:
 *
 *   acme   (did:web:acme.example)   support-tools vendor, from test/fixtures
 *   bank   (did:web:bank.example)   the verifier in most tests
 *   pay    (did:web:pay.example)    payments provider
 *   ledger (did:web:ledger.example) clearing house
 *   mallory (did:key)               the attacker
 *
 * The standard lists (every test may override one):
 *
 *   bank  accredits acme for read:crm:*, call:support:* (depth 2)
 *         recognizes pay, hops 1, bounded to call:billing:*
 *   pay   accredits refunds.example for *:* (it tries to widen; bank's bound holds it to call:billing:*)
 *         recognizes ledger, hops 0
 *   ledger accredits fx.example for call:billing:fx:* (depth 0)
 *
 * bank's anchor is its own list, with 2 hops: bank -> pay -> ledger.
 */

import type { DIDDocument } from 'did-resolver';
import { ed25519 } from '@noble/curves/ed25519.js';
import { createDidResolver } from '../../src/did/resolver.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { signerFromKeyObject, type Signer } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { createTrustRegistry, type TrustRegistryOptions } from '../../src/registry/trust.js';
import { issueTrustList, type AccreditationInput, type RecognitionInput } from '../../src/registry/trust-list.js';
import type { StatusEntry } from '../../src/credential/types.js';
import { acme, alice, bob, NOW } from '../fixtures.js';
import { listServer, movableClock, type Route } from '../status/helpers.js';

export { acme, mallory, NOW } from '../fixtures.js';
export { codes, listServer, movableClock, noFetch, thrown } from '../status/helpers.js';

export const MINUTE = 60_000;
export const DAY_MS = 24 * 60 * MINUTE;

function organization(domain: string, byte: number) {
  const did = `did:web:${domain}`;
  const secretKey = new Uint8Array(32).fill(byte);
  const publicKey = ed25519.getPublicKey(secretKey);
  const signer: Signer = signerFromKeyObject(`${did}#key-1`, publicKey, privateKeyObject(secretKey, publicKey));
  const document = buildOrganizationDidDocument({ did, keys: [{ kid: signer.kid, publicKey }] });
  return { did, signer, document, url: `https://${domain}/registry/trust-list` };
}

export const bank = organization('bank.example', 20);
export const pay = organization('pay.example', 21);
export const ledger = organization('ledger.example', 22);
export const acmeOrg = { ...acme, url: 'https://acme.example/registry/trust-list' };

/** Issuers with no list of their own. */
export const REFUNDS = 'did:web:refunds.example';
export const FX = 'did:web:fx.example';

const documents = new Map<string, DIDDocument>([acme, alice, bob, bank, pay, ledger].map((o) => [o.did, o.document]));

/** Resolves the organizations' did:web documents through `local`, did:key offline; never the network. */
export function federationResolver() {
  return createDidResolver({
    local: (did) => Promise.resolve(documents.get(did)),
    fetch: () => Promise.resolve(new Response('not found', { status: 404 })),
  });
}

type Org = { did: string; signer: Signer; url: string };

export interface ListSpec {
  accredits?: AccreditationInput[];
  recognizes?: RecognitionInput[];
  url?: string;
  issuer?: string;
  signer?: Signer;
  version?: number;
  validFrom?: Date;
  validUntil?: Date;
  credentialStatus?: StatusEntry[];
}

/** A trust list of `org`, valid for a week from NOW unless told otherwise. */
export async function trustList(org: Org, spec: ListSpec = {}): Promise<string> {
  const validFrom = spec.validFrom ?? NOW;
  const { jwt } = await issueTrustList({
    url: spec.url ?? org.url,
    issuer: spec.issuer ?? org.did,
    signer: spec.signer ?? org.signer,
    version: spec.version ?? 1,
    accredits: spec.accredits ?? [],
    recognizes: spec.recognizes ?? [],
    validFrom,
    validUntil: spec.validUntil ?? new Date(validFrom.getTime() + 7 * DAY_MS),
    credentialStatus: spec.credentialStatus,
  });
  return jwt;
}

export const standard = {
  bank: (): ListSpec => ({
    accredits: [{ issuer: acme.did, capabilities: ['read:crm:*', 'call:support:*'], maxDelegationDepth: 2 }],
    recognizes: [{ url: pay.url, issuer: pay.did, hops: 1, capabilities: ['call:billing:*'] }],
  }),
  pay: (): ListSpec => ({
    accredits: [{ issuer: REFUNDS, capabilities: ['*:*'], maxDelegationDepth: 1 }],
    recognizes: [{ url: ledger.url, issuer: ledger.did, hops: 0 }],
  }),
  ledger: (): ListSpec => ({
    accredits: [{ issuer: FX, capabilities: ['call:billing:fx:*'], maxDelegationDepth: 0 }],
  }),
};

/** Routes serving the standard lists, with `overrides` (a spec, or a whole route) by organization. */
export async function standardRoutes(
  overrides: Partial<Record<'bank' | 'pay' | 'ledger', ListSpec | Route>> = {},
): Promise<Record<string, Route>> {
  const routes: Record<string, Route> = {};
  for (const [name, org] of [['bank', bank], ['pay', pay], ['ledger', ledger]] as const) {
    const override = overrides[name];
    routes[org.url] = override !== undefined && 'body' in override ? override : { body: await trustList(org, override ?? standard[name]()) };
  }
  return routes;
}

/** bank's registry over an in-memory federation: anchor = bank's own list, 2 hops. */
export async function setup(
  overrides: Parameters<typeof standardRoutes>[0] = {},
  options: Partial<TrustRegistryOptions> = {},
) {
  const server = listServer(await standardRoutes(overrides));
  const time = movableClock();
  const registry = createTrustRegistry({
    self: bank.did,
    anchors: [{ url: bank.url, issuer: bank.did, hops: 2 }],
    resolver: federationResolver(),
    fetch: server.fetch,
    clock: time.clock,
    ...options,
  });
  return { registry, server, time };
}

/** A compact JWS with its payload replaced and the old signature kept. */
export function tamper(jwt: string, edit: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  edit(decoded);
  return `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
}
