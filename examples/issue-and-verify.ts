/**
 * Issuing and verifying a capability credential: the organization lets its
 * agent call billing:refund up to 100 USD; a verifier accepts it, rejects a
 * copy whose limit was raised (ERR_SIGNATURE_INVALID), and rejects it once
 * it has expired (ERR_EXPIRED, shown by moving an injected clock).
 *
 * Run: npm run example -- issue-and-verify
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCapabilityCredential } from 'legate/credential';
import { createAgent, initNode, issueToAgent, openNode, verificationOptions } from 'legate/node';

export interface IssueAndVerifyResult {
  verified: string[];
  tampered: string[];
  expired: string[];
}

export async function main(say: (line: string) => void = console.log): Promise<IssueAndVerifyResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  // Every time check reads this clock, so "two hours later" needs no waiting.
  let now = Date.now();
  const clock = () => new Date(now);
  try {
    const dataDir = join(root, 'acme');
    await initNode({ dataDir, domain: 'acme.example', name: 'Acme', clock });
    const node = await openNode({ dataDir, clock });
    try {
      await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
      const { id, jwt } = await issueToAgent(node, {
        agent: 'alice',
        capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }],
        validFor: 'PT1H', // short-lived authority: renewing is cheap, a leaked credential dies soon
      });
      say(`issued ${id} (vc+jwt, ${jwt.length} characters)`);

      // verificationOptions: the node's resolver, status checker (revocation) and trust registry.
      const check = async (label: string, token: string) => {
        const result = await verifyCapabilityCredential(token, verificationOptions(node));
        const codes = result.errors.map((e) => e.code);
        say(`${result.verified ? 'verified' : 'REJECTED'}  ${label}${codes.length ? `  [${codes.join(', ')}]` : ''}`);
        return codes;
      };
      const verified = await check('the credential as issued', jwt);

      // Mallory raises the limit in the payload; the signature no longer matches it.
      const [header, payload, signature] = jwt.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        credentialSubject: { capabilities: { constraints?: unknown }[] };
      };
      claims.credentialSubject.capabilities[0]!.constraints = { maxAmount: { value: 1_000_000, currency: 'USD' } };
      const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      const tampered = await check('the same credential, limit raised to 1,000,000 USD', forged);

      now += 2 * 3600_000; // two hours later: past validUntil (and the 60 s clock-skew allowance)
      const expired = await check('the credential as issued, two hours later', jwt);

      return { verified, tampered, expired };
    } finally {
      await node.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
