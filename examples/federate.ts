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
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCapabilityCredential } from 'legate/credential';
import { accredit, createAgent, initNode, issueToAgent, openNode, verificationOptions, type NodeContext } from 'legate/node';
import type { AuthorizationAnswer } from 'legate/registry';
import { startServer, type RunningServer } from 'legate/server';

/** A port free a moment ago: the organization's DID embeds it (did:web:localhost%3A<port>), so it comes first. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** An organization's node, served over plain HTTP: allowed only for loopback hosts, and only on opt-in. */
async function startOrganization(root: string, name: string, servers: RunningServer[]): Promise<{ node: NodeContext; url: string }> {
  const port = await freePort();
  const dataDir = join(root, name);
  await initNode({ dataDir, domain: `localhost:${port}`, name });
  const node = await openNode({ dataDir, allowHttpLoopback: true });
  const server = await startServer({ node, port }).catch(async (error: unknown) => {
    await node.close();
    throw error;
  });
  servers.push(server); // closing a server closes its node
  return { node, url: `http://localhost:${port}` };
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
