/**
 * @module node/alerts/acknowledge
 *
 * An operator acknowledges an alert (`legate alerts ack`, the console): it
 * leaves the open count (`legate_alerts_open`), is kept for
 * `alerts.retention`, then swept. The acknowledgement is audited with the
 * operator's name (`details.operator`). A second acknowledgement keeps the
 * first, and writes nothing.
 */

import { legateError } from '../../errors/index.js';
import type { AlertRecord } from '../../store/ports/alerts.js';
import { audit } from '../audit.js';
import { inTransaction, type NodeContext } from '../context.js';

/** Longest operator name kept. */
const MAX_OPERATOR = 200;

/**
 * @throws StoreError `ERR_NOT_FOUND` for an unknown alert id; InputError `ERR_INVALID_ARGUMENT` (claim `operator`) for an empty or over-long name.
 *
 * @example
 * ```ts
 * await acknowledgeAlert(node, 'urn:uuid:…', { operator: 'carol' });
 * ```
 */
export async function acknowledgeAlert(ctx: NodeContext, id: string, options: { operator: string }): Promise<AlertRecord> {
  const { operator } = options;
  if (operator.trim().length === 0 || operator.length > MAX_OPERATOR) {
    throw legateError('ERR_INVALID_ARGUMENT', `operator must be a name of 1 to ${MAX_OPERATOR} characters`, { claim: 'operator' });
  }
  return inTransaction(ctx, async (tx) => {
    const before = await tx.store.getAlert(id);
    if (before === undefined) throw legateError('ERR_NOT_FOUND', 'no such alert', { claim: 'id' });
    if (before.acknowledgedAt !== undefined) return before;
    const acknowledged = (await tx.store.acknowledgeAlert(id, ctx.clock().toISOString(), operator))!;
    await audit(tx, { type: 'alert', action: 'acknowledge', details: { alert: id, rule: before.rule, subject: before.subject.slice(0, 200), operator } });
    return acknowledged;
  });
}
