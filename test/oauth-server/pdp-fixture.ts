/**
 * The bank node as authorization server and policy decision point, in process (no network):
 *
 *   bank (did:web:bank.example) -> alice (a bank agent; refunds up to 60 EUR each, 100 EUR a day;
 *                                          closing an account needs an approval) -> helper (a did:key sub-agent)
 *   teller: the bank agent that answers handshakes (session subjects)
 *   rs1, rs2: resource servers (did:key) registered in oauth.clients for RESOURCE and teller's sessions;
 *   rs3: registered for LEDGER only (another resource of the bank); mallory: not registered
 *
 * Access tokens are issued here as the token endpoint issues them (issueAccessToken signed by the
 * organization's key), with the chains stored under their jti; the chains come from a handshake,
 * so they are exactly what ACE stores.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Capability } from '../../src/credential/types.js';
import type { Intent } from '../../src/handshake/types.js';
import { generateEphemeralSigner, type Signer } from '../../src/keys/signer.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { sessionChains } from '../../src/node/ace.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { signerFor, organizationSigner } from '../../src/node/signers.js';
import { chainsId } from '../../src/node/oauth/token-grant.js';
import { createClientAssertion } from '../../src/oauth/client-assertion.js';
import { issueAccessToken } from '../../src/oauth/access-token.js';
import { AUTHORIZATION_DETAILS_TYPE, type LegateAuthorizationDetail } from '../../src/oauth/types.js';
import { NOW } from '../fixtures.js';
import { handshakeWith } from '../helpers/verifier.js';

export const OWNER = 'mailto:carol@bank.example';
export const RESOURCE = 'https://api.bank.example/refunds';
/** Another resource of the bank, served by rs3 alone. */
export const LEDGER = 'https://api.bank.example/ledger';
/** The DID of the bank agent that answers handshakes: the audience of session tokens. */
export const TELLER = 'did:web:bank.example:agents:teller';
export const ISSUER = 'https://bank.example';
export const REFUND: Capability = {
  action: 'call',
  resource: 'billing:refund',
  constraints: { maxAmount: { value: 60, currency: 'EUR' }, budget: { value: 100, currency: 'EUR', period: 'P1D' } },
};
export const CLOSE: Capability = { action: 'close', resource: 'billing:account', constraints: { requireApproval: true } };

export const rs1 = generateEphemeralSigner();
export const rs2 = generateEphemeralSigner();
export const rs3 = generateEphemeralSigner();
export const mallory = generateEphemeralSigner();

export interface Bank {
  node: NodeContext;
  teller: string;
  alice: { did: string; signer: Signer; root: { id: string; jwt: string } };
}

/** `oauth.clients`: rs1 and rs2 for RESOURCE and teller's sessions, rs3 for LEDGER. */
export const CLIENTS = [rs1, rs2].flatMap((rs) => [`${rs.did}=${RESOURCE}`, `${rs.did}=${TELLER}`]).concat(`${rs3.did}=${LEDGER}`);

/** A fresh bank node at `clock`, rs1, rs2 and rs3 registered as clients, alice holding REFUND and CLOSE. */
export async function openBank(clock: () => Date): Promise<Bank> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-pdp-')), 'bank');
  await initNode({ dataDir, domain: 'bank.example', clock });
  const node = await openNode({ dataDir, clock, sessionLifetimeSeconds: 86_400, oauth: { resources: [RESOURCE, LEDGER], clients: CLIENTS } });
  const teller = await createAgent(node, { name: 'teller', owner: 'mailto:ops@bank.example' });
  if (teller.did !== TELLER) throw new Error(`teller is ${teller.did}`);
  await node.services.issuance.issue({ agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
  const alice = await createAgent(node, { name: 'alice', owner: OWNER });
  const root = await node.services.issuance.issue({ agent: 'alice', capabilities: [REFUND, CLOSE], delegation: { depth: 0, maxDepth: 1 } });
  return { node, teller: teller.did, alice: { did: alice.did, signer: await signerFor(node, alice.did), root: { id: root.id, jwt: root.jwt } } };
}

/** What {@link useBank} hands a test: the bank of the running test and its settable clock. */
export interface BankFixture {
  /** The bank opened for the running test. */
  readonly bank: Bank;
  /** The bank's clock: reads {@link BankFixture.now}. */
  readonly clock: () => Date;
  /** The clock's time: NOW at the start of every test. */
  now: Date;
}

/**
 * Opens a fresh bank ({@link openBank}) at NOW before each test of the calling file and closes it after.
 *
 * @example
 * ```ts
 * const ctx = useBank();
 * it('…', async () => { ctx.now = new Date(NOW.getTime() + 60_000); await ctx.bank.node.services.oauth.introspect(…); });
 * ```
 */
export function useBank(): BankFixture {
  let bank: Bank | undefined;
  const fixture = {
    now: NOW,
    clock: () => new Date(fixture.now.getTime()),
    get bank(): Bank {
      if (bank === undefined) throw new Error('useBank: the bank exists only while a test runs');
      return bank;
    },
  };
  beforeEach(async () => {
    fixture.now = new Date(NOW.getTime());
    bank = await openBank(fixture.clock);
  });
  afterEach(async () => {
    await bank?.node.close();
    bank = undefined;
  });
  return fixture;
}

const intents: Intent[] = [
  { action: 'call', resource: 'billing:refund' },
  { action: 'close', resource: 'billing:account' },
];

/** A handshake of `holder` with teller over `credentials` (leaf first): the session token, its jti and the chains bank stored. */
export async function sessionOf(bank: Bank, holder: Signer, credentials: string[], clock: () => Date) {
  const session = await handshakeWith({ node: bank.node, teller: bank.teller }, holder, credentials, intents, clock);
  if (session.token === '') throw new Error(`no session: ${JSON.stringify(session.rejected)}`);
  const jti = decodeCompactJws(session.token).payload.jti as string;
  const chains = (await sessionChains(bank.node, jti)) ?? {};
  return { token: session.token, jti, chains, trusted: session.trusted };
}

/**
 * An access token for `holder` (acting for `actors`, nearest first, out to alice), granting what the
 * session granted, stored as the token endpoint stores it.
 */
export async function accessTokenFor(
  bank: Bank,
  holder: Signer & { did?: string },
  credentials: string[],
  clock: () => Date,
  options: { priorActors?: string[]; lifetimeSeconds?: number; jkt?: string; narrowRefund?: Capability['constraints']; audience?: string; keptByJti?: boolean } = {},
) {
  const did = holder.did ?? bank.alice.did;
  const session = await sessionOf(bank, holder, credentials, clock);
  const caps = [REFUND, CLOSE];
  const details: LegateAuthorizationDetail[] = session.trusted.map((t) => {
    const cap = caps.find((c) => c.action === t.action && c.resource === t.resource)!;
    // Constraints asked for at the exchange narrow the credential's (options.narrowRefund).
    const constraints = cap === REFUND && options.narrowRefund !== undefined ? options.narrowRefund : cap.constraints;
    return { type: AUTHORIZATION_DETAILS_TYPE, action: t.action, resource: t.resource, ...(constraints ? { constraints } : {}), credential: t.credential };
  });
  const act = [did, ...(options.priorActors ?? [])].reverse().reduce<{ sub: string; act?: unknown } | undefined>((inner, sub) => (inner === undefined ? { sub } : { sub, act: inner }), undefined);
  const { token, claims } = await issueAccessToken({
    signer: await organizationSigner(bank.node),
    issuer: ISSUER,
    audience: options.audience ?? RESOURCE,
    clientId: did,
    sub: OWNER,
    act: act as { sub: string },
    authorizationDetails: details,
    jkt: options.jkt ?? 'x4aGnsL0qnmAnA7Wm2VnH7Fj9sZ5LlpS2jxs1-Gj1gQ',
    lifetimeSeconds: options.lifetimeSeconds ?? 300,
    ...(options.keptByJti === true ? {} : { chains: chainsId(session.chains) }),
    clock,
  });
  const expiresAt = new Date(claims.exp * 1000).toISOString();
  // As tokens issued before legate_chains were kept: a session row per token, under its jti.
  if (options.keptByJti === true) await bank.node.store.putSession({ id: claims.jti, chains: session.chains, expiresAt });
  else await bank.node.store.keepSession({ id: claims.legate_chains!, chains: session.chains, expiresAt });
  return { token, claims, session };
}

/** helper, a did:key sub-agent, holding alice's refund capability by delegation: [child, root]. */
export async function delegatedHelper(bank: Bank) {
  const helper = generateEphemeralSigner();
  const child = await bank.node.services.issuance.delegate({ from: 'alice', credential: bank.alice.root.id, to: helper.did, capability: { action: 'call', resource: 'billing:refund' } });
  return { helper, credentials: [child.jwt, bank.alice.root.jwt] };
}

/** A client assertion from `client` for `path` on bank (or the issuer URL when path is undefined). */
export function assertion(client: Signer & { did: string }, clock: () => Date, path?: string, lifetimeSeconds?: number) {
  return createClientAssertion({ signer: client, clientId: client.did, audience: path === undefined ? ISSUER : `${ISSUER}${path}`, clock, ...(lifetimeSeconds === undefined ? {} : { lifetimeSeconds }) });
}
