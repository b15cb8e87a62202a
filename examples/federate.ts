/**
 * Federation between two organizations, each a real node on a loopback HTTP
 * server: Northwind Bank accredits Helpdesk as an issuer of `call:billing:*`
 * capabilities only. The bank then verifies two credentials Helpdesk issued
 * to its agent: the refund one verifies, the CRM one fails with
 * ERR_UNTRUSTED_ISSUER. Anyone can ask the bank's registry why, and get the
 * trust path (or the reason) back.
 *
 * Run: npm run example -- federate
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCapabilityCredential } from 'legate/credential';
import { accredit, createAgent, issueToAgent, verificationOptions, type NodeContext } from 'legate/node';
import type { AuthorizationAnswer } from 'legate/registry';
import { startLoopbackNode, type RunningServer } from 'legate/server';

/** An organization's node on loopback (see `startLoopbackNode`); closing its server closes the node. */
async function startOrganization(root: string, name: string, servers: RunningServer[]): Promise<{ node: NodeContext; url: string }> {
  const { node, server, url } = await startLoopbackNode({ dataDir: join(root, name), name });
  servers.push(server);
  return { node, url };
}

export interface FederateResult {
  refunds: string[];
  crm: string[];
  answers: AuthorizationAnswer[];
}

export async function main(say: (line: string) => void = console.log): Promise<FederateResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  const servers: RunningServer[] = [];
  try {
    const bank = await startOrganization(root, 'bank', servers);
    const helpdesk = await startOrganization(root, 'helpdesk', servers);
    const helpdeskDid = helpdesk.node.organization.did;

    // The bank decides, per capability pattern, what it believes Helpdesk about; it republishes
    // its signed trust list at <bank>/registry/trust-list.
    await accredit(bank.node, { issuer: helpdeskDid, capabilities: ['call:billing:*'] });
    say(`${bank.node.organization.did} accredits ${helpdeskDid} for call:billing:*`);

    await createAgent(helpdesk.node, { name: 'support', owner: 'mailto:carol@helpdesk.example' });
    const refunds = await issueToAgent(helpdesk.node, { agent: 'support', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    const crm = await issueToAgent(helpdesk.node, { agent: 'support', capabilities: [{ action: 'write', resource: 'crm:ticket_updates' }] });

    // The bank resolves Helpdesk's DID and fetches its status lists over HTTP, then asks its
    // own registry whether Helpdesk may attest each capability.
    const atBank = async (label: string, jwt: string) => {
      const codes = (await verifyCapabilityCredential(jwt, verificationOptions(bank.node))).errors.map((e) => e.code);
      say(`bank verifies ${label.padEnd(24)} ${codes.length ? codes.join(', ') : 'verified'}`);
      return codes;
    };
    const refundCodes = await atBank('call billing:refund', refunds.jwt);
    const crmCodes = await atBank('write crm:ticket_updates', crm.jwt);

    // The same question over the bank's HTTP registry (Trust Registry Query Protocol style).
    const answers: AuthorizationAnswer[] = [];
    for (const authorization of ['call:billing:refund', 'write:crm:ticket_updates']) {
      const response = await fetch(`${bank.url}/registry/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ entity: helpdeskDid, authorization }),
      });
      const answer = (await response.json()) as AuthorizationAnswer;
      answers.push(answer);
      const why = answer.authorized ? answer.path?.map((s) => (s.type === 'list' ? s.url : s.id)).join(' -> ') : answer.reason?.code;
      say(`registry: ${authorization.padEnd(25)} ${answer.authorized ? 'authorized' : 'not authorized'}: ${why}`);
    }
    return { refunds: refundCodes, crm: crmCodes, answers };
  } finally {
    for (const server of servers) await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
