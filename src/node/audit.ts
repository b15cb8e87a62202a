/**
 * @module node/audit
 *
 * Every decision a node makes goes to its audit log: issuance, delegation,
 * status changes, registry changes, agents, handshakes and actions. Inside
 * an operation's transaction the entry commits or rolls back with the
 * decision itself. Refusals of hostile input are logged best-effort: a
 * refused message must never fail differently because its log entry did.
 */

import { appendAudit } from '../audit/append.js';
import type { AuditFields } from '../audit/types.js';
import { LegateError } from '../errors/index.js';
import type { NodeContext } from './context.js';

/** Logs one decision through `ctx` (bind it to a transaction with `withStore` to make it part of one). */
export async function audit(ctx: NodeContext, fields: AuditFields): Promise<void> {
  await appendAudit(ctx, fields);
}

/** Logs a refusal of untrusted input, trimming what does not fit; never throws. */
export async function auditRefusal(ctx: NodeContext, fields: Omit<AuditFields, 'decision' | 'reasons'>, error: unknown): Promise<void> {
  const reasons = [error instanceof LegateError ? error.code : 'ERR_INTERNAL'];
  const clip = (text: string | undefined) => (text === undefined ? undefined : text.slice(0, 512));
  try {
    await appendAudit(ctx, { ...fields, agent: clip(fields.agent), action: clip(fields.action), resource: clip(fields.resource), decision: 'deny', reasons });
  } catch {
    try {
      await appendAudit(ctx, { type: fields.type, decision: 'deny', reasons });
    } catch {
      // The store itself failed; the refusal is still returned to the caller.
    }
  }
}
