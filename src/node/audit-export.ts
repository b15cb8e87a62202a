/**
 * @module node/audit-export
 *
 * `exportAuditBundle(node)`: the node's audit log as an offline bundle
 * (`audit/bundle`) that `verifyAuditBundle` checks with no node and no
 * network. It first signs a checkpoint of the log as it is (unless the last
 * one already covers it), then writes every chain up to the head that
 * checkpoint signs (a chain closed and left out of later checkpoints, up to
 * the head the last checkpoint listing it signed): entries another instance
 * appends meanwhile come in the next export, never unsigned in this one.
 * The keys are the organization's (each from the time it was made `until`
 * its successor was, once rotated out: the newest key signs checkpoints)
 * plus any other key a checkpoint names that the store still holds.
 *
 * With `fromCheckpoint` (default: the checkpoint the log was pruned behind,
 * if it was; `node/audit-prune`), the bundle starts at that checkpoint: its
 * checkpoints from there on, and each chain from the head it signs (what
 * `legate audit verify --from` trusts); with `toCheckpoint`, it ends at that
 * checkpoint and the heads it signs, and no checkpoint is signed now. So a
 * long log can be handed over in parts, and a part exported twice is the
 * same.
 */

import { checkpointAudit } from '../audit/checkpoint.js';
import { AUDIT_BUNDLE_FORMAT, MAX_AUDIT_BUNDLE_BYTES, type AuditBundle, type AuditBundleKey } from '../audit/bundle.js';
import { AUDIT_CHAIN_SETTING, auditStart, chainReader, LEGACY_AUDIT_CHAIN } from '../audit/chain.js';
import { BEFORE_CHAINS, coverageOf, latestCoverage, MAX_CHECKPOINT_LENGTH } from '../audit/heads.js';
import { AUDIT_LOG_ID_SETTING } from '../audit/log-id.js';
import { auditRecords } from '../audit/read.js';
import { legateError } from '../errors/index.js';
import { decodeCompactJws } from '../lib/jws.js';
import { ed25519ToJwk, multibaseToEd25519 } from '../lib/multikey.js';
import type { AuditEntryRecord, KeyRecord } from '../store/types.js';
import type { NodeContext } from './context.js';
import { organizationDocument } from './documents.js';

export interface ExportAuditBundleOptions {
  /** Start at the checkpoint with this `seq` instead of the first entry. */
  fromCheckpoint?: number | undefined;
  /** End at the checkpoint with this `seq` (and the heads it signs) instead of signing one now. */
  toCheckpoint?: number | undefined;
  /** Refuse to build a bundle larger than this many bytes (default {@link MAX_AUDIT_BUNDLE_BYTES}, what verifying reads). */
  maxBytes?: number | undefined;
}

function keyOf(record: KeyRecord): AuditBundleKey | undefined {
  const publicKey = multibaseToEd25519(record.publicKeyMultibase);
  return publicKey === undefined ? undefined : { kid: record.kid, publicKeyJwk: ed25519ToJwk(publicKey), from: record.createdAt };
}

/** Per chain, the head a checkpoint signs (a checkpoint from before chains signs the store's own chain). */
function headsOf(token: string, ownChain: string): Map<string, number> {
  const heads = new Map<string, number>();
  for (const [chain, head] of coverageOf(token)) heads.set(chain === BEFORE_CHAINS ? ownChain : chain, head.seq);
  return heads;
}

/**
 * Exports the node's audit log as an offline bundle.
 *
 * @throws LegateError `ERR_NOT_FOUND` when `fromCheckpoint` or
 *   `toCheckpoint` names no checkpoint; `ERR_INVALID_ARGUMENT` for a bad one;
 *   `ERR_INPUT_TOO_LARGE` when the bundle would outgrow `maxBytes` (export
 *   from a later checkpoint); `ERR_KEY_UNAVAILABLE` when the node cannot sign.
 *
 * @example
 * ```ts
 * writeFileSync('audit-bundle.json', JSON.stringify(await exportAuditBundle(node)));
 * ```
 */
export async function exportAuditBundle(ctx: NodeContext, options: ExportAuditBundleOptions = {}): Promise<AuditBundle> {
  const { toCheckpoint } = options;
  const maxBytes = options.maxBytes ?? MAX_AUDIT_BUNDLE_BYTES;
  for (const [seq, claim] of [
    [options.fromCheckpoint, 'from'],
    [toCheckpoint, 'to'],
  ] as const) {
    if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 1)) throw legateError('ERR_INVALID_ARGUMENT', `${claim}Checkpoint must be a positive integer`, { claim });
  }
  const { store, organization } = ctx;
  // A pruned log starts at the checkpoint it was pruned behind.
  const fromCheckpoint = await auditStart(store, options.fromCheckpoint);
  if (fromCheckpoint !== undefined && toCheckpoint !== undefined && toCheckpoint < fromCheckpoint) {
    throw legateError('ERR_INVALID_ARGUMENT', 'toCheckpoint must not come before fromCheckpoint (or the checkpoint the log was pruned behind)', { claim: 'to' });
  }
  if (toCheckpoint === undefined) await checkpointAudit(ctx);
  const all = await store.listAuditCheckpoints();
  for (const [seq, claim] of [
    [fromCheckpoint, 'from'],
    [toCheckpoint, 'to'],
  ] as const) {
    if (seq !== undefined && !all.some((c) => c.seq === seq)) throw legateError('ERR_NOT_FOUND', `no audit checkpoint at seq ${seq}`, { claim });
  }
  const anchor = all.find((c) => c.seq === fromCheckpoint);
  const checkpoints = all.filter((c) => c.seq >= (fromCheckpoint ?? 1) && c.seq <= (toCheckpoint ?? Number.POSITIVE_INFINITY));
  const ownChain = (await store.getSetting(AUDIT_CHAIN_SETTING)) ?? LEGACY_AUDIT_CHAIN;
  // Each chain ends at the head the last checkpoint listing it signs: a chain closed, signed and then left out of
  // later checkpoints (as a fleet's process chains are) is in the bundle as far as it was signed.
  const ends = new Map([...latestCoverage(checkpoints)].map(([chain, head]) => [chain === BEFORE_CHAINS ? ownChain : chain, head.seq]));
  const starts = anchor === undefined ? new Map<string, number>() : headsOf(anchor.token, ownChain);

  let bytes = 0;
  const entries: AuditEntryRecord[] = [];
  for (const head of await store.listAuditChains()) {
    const end = ends.get(head.chain);
    if (end === undefined) continue; // not signed yet: the next export has it
    for await (const record of auditRecords(chainReader(store, head.chain), { fromSeq: starts.get(head.chain) ?? 1 })) {
      if (record.seq > end) break;
      bytes += record.entry.length + record.chain.length + 300;
      if (bytes > maxBytes) {
        throw legateError('ERR_INPUT_TOO_LARGE', `the audit bundle would be larger than ${maxBytes} bytes: export from a later checkpoint (--from)`, { claim: 'bundle' });
      }
      entries.push(record);
    }
  }

  const keys: AuditBundleKey[] = [];
  // Oldest first: a key stops signing when its successor is made (node/key-rotate), so that is where its span ends.
  const own = await store.listKeys(organization.did);
  for (const [i, record] of own.entries()) {
    const key = keyOf(record);
    const next = own[i + 1];
    if (key !== undefined) keys.push(next === undefined ? key : { ...key, until: next.createdAt });
  }
  for (const checkpoint of checkpoints) {
    let kid: unknown;
    try {
      kid = decodeCompactJws(checkpoint.token, MAX_CHECKPOINT_LENGTH).header.kid;
    } catch {
      kid = undefined;
    }
    if (typeof kid !== 'string' || keys.some((k) => k.kid === kid)) continue;
    const record = await store.getKey(kid);
    const key = record === undefined || record.controller !== organization.did ? undefined : keyOf(record);
    if (key !== undefined) keys.push(key);
  }
  const logId = await store.getSetting(AUDIT_LOG_ID_SETTING);
  const chainSetting = await store.getSetting(AUDIT_CHAIN_SETTING);
  return {
    format: AUDIT_BUNDLE_FORMAT,
    exportedAt: ctx.clock().toISOString(),
    organization: { did: organization.did, didDocument: await organizationDocument(store, organization) },
    log: { ...(logId === undefined ? {} : { id: logId }), ...(chainSetting === undefined ? {} : { chain: chainSetting }) },
    keys,
    ...(fromCheckpoint === undefined ? {} : { fromCheckpoint }),
    checkpoints,
    entries,
  };
}
