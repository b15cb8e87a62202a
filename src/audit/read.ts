/**
 * @module audit/read
 *
 * Reading the audit log back: entries of every chain ordered by `at`, then
 * chain id, then `seq` (`at` is each writer's own clock, so across chains
 * this is not a total order of events; within a chain it is `seq` order as
 * long as its writer's clock does not go back), page by page so a long log
 * never sits in memory at once; JSON Lines export (one entry per line,
 * with its stored `hash`, so a reader can recompute it offline); and an
 * agent's trail, every entry in which a DID appears as the agent, the owner
 * or anywhere in the delegation chain: who did what, on whose authority.
 * Reads do not verify the chain (that is `verifyAudit`), but an entry that is
 * not even well-formed stops them with `ERR_AUDIT_TAMPERED`.
 */

import { legateError } from '../errors/index.js';
import { canonicalJson } from '../lib/canonical-json.js';
import type { AuditEntryRecord, Store } from '../store/types.js';
import type { AuditReader } from './chain.js';
import { readAuditEntry } from './entry.js';
import type { HashedAuditEntry } from './types.js';

/** Entries read per store call. */
const PAGE_SIZE = 500;

/** Which entries to read. */
export interface AuditQuery {
  /** Only entries appended at or after this time (an ISO 8601 string or a Date). */
  since?: string | Date | undefined;
  /** Only entries in which this DID (or owner URI) appears as agent, owner or in the chain. */
  agent?: string | undefined;
  /** At most this many entries (the earliest that match). */
  limit?: number | undefined;
}

function normalizeSince(since: string | Date | undefined): string | undefined {
  if (since === undefined) return undefined;
  const time = since instanceof Date ? since.getTime() : typeof since === 'string' ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(time)) throw new TypeError('since must be an ISO 8601 time or a Date');
  return new Date(time).toISOString();
}

/** @internal The stored records of every chain, in (`at`, chain, `seq`) order, paged. */
async function* allRecords(store: Store, since: string | undefined): AsyncGenerator<AuditEntryRecord> {
  let after: AuditEntryRecord | undefined;
  for (;;) {
    const page = await store.listAuditEntries({
      limit: PAGE_SIZE,
      ...(since === undefined ? {} : { since }),
      ...(after === undefined ? {} : { after: { at: after.at, chain: after.chain, seq: after.seq } }),
    });
    yield* page;
    after = page.at(-1);
    if (after === undefined || page.length < PAGE_SIZE) return;
  }
}

/** @internal The stored records of one chain (a {@link chainReader}) from `fromSeq` on, in `seq` order, paged. */
export async function* auditRecords(store: AuditReader, query: { fromSeq?: number; since?: string } = {}): AsyncGenerator<AuditEntryRecord> {
  let fromSeq = query.fromSeq ?? 1;
  for (;;) {
    const page = await store.listAuditEntries({ fromSeq, limit: PAGE_SIZE, ...(query.since === undefined ? {} : { since: query.since }) });
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE_SIZE) return;
    fromSeq = last.seq + 1;
  }
}

/**
 * True when `did` appears in `entry` as agent, owner, or anywhere in its chain.
 *
 * @example
 * ```ts
 * involves({ ...entry, chain: [subAgent, alice, owner] }, alice); // true
 * ```
 */
export function involves(entry: HashedAuditEntry, did: string): boolean {
  return entry.agent === did || entry.owner === did || (entry.chain?.includes(did) ?? false);
}

/**
 * The matching entries, parsed, ordered by `at`, then chain, then `seq`.
 *
 * @throws VerificationError `ERR_AUDIT_TAMPERED` at an entry that is not well-formed.
 *
 * @example
 * ```ts
 * for await (const entry of readAudit(store, { since: '2026-03-01T00:00:00Z' })) console.log(entry.seq, entry.type);
 * ```
 */
export async function* readAudit(store: Store, query: AuditQuery = {}): AsyncGenerator<HashedAuditEntry> {
  const since = normalizeSince(query.since);
  const { agent, limit } = query;
  if (agent !== undefined && (typeof agent !== 'string' || agent.length === 0)) throw new TypeError('agent must be a non-empty string');
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new RangeError('limit must be a positive integer');
  let count = 0;
  for await (const record of allRecords(store, since)) {
    const read = readAuditEntry(record.entry);
    if (read === undefined) {
      throw legateError('ERR_AUDIT_TAMPERED', `audit entry ${record.seq} of chain ${record.chain.slice(0, 100)} is not a well-formed entry; run \`legate audit verify\``, {
        claim: 'seq',
        reason: 'changed',
      });
    }
    const entry: HashedAuditEntry = { ...read.entry, hash: record.hash };
    if (agent !== undefined && !involves(entry, agent)) continue;
    yield entry;
    if (limit !== undefined && ++count >= limit) return;
  }
}

/**
 * The matching entries as JSON Lines, one canonical JSON object per line
 * (without the newline): the entry's members plus `hash`, the hash the log
 * recorded for it. Without `hash`, the canonical JSON of a line hashes to it.
 *
 * @example
 * ```ts
 * for await (const line of exportAuditLines(store, { agent: aliceDid })) out.write(`${line}\n`);
 * ```
 */
export async function* exportAuditLines(store: Store, query: AuditQuery = {}): AsyncGenerator<string> {
  for await (const entry of readAudit(store, query)) yield canonicalJson(entry);
}

/**
 * The matching entries as one JSON Lines string (each line ends in `\n`).
 * For large logs prefer {@link exportAuditLines}.
 *
 * @example
 * ```ts
 * await writeFile('audit.jsonl', await exportAudit(store, { since: '2026-03-01T00:00:00Z' }));
 * ```
 */
export async function exportAudit(store: Store, query: AuditQuery = {}): Promise<string> {
  let text = '';
  for await (const line of exportAuditLines(store, query)) text += `${line}\n`;
  return text;
}

/**
 * Who did what on whose authority: every entry in which `did` appears as the
 * agent, the owner, or anywhere in the delegation chain, in `seq` order.
 *
 * @example
 * ```ts
 * for (const e of await auditTrail(store, aliceDid)) console.log(e.at, e.decision, e.action, e.resource, [...(e.chain ?? [])].reverse().join(' -> '));
 * ```
 */
export async function auditTrail(store: Store, did: string, options: Omit<AuditQuery, 'agent'> = {}): Promise<HashedAuditEntry[]> {
  if (typeof did !== 'string' || did.length === 0) throw new TypeError('did must be a non-empty string');
  const entries: HashedAuditEntry[] = [];
  for await (const entry of readAudit(store, { ...options, agent: did })) entries.push(entry);
  return entries;
}
