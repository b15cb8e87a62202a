/**
 * The bank as an OAuth authorization server, in process, and a partner's
 * delegation chain to present to it:
 *
 *   acme (did:key organization, accredited by the bank for billing and CRM reads, one delegation hop)
 *     └─ alice (did:key agent, owner carol)
 *          └─ bob (did:key sub-agent of alice)
 *
 * did:key parties resolve offline, so the bank verifies everything without a
 * network; the bank's own DIDs resolve from its store. One injected clock.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { OAuthPolicy } from '../../src/config/node-options.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { Capability } from '../../src/credential/types.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { generateEphemeralSigner, type Signer } from '../../src/keys/signer.js';
import type { NodeContext, NodeOptions } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { accredit } from '../../src/node/registry.js';
import { createDpopProof, type DpopKeyPair } from '../../src/oauth/dpop.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_PRESENTATION } from '../../src/oauth/types.js';
import { createPresentation } from '../../src/presentation/create.js';
import { createApp } from '../../src/server/app.js';

export const ISSUER = 'https://bank.example';
export const TOKEN_URL = `${ISSUER}/oauth/token`;
export const RESOURCE = 'https://api.bank.example/billing';
export const OWNER = 'mailto:carol@acme.example';

/** A settable clock: `clock.at` is now, in ms. */
export function settableClock(start = Date.parse('2026-03-02T10:00:00Z')) {
  const state = { at: start };
  return Object.assign(() => new Date(state.at), { state });
}
export type SettableClock = ReturnType<typeof settableClock>;

export interface Bank {
  node: NodeContext;
  app: Hono;
  clock: SettableClock;
}

/** The bank's node (did:web:bank.example, issuer https://bank.example), serving RESOURCE tokens, in a fresh directory. */
export async function openBank(
  oauth: Partial<OAuthPolicy> = {},
  clock = settableClock(),
  more: Pick<NodeOptions, 'fetch' | 'verifier'> = {},
): Promise<Bank> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-oauth-')), 'bank');
  await initNode({ dataDir, domain: 'bank.example', clock });
  const node = await openNode({ dataDir, clock, oauth: { resources: [RESOURCE], ...oauth }, ...more });
  return { node, app: createApp({ node, onUnexpectedError: () => undefined }), clock };
}

export interface Partner {
  acme: Signer & { did: string };
  alice: Signer & { did: string };
  bob: Signer & { did: string };
  /** acme → alice: refunds up to 100 EUR, CRM reads; delegable once. */
  root: string;
  /** alice → bob: refunds up to 50 EUR ('' when the partner was given capabilities of its own). */
  child: string;
  rootId: string;
}

export const ROOT_CAPABILITIES: Capability[] = [
  { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'EUR' } } },
  { action: 'read', resource: 'crm:*' },
];

/** acme's chain to alice and bob, and the bank's accreditation of acme (unless `trusted` is false). */
export async function partner(bank: Bank, options: { trusted?: boolean; capabilities?: Capability[]; accredits?: string[] } = {}): Promise<Partner> {
  const [acme, alice, bob] = [generateEphemeralSigner(), generateEphemeralSigner(), generateEphemeralSigner()];
  const clock = bank.clock;
  const root = await issueCapabilityCredential({
    issuer: acme.did,
    signer: acme,
    subject: { id: alice.did, owner: OWNER, capabilities: options.capabilities ?? ROOT_CAPABILITIES, delegation: { depth: 0, maxDepth: 1 } },
    validFor: '30d',
    clock,
  });
  // With capabilities of its own, the partner has no sub-agent credential (the delegation below narrows ROOT_CAPABILITIES).
  const child =
    options.capabilities !== undefined
      ? undefined
      : await delegateCapability({
          parent: root.credential,
          signer: alice,
          to: bob.did,
          capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 50, currency: 'EUR' } } }],
          validFor: '7d',
          clock,
        });
  if (options.trusted !== false) await accredit(bank.node, { issuer: acme.did, capabilities: options.accredits ?? ['call:billing:*', 'read:crm:*'], maxDelegationDepth: 1 });
  return { acme, alice, bob, root: root.jwt, child: child?.jwt ?? '', rootId: root.id };
}

/** A fresh nonce of the bank's AS: every token endpoint answer carries one. */
export async function freshNonce(app: Hono): Promise<string> {
  const res = await app.request('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  const nonce = res.headers.get('dpop-nonce');
  if (nonce === null) throw new Error('no DPoP-Nonce');
  return nonce;
}

export interface ExchangeOptions {
  holder: Signer;
  credentials: string[];
  /** The DPoP key; null: send no proof. */
  key: DpopKeyPair | null;
  nonce: string;
  scope?: string;
  /** Extra or replacing form parameters (a value of undefined removes one). */
  params?: Record<string, string | undefined>;
  /** Overrides of the presentation. */
  audience?: string;
  jkt?: string;
  /** The actor the presentation names (`may_act.sub`). */
  mayAct?: string;
  vp?: string;
  /** Overrides of the proof. */
  proof?: string;
  htu?: string;
  htm?: string;
}

/** The form and the headers of one token exchange. */
export async function tokenRequest(bank: Bank, o: ExchangeOptions): Promise<{ vp: string; proof: string | undefined; form: URLSearchParams; headers: Record<string, string> }> {
  const vp =
    o.vp ??
    (await createPresentation({ signer: o.holder, credentials: o.credentials, audience: o.audience ?? ISSUER, nonce: o.nonce, clock: bank.clock,
      ...(o.jkt === undefined ? {} : { jkt: o.jkt }),
      ...(o.mayAct === undefined ? {} : { mayAct: o.mayAct }),
    }));
  const proof =
    o.proof ?? (o.key === null ? undefined : await createDpopProof({ key: o.key, htm: o.htm ?? 'POST', htu: o.htu ?? TOKEN_URL, nonce: o.nonce, clock: bank.clock }));
  const fields: Record<string, string | undefined> = {
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: vp,
    subject_token_type: TOKEN_TYPE_PRESENTATION,
    resource: RESOURCE,
    scope: o.scope ?? 'call:billing:refund',
    ...o.params,
  };
  const form = new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
  return { vp, proof, form, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(proof === undefined ? {} : { dpop: proof }) } };
}

/** POSTs one token exchange to the bank; returns the status, JSON body and headers. */
export async function post(bank: Bank, form: URLSearchParams, headers: Record<string, string>) {
  const res = await bank.app.request('/oauth/token', { method: 'POST', headers, body: form.toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** One token exchange: the request built from `o`, posted. */
export async function exchange(bank: Bank, o: ExchangeOptions) {
  const { form, headers } = await tokenRequest(bank, o);
  return post(bank, form, headers);
}

/** The claims of a JWS, unverified. */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
export function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
