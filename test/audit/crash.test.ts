// A real crash: a child process appending to acme's audit log as fast as it can (checkpointing every
// 50 entries) is killed with SIGKILL at an arbitrary point; the log must verify, with no partial entry.
// Runs the built library (`npm run build` first), like the CLI tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { appendAudit } from '../../src/audit/append.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { openNode } from '../../src/node/open.js';
import { auditNode, sampleFields, type AuditNode } from './helpers.js';

const dist = (path: string) => fileURLToPath(new URL(`../../dist/${path}`, import.meta.url));

const CHILD = `
const { openNode } = await import(process.env.NODE_MODULE);
const { appendAudit, auditLogOf } = await import(process.env.AUDIT_MODULE);
const node = await openNode({ dataDir: process.env.DATA_DIR });
const log = auditLogOf(node, { entries: 50 });
for (let i = 1; ; i++) {
  const { entry } = await appendAudit(log, { type: 'action', decision: 'allow', action: 'call', resource: 'billing:refund', details: { i, pad: 'x'.repeat(i % 500) } });
  process.stdout.write(entry.seq + '\\n');
}
`;

/** Runs the appender until it has reported `atLeast` entries, then kills it. Returns the last seq it reported. */
function appendUntilKilled(dataDir: string, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, NODE_MODULE: dist('node/index.js'), AUDIT_MODULE: dist('audit/index.js') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let last = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const seqs = out.trimEnd().split('\n');
      last = Number(seqs.at(-1));
      if (last >= atLeast) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`appender exited on its own: ${err}`))));
  });
}

let an: AuditNode;
beforeEach(async () => {
  an = await auditNode();
});
afterEach(() => an.close());

describe('a process killed mid-append', () => {
  it('leaves a log that verifies, holds every reported entry, and continues', async () => {
    await an.node.close();
    let reported = 0;
    for (const atLeast of [120, 260, 400]) {
      reported = await appendUntilKilled(an.dataDir, atLeast);
      const node = await openNode({ dataDir: an.dataDir });
      try {
        const result = await verifyAudit({ store: node.store, resolver: node.resolver });
        expect(result.ok, JSON.stringify(result.firstBad)).toBe(true);
        // Every entry the child saw committed is there; at most the one in flight may have landed unreported.
        expect(result.lastSeq).toBeGreaterThanOrEqual(reported);
        expect(result.lastSeq).toBeLessThanOrEqual(reported + 1);
        expect(result.checkpoints).toBeGreaterThanOrEqual(2);
        expect((await appendAudit(node, sampleFields(1))).entry.seq).toBe(result.lastSeq + 1);
      } finally {
        await node.close();
      }
    }
  });
});
