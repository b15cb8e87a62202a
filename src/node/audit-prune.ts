/**
 * @module node/audit-prune
 *
 * Audit retention (#19 item 3): `pruneAudit(node, { throughCheckpoint, save })`
 * exports the log up to a signed checkpoint as an offline bundle, checks
 * that bundle as an auditor would (`verifyAuditBundle`), hands it to `save`
 * to be kept durably, and only then deletes, in one transaction, each
 * chain's entries before the head that checkpoint signs. The head entries
 * stay, so the log still verifies from there: verifying and exporting start
 * at that checkpoint from then on (`audit/chain` `auditStart`), and the
 * bundle holds everything before it. The transaction also records the
 * checkpoint pruned behind, deletes the session tokens (`audit_attachments`)
 * no remaining entry names, and appends a `retention` entry naming the
 * checkpoint, how many entries went and the SHA-256 of the bundle, so the
 * log itself says where its beginning went.
 *
 * A chain that checkpoint no longer lists (closed, and signed closed by
 * an earlier checkpoint, as a fleet's process chains are) goes whole: the
 * bundle holds it up to that close.
 *
 * Fails closed: a log that does not verify up to that checkpoint is not
 * pruned (`ERR_AUDIT_TAMPERED`), nor is anything deleted when `save` fails.
 */

import { hash } from 'node:crypto';
import { AUDIT_CHAIN_SETTING, AUDIT_PRUNED_SETTING, LEGACY_AUDIT_CHAIN, prunedThrough } from '../audit/chain.js';
import { BEFORE_CHAINS, coverageOf, latestCoverage } from '../audit/heads.js';
import { legateError } from '../errors/index.js';
import type { AuditCheckpointRecord } from '../store/types.js';
import { exportAuditBundle } from './audit-export.js';
import type { NodeContext } from './context.js';

export interface PruneAuditOptions {
  /** The checkpoint to prune behind: each chain it lists keeps its entries from the head it signs on. */
  throughCheckpoint: number;
  /** Keeps the bundle (its JSON text, ending in a newline) durably; nothing is deleted unless it resolves. */
  save: (bundle: string) => Promise<void>;
  /** With more bytes than this the bundle is refused (`ERR_INPUT_TOO_LARGE`): prune behind an earlier checkpoint first. */
  maxBytes?: number | undefined;
}

export interface PruneAuditResult {
  /** The checkpoint the log is now pruned behind. */
  throughCheckpoint: number;
  /** Entries deleted, over all chains. */
  entries: number;
  /** Entries the bundle holds (from the previous prune, or the beginning, up to the checkpoint). */
  exported: number;
  /** SHA-256 of the bundle text saved, lowercase hex (recorded in the `retention` entry). */
  bundleSha256: string;
}

/**
 * Per chain, the first `seq` that stays: each chain the checkpoint pruned
 * behind lists keeps its entries from the head it signs; a chain an earlier
 * checkpoint of the bundle signed closed and that one no longer lists goes
 * whole, up to the head last signed (the bundle holds it; anything after
 * that head is no part of the log, and stays for verification to find).
 */
function pruneHeads(checkpoints: readonly AuditCheckpointRecord[], through: string): Map<string, number> {
  const heads = new Map<string, number>();
  for (const [chain, head] of coverageOf(through)) heads.set(chain, head.seq);
  for (const [chain, head] of latestCoverage(checkpoints)) if (!heads.has(chain) && head.state === 'closed') heads.set(chain, head.seq + 1);
  return heads;
}

/**
 * Exports, verifies and saves the log up to `throughCheckpoint`, then prunes
 * the entries before it.
 *
 * @throws LegateError `ERR_INVALID_ARGUMENT` for a checkpoint that is no
 *   positive integer; `ERR_NOT_FOUND` when there is no such checkpoint;
 *   `ERR_CONFLICT` (`reason: 'already_pruned'`) when the log is already
 *   pruned behind it or a later one; `ERR_AUDIT_TAMPERED` when the bundle
 *   does not verify (nothing is saved or deleted); `ERR_INPUT_TOO_LARGE`;
 *   whatever `save` throws (nothing is deleted).
 *
 * @example
 * ```ts
 * await pruneAudit(node, { throughCheckpoint: 42, save: (text) => writeFile('audit-1-42.json', text, { flag: 'wx', mode: 0o600 }) });
 * ```
 */
export async function pruneAudit(ctx: NodeContext, options: PruneAuditOptions): Promise<PruneAuditResult> {
  const { throughCheckpoint: through, save } = options;
  if (!Number.isSafeInteger(through) || through < 1) throw legateError('ERR_INVALID_ARGUMENT', 'throughCheckpoint must be a positive integer', { claim: 'through' });
  if (typeof save !== 'function') throw legateError('ERR_INVALID_ARGUMENT', 'save must be a function that keeps the bundle', { claim: 'save' });
  const { store } = ctx;
  const before = await prunedThrough(store);
  if (before !== undefined && through <= before) {
    throw legateError('ERR_CONFLICT', `the audit log is already pruned behind checkpoint ${before}`, { claim: 'through', reason: 'already_pruned' });
  }
  const checkpoint = (await store.listAuditCheckpoints()).find((c) => c.seq === through);
  if (checkpoint === undefined) throw legateError('ERR_NOT_FOUND', `no audit checkpoint at seq ${through}`, { claim: 'through' });

  const bundle = await exportAuditBundle(ctx, { toCheckpoint: through, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) });
  // As `legate audit export --bundle` writes it; the SHA-256 recorded is of exactly this text.
  const text = `${JSON.stringify(bundle)}\n`;
  // Checked as an auditor will check it, before anything is kept or deleted.
  const { readAuditBundle } = await import('../audit/bundle.js');
  const { verifyAuditBundle } = await import('../audit/bundle-verify.js');
  const verified = await verifyAuditBundle(readAuditBundle(text));
  if (!verified.ok) {
    const bad = verified.firstBad;
    throw legateError('ERR_AUDIT_TAMPERED', `the audit log does not verify up to checkpoint ${through}${bad === undefined ? '' : ` (seq ${bad.seq}: ${bad.reason})`}: nothing was pruned; run \`legate audit verify\``, {
      claim: 'through',
      reason: 'not_verified',
    });
  }
  await save(text);
  const bundleSha256 = hash('sha256', text, 'hex');

  const ownChain = (await store.getSetting(AUDIT_CHAIN_SETTING)) ?? LEGACY_AUDIT_CHAIN;
  // Bulk: it may delete a bundle's worth of rows, so SQLite commits it alone, keeping no copy of the pages it changes.
  const entries = await store.transaction(async (tx) => {
    // Another prune may have committed meanwhile: prune only forward.
    const now = await prunedThrough(tx);
    if (now !== undefined && through <= now) {
      throw legateError('ERR_CONFLICT', `the audit log is already pruned behind checkpoint ${now}`, { claim: 'through', reason: 'already_pruned' });
    }
    let deleted = 0;
    for (const [chain, before] of pruneHeads(bundle.checkpoints, checkpoint.token)) deleted += await tx.pruneAuditEntries(chain === BEFORE_CHAINS ? ownChain : chain, before);
    await tx.putSetting(AUDIT_PRUNED_SETTING, String(through));
    await tx.pruneAuditAttachments();
    await ctx.services.audit.record({ type: 'retention', decision: 'allow', details: { through, entries: deleted, exported: bundle.entries.length, bundle: bundleSha256 } }, tx);
    return deleted;
  }, { bulk: true });
  return { throughCheckpoint: through, entries, exported: bundle.entries.length, bundleSha256 };
}
