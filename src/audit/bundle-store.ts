/**
 * @module audit/bundle-store
 *
 * A bundle's records seen through the store reads `verifyAudit` makes
 * (entries by chain and `seq`, chain heads, checkpoints, the log's settings),
 * so a bundle is verified by exactly the code that verifies a live log. Read
 * only, in memory; nothing else of the store is there. Internal.
 */

import { AUDIT_CHAIN_SETTING } from './chain.js';
import { AUDIT_LOG_ID_SETTING } from './log-id.js';
import type { AuditBundle } from './bundle.js';
import type { AuditEntryQuery, AuditEntryRecord, Store } from '../store/types.js';

/** What `verifyAudit` reads of a store. */
export type AuditVerifierReads = Pick<Store, 'listAuditEntries' | 'listAuditChains' | 'listAuditCheckpoints' | 'getOrganization' | 'getSetting' | 'listKeys'>;

const bySeq = (a: AuditEntryRecord, b: AuditEntryRecord) => a.seq - b.seq;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** (`at`, `chain`, `seq`): the order of a listing across chains. */
const byTime = (a: Pick<AuditEntryRecord, 'at' | 'chain' | 'seq'>, b: Pick<AuditEntryRecord, 'at' | 'chain' | 'seq'>) =>
  compare(a.at, b.at) || compare(a.chain, b.chain) || a.seq - b.seq;

/** The first index of `records` (sorted by seq) whose seq is at least `seq`. */
function lowerBound(records: readonly AuditEntryRecord[], seq: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The reads of `bundle` (whose `(chain, seq)` pairs the caller has checked
 * are unique, as a store's key makes them).
 */
export function bundleReads(bundle: AuditBundle): AuditVerifierReads {
  const chains = new Map<string, AuditEntryRecord[]>();
  for (const record of bundle.entries) {
    let records = chains.get(record.chain);
    if (records === undefined) chains.set(record.chain, (records = []));
    records.push(record);
  }
  for (const records of chains.values()) records.sort(bySeq);
  const all = [...bundle.entries].sort(byTime);
  const checkpoints = [...bundle.checkpoints].sort((a, b) => a.seq - b.seq);
  const settings = new Map<string, string>();
  if (bundle.log.id !== undefined) settings.set(AUDIT_LOG_ID_SETTING, bundle.log.id);
  if (bundle.log.chain !== undefined) settings.set(AUDIT_CHAIN_SETTING, bundle.log.chain);

  function list(query: AuditEntryQuery = {}): AuditEntryRecord[] {
    let records: readonly AuditEntryRecord[];
    if (query.chain !== undefined) {
      records = chains.get(query.chain) ?? [];
      if (query.fromSeq !== undefined) records = records.slice(lowerBound(records, query.fromSeq));
    } else {
      records = all;
      const after = query.after;
      if (after !== undefined) records = records.filter((r) => byTime(r, after) > 0);
      if (query.fromSeq !== undefined) records = records.filter((r) => r.seq >= query.fromSeq!);
    }
    const out: AuditEntryRecord[] = [];
    for (const r of records) {
      if (query.limit !== undefined && out.length >= query.limit) break;
      if (query.toSeq !== undefined && r.seq > query.toSeq) {
        if (query.chain !== undefined) break;
        continue;
      }
      if (query.since !== undefined && r.at < query.since) continue;
      out.push(r);
    }
    return out;
  }

  return {
    listAuditEntries: (query) => Promise.resolve(list(query)),
    listAuditChains: () => Promise.resolve([...chains.entries()].sort(([a], [b]) => compare(a, b)).map(([, records]) => records.at(-1)!)),
    listAuditCheckpoints: () => Promise.resolve(checkpoints),
    getOrganization: () => Promise.resolve({ did: bundle.organization.did, domain: '', name: '', createdAt: bundle.exportedAt }),
    getSetting: (name) => Promise.resolve(settings.get(name)),
    // No key history beyond the bundle's own: its keys (retired ones with their spans) are what resolution gives.
    listKeys: () => Promise.resolve([]),
  };
}
