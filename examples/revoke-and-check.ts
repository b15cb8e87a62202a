/**
 * Revocation and suspension: Acme revokes one credential (ERR_REVOKED,
 * permanently) and suspends then reinstates another (ERR_SUSPENDED, then
 * verified again). Then a verifier in another organization, which sees only
 * what Acme publishes, checks status with `createStatusChecker`: it caches
 * Acme's status lists for their TTL, so a change is not seen before the TTL
 * runs out and is seen after (shown by moving an injected clock).
 *
 * Run: npm run example -- revoke-and-check
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCapabilityCredential } from 'legate/credential';
import { createDidResolver, type FetchLike } from 'legate/did';
import { isLegateError } from 'legate/errors';
import { changeStatus, createAgent, initNode, issueToAgent, openNode, STATUS_LIST_TTL_MS, verificationOptions } from 'legate/node';
import { createApp } from 'legate/server';
import { createStatusChecker } from 'legate/status';

export interface RevokeAndCheckResult {
  atAcme: Record<'issued' | 'revoked' | 'reinstateRevoked' | 'suspended' | 'reinstated', string[]>;
  verifier: Record<'first' | 'beforeTtl' | 'afterTtl', { codes: string[]; listFetches: number }>;
}

/** The codes of the error a call is refused with ([] when it succeeds). */
async function refusal(call: Promise<unknown>): Promise<string[]> {
  try {
    await call;
    return [];
  } catch (error) {
    if (isLegateError(error)) return [error.code];
    throw error;
  }
}

export async function main(say: (line: string) => void = console.log): Promise<RevokeAndCheckResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  try {
    const dataDir = join(root, 'acme');
    await initNode({ dataDir, domain: 'acme.example', name: 'Acme' });
    const node = await openNode({ dataDir });
    try {
      await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
      const refunds = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
      const tickets = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'read', resource: 'crm:tickets' }] });

      // Acme verifies with its own node: its lists come straight from its store, so changes show at once.
      const atAcme = async (label: string, jwt: string) => {
        const codes = (await verifyCapabilityCredential(jwt, verificationOptions(node))).errors.map((e) => e.code);
        say(`Acme:     ${label.padEnd(36)} ${codes.length ? codes.join(', ') : 'verified'}`);
        return codes;
      };
      const issued = await atAcme('refunds credential, as issued', refunds.jwt);
      await changeStatus(node, refunds.id, 'revoke');
      const revoked = await atAcme('refunds credential, revoked', refunds.jwt);
      // Revocation is final: a revoked credential cannot be reinstated.
      const reinstateRevoked = await refusal(changeStatus(node, refunds.id, 'reinstate'));
      say(`Acme:     ${'reinstating the revoked credential'.padEnd(36)} ${reinstateRevoked.join(', ')}`);
      await changeStatus(node, tickets.id, 'suspend'); // e.g. while an incident is investigated
      const suspended = await atAcme('tickets credential, suspended', tickets.jwt);
      await changeStatus(node, tickets.id, 'reinstate');
      const reinstated = await atAcme('tickets credential, reinstated', tickets.jwt);

      // A verifier elsewhere fetches Acme's DID document and status lists over HTTPS. Here its
      // fetch is wired to Acme's HTTP app in process, so the example needs no network.
      const app = createApp({ node });
      let listFetches = 0;
      const fetch: FetchLike = async (url, init) => {
        if (url.includes('/status/')) listFetches++;
        return await app.request(url, init);
      };
      let now = Date.now();
      const clock = () => new Date(now);
      const resolver = createDidResolver({ fetch, clock });
      const checker = createStatusChecker({ resolver, fetch, clock });
      const atVerifier = async (label: string) => {
        const before = listFetches;
        const result = await verifyCapabilityCredential(tickets.jwt, { resolver, clock, status: (credential) => checker.statusErrors(credential) });
        const codes = result.errors.map((e) => e.code);
        say(`verifier: ${label.padEnd(36)} ${codes.length ? codes.join(', ') : 'verified'}  (${listFetches - before} list fetches)`);
        return { codes, listFetches: listFetches - before };
      };
      const first = await atVerifier('tickets credential');
      await changeStatus(node, tickets.id, 'revoke');
      const beforeTtl = await atVerifier('right after Acme revokes it'); // served from the cache
      now += STATUS_LIST_TTL_MS + 1_000;
      const afterTtl = await atVerifier(`${STATUS_LIST_TTL_MS / 60_000} minutes later (TTL passed)`);

      return { atAcme: { issued, revoked, reinstateRevoked, suspended, reinstated }, verifier: { first, beforeTtl, afterTtl } };
    } finally {
      await node.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
