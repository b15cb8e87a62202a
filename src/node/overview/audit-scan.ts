/**
 * @module node/overview/audit-scan
 *
 * A bounded forward read of the audit log for the console's feeds and
 * charts: entries of every chain in the log's (`at`, chain, `seq`) order,
 * from a time (and after a position), up to a time, at most `max` entries.
 * An entry whose text is not an entry is handed on as `undefined` (the
 * console shows nothing for it; `legate audit verify` reports it).
 */

import { readAuditEntry } from '../../audit/entry.js';
import type { AuditEntry } from '../../audit/types.js';
import type { AuditEntryRecord } from '../../store/types.js';
import type { NodeContext } from '../context.js';

const PAGE = 500;

/** A place in the log's order. */
export type AuditPosition = { at: string; chain: string; seq: number };

export interface AuditScan {
  /** ISO 8601 UTC: entries at or after. */
  since: string;
  /** Only entries after this position. */
  after?: AuditPosition | undefined;
  /** ISO 8601 UTC: entries at or before. */
  until?: string | undefined;
  /** Most entries read. */
  max: number;
}

/**
 * Hands each entry to `visit` until it returns false, the range ends or
 * `max` entries were read (`truncated`). `last` is the position of the
 * last entry read.
 */
export async function scanAudit(
  ctx: NodeContext,
  scan: AuditScan,
  visit: (entry: AuditEntry | undefined, record: AuditEntryRecord, position: AuditPosition) => boolean | Promise<boolean>,
): Promise<{ last: AuditPosition | undefined; truncated: boolean }> {
  let after = scan.after;
  let last = scan.after;
  let read = 0;
  for (;;) {
    const page = await ctx.store.listAuditEntries({ limit: PAGE, since: scan.since, ...(after === undefined ? {} : { after }) });
    for (const record of page) {
      if (scan.until !== undefined && record.at > scan.until) return { last, truncated: false };
      read++;
      last = { at: record.at, chain: record.chain, seq: record.seq };
      if (!(await visit(readAuditEntry(record.entry)?.entry, record, last))) return { last, truncated: false };
      if (read >= scan.max) return { last, truncated: true };
    }
    if (page.length < PAGE) return { last, truncated: false };
    after = last;
  }
}
