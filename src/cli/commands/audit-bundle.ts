/**
 * @module cli/commands/audit-bundle
 *
 * The offline audit bundle from the command line (#17 item 6):
 * `legate audit export --bundle [--from <checkpoint-seq>] [--to <checkpoint-seq>] [--out <file>]`
 * writes it (after signing a checkpoint of the log as it is, unless `--to`
 * names where to end), and `legate
 * audit verify --bundle <file> [--trust-key <thumbprint>…]` checks it
 * with no node and no network: exit 0 when it verifies, 1 naming the first
 * problem and its code when it does not, 2 with the code when the file is
 * not a bundle (or larger than {@link MAX_AUDIT_BUNDLE_BYTES}).
 */

import { open, readFile, stat } from 'node:fs/promises';
import { MAX_AUDIT_BUNDLE_BYTES, readAuditBundle } from '../../audit/bundle.js';
import { verifyAuditBundle } from '../../audit/bundle-verify.js';
import { legateError } from '../../errors/index.js';
import { exportAuditBundle } from '../../node/audit-export.js';
import { withNode } from '../command.js';
import { EXIT, print, printJson, println, type GlobalOptions } from '../io.js';
import { parseSeq } from '../parse.js';

/** `audit export --bundle`. */
export function exportBundleCommand(globals: GlobalOptions, flags: { from?: string; to?: string; out?: string; since?: string; agent?: string }): Promise<number> {
  for (const flag of ['since', 'agent'] as const) {
    if (flags[flag] !== undefined) {
      throw legateError('ERR_INVALID_ARGUMENT', `--${flag} does not apply to a bundle: it holds whole chains, so it verifies`, { claim: `--${flag}` });
    }
  }
  const fromCheckpoint = flags.from === undefined ? undefined : parseSeq(flags.from, '--from');
  const toCheckpoint = flags.to === undefined ? undefined : parseSeq(flags.to, '--to');
  return withNode(globals, async (node) => {
    const bundle = await exportAuditBundle(node, { fromCheckpoint, toCheckpoint });
    const text = `${JSON.stringify(bundle)}\n`;
    if (flags.out === undefined) {
      print(text);
      return EXIT.ok;
    }
    const file = await open(flags.out, 'w', 0o600);
    try {
      await file.write(text);
    } finally {
      await file.close();
    }
    const summary = { out: flags.out, format: bundle.format, entries: bundle.entries.length, checkpoints: bundle.checkpoints.length, keys: bundle.keys.length };
    if (globals.json) printJson(summary);
    else println(`wrote an audit bundle to ${flags.out}: ${summary.entries} entries, ${summary.checkpoints} checkpoints, ${summary.keys} keys`);
    return EXIT.ok;
  });
}

/** Reads a bundle file, refusing one past the bound before reading it. */
async function readBundleFile(path: string) {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (cause) {
    throw legateError('ERR_INVALID_ARGUMENT', `cannot read ${path}`, { claim: '--bundle', cause });
  }
  if (size > MAX_AUDIT_BUNDLE_BYTES) throw legateError('ERR_INPUT_TOO_LARGE', `the audit bundle is larger than ${MAX_AUDIT_BUNDLE_BYTES} bytes`, { claim: '--bundle' });
  return readAuditBundle(await readFile(path, 'utf8'));
}

/** `audit verify --bundle <file>`: no node, no network. */
export async function verifyBundleCommand(globals: GlobalOptions, flags: { bundle: string; from?: string; trustKey?: string[] }): Promise<number> {
  if (flags.from !== undefined) {
    throw legateError('ERR_INVALID_ARGUMENT', '--from does not apply to a bundle: it starts where it was exported from', { claim: '--from' });
  }
  const result = await verifyAuditBundle(await readBundleFile(flags.bundle), { trustedKeys: flags.trustKey });
  if (globals.json) printJson(result);
  else {
    const cp = result.lastCheckpoint;
    const summary = `${result.entries} entries, ${result.checkpoints} checkpoint${result.checkpoints === 1 ? '' : 's'}${cp ? ` (last at seq ${cp.seq}, ${cp.at})` : ''}`;
    const bad = result.firstBad;
    if (bad === undefined) println(`audit bundle ok: ${result.organization}, ${summary}`);
    else {
      println(`audit bundle TAMPERED at seq ${bad.seq}${bad.chain === undefined ? '' : ` of chain ${bad.chain}`} (${bad.reason}): ${bad.message}`);
      println(`  ${bad.code}; ${summary}`);
    }
    for (const key of result.keys) println(`  key ${key.kid}  thumbprint ${key.thumbprint}  signed ${key.checkpoints} checkpoint(s)`);
    if (flags.trustKey === undefined && result.ok) {
      println("  these keys are the bundle's own: compare their thumbprints with the organization's DID document, or pin them with --trust-key");
    }
  }
  return result.ok ? EXIT.ok : EXIT.failed;
}
