/**
 * The audit log: every decision a node makes (agents, issuance, revocation,
 * handshakes, actions…) is appended to a hash-chained log with signed
 * checkpoints. Here Acme makes a few decisions, verifies its log, shows one
 * agent's trail, then an intruder edits one entry directly in the SQLite
 * file and verification names the first bad sequence number.
 *
 * Run: npm run example -- audit
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditTrail, checkpointAudit, verifyAudit } from 'legate/audit';
import { changeStatus, createAgent, initNode, issueToAgent, openNode } from 'legate/node';

export interface AuditExampleResult {
  /** Entries after the intruder's edit (the edit replaces, it does not add). */
  entries: number;
  trail: string[];
  intact: boolean;
  tampered: { ok: boolean; seq?: number; reason?: string };
}

export async function main(say: (line: string) => void = console.log): Promise<AuditExampleResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  const dataDir = join(root, 'acme');
  try {
    await initNode({ dataDir, domain: 'acme.example', name: 'Acme' });
    const node = await openNode({ dataDir });
    let alice;
    let intact = false;
    try {
      alice = await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
      const { id } = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
      await changeStatus(node, id, 'suspend');
      await checkpointAudit(node); // checkpoints are also written every 100 entries or 5 minutes
      const result = await verifyAudit({ store: node.store, resolver: node.resolver });
      intact = result.ok;
      say(`audit log: ${result.entries} entries, ${result.checkpoints} signed checkpoint(s), intact: ${result.ok}`);
      const trail = await auditTrail(node.store, alice.did);
      for (const e of trail) say(`  #${e.seq} ${e.type} ${e.action ?? ''} ${e.decision ?? ''}`);
    } finally {
      await node.close();
    }

    // An intruder with write access to the database rewrites the issuance entry (#2). The store
    // keeps most entries packed (compressed); a row may also hold its entry as plain text, so the
    // intruder writes the edited text in that form.
    const db = new Database(join(dataDir, 'legate.db'));
    const row = db.prepare<[], { chain: string }>('SELECT chain FROM audit_entries WHERE seq = 2').get()!;
    const stored = await openNode({ dataDir });
    const [original] = await stored.store.listAuditEntries({ chain: row.chain, fromSeq: 2, toSeq: 2 });
    await stored.close();
    const edited = original!.entry.replace('call:billing:refund', 'call:billing:*');
    db.prepare('UPDATE audit_entries SET entry = ?, packed = NULL, attachment = NULL WHERE chain = ? AND seq = 2').run(edited, row.chain);
    db.close();

    const reopened = await openNode({ dataDir });
    try {
      const after = await verifyAudit({ store: reopened.store, resolver: reopened.resolver });
      say(`after the edit: intact: ${after.ok}, first bad entry #${after.firstBad?.seq} (${after.firstBad?.reason})`);
      const trail = await auditTrail(reopened.store, alice.did);
      return {
        entries: after.entries,
        trail: trail.map((e) => `${e.type}:${e.decision ?? ''}`),
        intact,
        tampered: { ok: after.ok, ...(after.firstBad ? { seq: after.firstBad.seq, reason: after.firstBad.reason } : {}) },
      };
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
