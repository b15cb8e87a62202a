/**
 * @module cli/commands/audit
 *
 * The audit log from the command line: `legate audit verify [--from <seq>]`
 * checks hashes, links and signed checkpoints and names the first bad
 * sequence number (exit 1 when tampered, or when SQLite's integrity check
 * finds the file damaged); `legate audit export` writes JSON
 * Lines (to stdout or `--out`); `legate audit show --agent <did>` prints who
 * did what on whose authority; `legate audit checkpoint` signs one now.
 * `audit export --bundle` and `audit verify --bundle <file>` (the offline
 * bundle) are in `audit-bundle.ts`, `audit prune` (retention) in
 * `audit-prune.ts`.
 */

import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { checkpointAudit } from '../../audit/checkpoint.js';
import { auditTrail, exportAuditLines } from '../../audit/read.js';
import type { HashedAuditEntry } from '../../audit/types.js';
import { verifyAudit } from '../../audit/verify.js';
import { legateError } from '../../errors/index.js';
import { actorFirst } from '../attribution.js';
import { action, withNode } from '../command.js';
import { EXIT, print, printJson, println } from '../io.js';
import { collect, parseSeq, parseSince } from '../parse.js';
import { exportBundleCommand, verifyBundleCommand } from './audit-bundle.js';
import { pruneCommand, type PruneFlags } from './audit-prune.js';
import { printIntegrityFailure } from './store.js';

/** Output is written in chunks of about this many characters. */
const CHUNK = 64 * 1024;

/** "mailto:carol@… -> alice -> helper": from the owner to the one who acted (the entry lists the actor first). */
function attribution(entry: HashedAuditEntry): string {
  const chain = entry.chain !== undefined && entry.chain.length > 0 ? [...entry.chain] : entry.agent === undefined ? [] : [entry.agent];
  if (entry.owner !== undefined && !chain.includes(entry.owner)) chain.push(entry.owner);
  return actorFirst(chain);
}

/** Two lines per entry: what was decided, then who acted on whose authority. */
function describeEntry(entry: HashedAuditEntry): string[] {
  const what = [entry.action, entry.resource].filter((s) => s !== undefined).join(' ');
  const reasons = entry.reasons !== undefined && entry.reasons.length > 0 ? `[${entry.reasons.join(', ')}]` : '';
  const head = [entry.at, `#${entry.seq}`, entry.type, entry.decision ?? '-', what || '-', reasons].filter((s) => s !== '').join('  ');
  const who = attribution(entry);
  return who === '' ? [head] : [head, `    authority  ${who}`];
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('verify, export and inspect the tamper-evident audit log');

  const verify = audit
    .command('verify')
    .description('check every entry hash, link and signed checkpoint; exit 1 naming the first bad sequence number')
    .option('--from <checkpoint-seq>', 'start at this checkpoint, trusting what it signs')
    .option('--bundle <file>', 'check an exported audit bundle instead, with no node and no network')
    .option('--trust-key <thumbprint>', "with --bundle: an organization key's RFC 7638 thumbprint every checkpoint must be signed by (repeatable)", collect);
  action(verify, (globals, flags: { from?: string; bundle?: string; trustKey?: string[] }) =>
    flags.bundle !== undefined ? verifyBundleCommand(globals, { ...flags, bundle: flags.bundle }) : withNode(globals, async (node) => {
      const fromCheckpoint = flags.from === undefined ? undefined : parseSeq(flags.from, '--from');
      // A log in a damaged file proves nothing: SQLite's full check first.
      const integrity = await node.store.checkIntegrity();
      if (!integrity.ok) {
        printIntegrityFailure(globals, integrity);
        return EXIT.failed;
      }
      const result = await verifyAudit({ store: node.store, resolver: node.resolver, fromCheckpoint });
      if (globals.json) {
        const { ok, lastSeq, entries, checkpoints, lastCheckpoint, firstBad, chains } = result;
        printJson({ ok, lastSeq, entries, checkpoints, ...(lastCheckpoint ? { lastCheckpoint } : {}), ...(firstBad ? { firstBad } : {}), chains });
      } else {
        const cp = result.lastCheckpoint;
        const closed = result.chains.filter((chain) => chain.state === 'closed').length;
        const chains = result.chains.length === 1 ? '' : `${result.chains.length} chains${closed === 0 ? '' : ` (${closed} closed)`}, `;
        const summary = `${chains}${result.entries} entries, last seq ${result.lastSeq}, ${result.checkpoints} checkpoint${result.checkpoints === 1 ? '' : 's'}${
          cp ? ` (last at seq ${cp.seq}, ${cp.at})` : ''
        }`;
        if (result.firstBad === undefined) println(`audit log ok: ${summary}`);
        else {
          const bad = result.firstBad;
          const where = bad.chain === undefined || result.chains.length === 1 ? '' : ` of chain ${bad.chain}`;
          println(`audit log TAMPERED at seq ${bad.seq}${where} (${bad.reason}): ${bad.message}`);
          println(`  ${bad.code}; ${summary}`);
        }
      }
      return result.ok ? EXIT.ok : EXIT.failed;
    }),
  );

  const exportCommand = audit
    .command('export')
    .description('write the log as JSON Lines (one entry with its hash per line)')
    .option('--since <time>', 'only entries at or after this ISO 8601 time, or this long ago (P1D, 12h)')
    .option('--agent <did>', 'only entries in which this DID (or owner) appears as agent, owner or in the chain')
    .option('--out <file>', 'write to this file (created owner-only) instead of stdout')
    .option('--bundle', 'write an offline bundle instead (entries, checkpoints, DID document and key history) for `audit verify --bundle`')
    .option('--from <checkpoint-seq>', 'with --bundle: start at this checkpoint')
    .option('--to <checkpoint-seq>', 'with --bundle: end at this checkpoint (else one is signed now)');
  action(exportCommand, (globals, flags: { since?: string; agent?: string; out?: string; bundle?: boolean; from?: string; to?: string }) => {
    if (flags.bundle === true) return exportBundleCommand(globals, flags);
    for (const flag of ['from', 'to'] as const) {
      if (flags[flag] !== undefined) throw legateError('ERR_INVALID_ARGUMENT', `--${flag} applies to --bundle only`, { claim: `--${flag}` });
    }
    return withNode(globals, async (node) => {
      const query = {
        ...(flags.since === undefined ? {} : { since: parseSince(flags.since, node.clock) }),
        ...(flags.agent === undefined ? {} : { agent: flags.agent }),
      };
      const file = flags.out === undefined ? undefined : await open(flags.out, 'w', 0o600);
      let entries = 0;
      try {
        const write = async (text: string) => {
          if (file === undefined) print(text);
          else await file.write(text);
        };
        let buffer = '';
        for await (const line of exportAuditLines(node.store, query)) {
          buffer += `${line}\n`;
          entries++;
          if (buffer.length >= CHUNK) {
            await write(buffer);
            buffer = '';
          }
        }
        await write(buffer);
      } finally {
        await file?.close();
      }
      // On stdout the lines are the output; a summary only when they went to a file.
      if (flags.out !== undefined) {
        if (globals.json) printJson({ out: flags.out, entries });
        else println(`wrote ${entries} audit entr${entries === 1 ? 'y' : 'ies'} to ${flags.out}`);
      }
      return EXIT.ok;
    });
  });

  const show = audit
    .command('show')
    .description("print an agent's trail: who did what, on whose authority, out to the human owner")
    .requiredOption('--agent <did>', 'the agent (or owner) to follow')
    .option('--since <time>', 'only entries at or after this ISO 8601 time, or this long ago (P1D, 12h)');
  action(show, (globals, flags: { agent: string; since?: string }) =>
    withNode(globals, async (node) => {
      const entries = await auditTrail(node.store, flags.agent, flags.since === undefined ? {} : { since: parseSince(flags.since, node.clock) });
      if (globals.json) printJson({ agent: flags.agent, entries });
      else if (entries.length === 0) println(`no audit entries for ${flags.agent}`);
      else for (const entry of entries) for (const line of describeEntry(entry)) println(line);
      return EXIT.ok;
    }),
  );

  const prune = audit
    .command('prune')
    .description('retention: write the log up to a signed checkpoint to a bundle, verify it, then delete the entries before it')
    .option('--through <checkpoint-seq>', 'prune behind this checkpoint')
    .option('--before <time>', 'prune behind the last checkpoint signed before this ISO 8601 time, or this long ago (P90D)')
    .requiredOption('--out <file>', 'the bundle of what is pruned (a new file, created owner-only)');
  action(prune, (globals, flags: PruneFlags) => pruneCommand(globals, flags));

  const checkpoint = audit.command('checkpoint').description("sign a checkpoint of the log now with the organization's key");
  action(checkpoint, (globals) =>
    withNode(globals, async (node) => {
      const result = await checkpointAudit(node);
      if (globals.json) printJson({ created: result.created, checkpoint: result.checkpoint ?? null, remaining: result.remaining });
      else if (result.checkpoint === undefined) println('the audit log is empty: nothing to checkpoint');
      else {
        const { seq, hash } = result.checkpoint;
        println(result.created ? `checkpoint signed at seq ${seq} (${hash})` : `the checkpoint at seq ${seq} already covers the log (${hash})`);
        if (result.remaining > 0) println(`${result.remaining} entries appended meanwhile are left for the next checkpoint`);
      }
      return EXIT.ok;
    }),
  );
}
