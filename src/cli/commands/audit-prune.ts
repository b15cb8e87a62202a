/**
 * @module cli/commands/audit-prune
 *
 * `legate audit prune (--through <checkpoint-seq> | --before <time>) --out <file>`:
 * audit retention (`node/audit-prune`). The bundle of everything up to the
 * checkpoint is written to `--out` (a new file, owner-only, flushed to disk
 * with its directory) and verified before any entry is deleted; a file that
 * exists is never overwritten. `--before` takes the last checkpoint signed
 * before that time (ISO 8601, or this long ago: P90D).
 */

import { open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { legateError } from '../../errors/index.js';
import { pruneAudit } from '../../node/audit-prune.js';
import type { NodeContext } from '../../node/context.js';
import { withNode } from '../command.js';
import { EXIT, printJson, println, type GlobalOptions } from '../io.js';
import { parseSeq, parseSince } from '../parse.js';

export interface PruneFlags {
  through?: string;
  before?: string;
  out: string;
}

/** Writes `text` to a new file at `path` durably: the file and its directory entry are on disk when this resolves. */
async function writeNewFile(path: string, text: string): Promise<void> {
  let file;
  try {
    file = await open(path, 'wx', 0o600);
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw legateError(exists ? 'ERR_CONFLICT' : 'ERR_INVALID_ARGUMENT', exists ? `${path} exists: the bundle goes to a new file` : `cannot create ${path}`, {
      claim: '--out',
      ...(exists ? { reason: 'exists' } : {}),
      cause,
    });
  }
  try {
    await file.write(text);
    await file.sync();
  } catch (error) {
    await file.close().catch(() => undefined);
    // A bundle cut short is no bundle: nothing was pruned, and nothing half-written is left to be mistaken for one.
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await file.close();
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The checkpoint `--through` names, or the last one signed before `--before`. */
async function chosenCheckpoint(node: NodeContext, flags: PruneFlags): Promise<number> {
  if ((flags.through === undefined) === (flags.before === undefined)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'give one of --through <checkpoint-seq> and --before <time>', { claim: '--through' });
  }
  if (flags.through !== undefined) return parseSeq(flags.through, '--through');
  const before = parseSince(flags.before!, node.clock);
  const last = (await node.store.listAuditCheckpoints()).filter((c) => c.at < before).at(-1);
  if (last === undefined) throw legateError('ERR_NOT_FOUND', `no audit checkpoint was signed before ${before}`, { claim: '--before' });
  return last.seq;
}

/** `audit prune`. */
export function pruneCommand(globals: GlobalOptions, flags: PruneFlags): Promise<number> {
  return withNode(globals, async (node) => {
    const throughCheckpoint = await chosenCheckpoint(node, flags);
    const result = await pruneAudit(node, { throughCheckpoint, save: (text) => writeNewFile(flags.out, text) });
    if (globals.json) printJson({ ...result, out: flags.out });
    else {
      println(`wrote the audit log up to checkpoint ${result.throughCheckpoint} to ${flags.out} (${result.exported} entries, verified; sha256 ${result.bundleSha256})`);
      println(`pruned ${result.entries} entries behind checkpoint ${result.throughCheckpoint}; \`legate audit verify\` now starts there`);
    }
    return EXIT.ok;
  });
}
